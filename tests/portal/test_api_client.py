"""The portal's API client against a real local HTTP server that, like gunicorn at the end of its keep-alive,
closes a kept-alive connection as the next request arrives on it: a request that cannot do anything twice is
sent again on a new connection, any other one is shown as unavailable (it may have been done), and a connection
left idle is not reused at all. The CI run that failed with "Dịch vụ tạm thời gián đoạn" on the administrator's
first page had met that close."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.portal import api


class KeepAliveCloser(BaseHTTPRequestHandler):
    """Answers the first request of each connection and keeps it alive; the second request on a connection
    is read and met with a close, no answer (what the client sees when the server's keep-alive ends just then)."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, int]]  # (method, path, connection number), set per server
    connections: list[int]

    def setup(self) -> None:
        super().setup()
        self.served = 0
        self.connections.append(1)
        self.number = len(self.connections)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.seen.append((self.command, self.path, self.number))
        self.served += 1
        if self.served > 1 and self.server.close_reused:   # type: ignore[attr-defined]
            self.close_connection = True
            return
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _serve

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    handler = type("Handler", (KeepAliveCloser,), {"seen": [], "connections": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.close_reused = True  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    api._local.__dict__.pop("apis", None)   # this thread's connections to the closed server


def _call(server: ThreadingHTTPServer, method: str, path: str, **headers: str) -> api.Call:
    host, port = server.server_address[:2]
    return api.Call("intake", method, f"http://{host}:{port}{path}", path, None, 5.0,
                    {"json": {} if method == "POST" else None, "params": None, "files": None, "data": None,
                     "headers": headers})


def _seen(server) -> list[tuple[str, str, int]]:
    return server.RequestHandlerClass.seen


def test_a_get_met_by_a_closing_connection_is_sent_again_on_a_new_one(server):
    assert api.send(_call(server, "GET", "/first")) == {"ok": True}
    assert api.send(_call(server, "GET", "/second")) == {"ok": True}
    assert _seen(server) == [("GET", "/first", 1), ("GET", "/second", 1), ("GET", "/second", 2)]


def test_a_post_with_an_idempotency_key_is_sent_again(server):
    api.send(_call(server, "GET", "/first"))
    assert api.send(_call(server, "POST", "/dossiers", **{"Idempotency-Key": "k-1"})) == {"ok": True}
    assert [s[:2] for s in _seen(server)].count(("POST", "/dossiers")) == 2


def test_a_post_without_one_is_not_sent_twice_and_the_page_says_unavailable(server):
    api.send(_call(server, "GET", "/first"))
    with pytest.raises(api.ApiUnavailable, match="intake: ConnectionError"):
        api.send(_call(server, "POST", "/auth/token"))
    assert [s[:2] for s in _seen(server)].count(("POST", "/auth/token")) == 1


def test_a_connection_idle_for_a_while_is_not_reused(server, monkeypatch):
    server.close_reused = False
    monkeypatch.setattr(api, "IDLE_SECONDS", 0.2)   # the real 2 s, shortened so the test does not wait for it
    api.send(_call(server, "GET", "/a"))
    api.send(_call(server, "GET", "/b"))
    time.sleep(0.3)
    api.send(_call(server, "GET", "/c"))
    assert [number for _, _, number in _seen(server)] == [1, 1, 2]


def test_the_idle_limit_is_below_the_apis_keep_alive():
    from shared import gunicorn_conf

    assert gunicorn_conf.keepalive / 2 > api.IDLE_SECONDS
