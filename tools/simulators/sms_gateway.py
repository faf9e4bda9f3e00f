"""The SMS gateway simulator: a real HTTP server speaking the gateway API the notify service's adapter uses
(``services/notify/delivery/sms.py``), started by `make run` and by the tests.

    python -m tools.simulators.sms_gateway serve --port 8090 --api-key dev-sms-key --callback-secret S
    python -m tools.simulators.sms_gateway list --url http://127.0.0.1:8090

What it does, like a real aggregator:
- accepts ``POST /v1/messages`` (Bearer API key; ``401`` otherwise), checks the number (``400
  invalid_number``), keeps the reference unique (a repeated reference returns the first message, ``200``),
  counts GSM-7/UCS-2 parts, answers ``202``;
- a moment later POSTs a signed delivery receipt to the message's ``callback_url``, retrying (with backoff)
  while the callback fails;
- answers ``GET /v1/messages/by-reference/<reference>``.

Test numbers decide the receipt (after GOV.UK Notify's): a number ending ``0000`` is an unknown subscriber
(``failed``, permanent), one ending ``1111`` is switched off (``failed``, temporary); every other number is
``delivered``.

For tests and demos (not part of a real gateway):
- ``POST /_control`` with any of ``{"fail_next": 2, "fail_status": 503}`` (the next N sends fail),
  ``{"fail_for": {"84912345678": 2}}`` (the next N sends to that number fail),
  ``{"delay_ms": 300}`` (every answer waits), ``{"receipts": false}`` (send no receipts),
  ``{"receipt_delay_ms": 50}``, ``{"duplicate_receipts": true}`` (every receipt is sent twice),
  ``{"reset": true}``;
- ``GET /_messages[?to=84…]`` every message received, oldest first; ``GET /_stats`` counters.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests

from shared.auth.policy import sign
from shared.clock import utc_now
from shared.config import Settings
from tools.simulators.common import SimulatorClient, command_line, serve_until_stopped

log = logging.getLogger("sms-gateway")

NUMBER = re.compile(r"^84\d{9,10}$")
GSM_SINGLE, GSM_PART, UCS_SINGLE, UCS_PART = 160, 153, 70, 67


@dataclass
class Message:
    id: str
    sender: str
    to: str
    text: str
    encoding: str
    reference: str
    callback_url: str | None
    segments: int
    received_at: str
    status: str = "accepted"
    error_code: str | None = None
    permanent: bool = False
    receipts_sent: int = 0


@dataclass
class Behaviour:
    fail_next: int = 0
    fail_status: int = 503
    fail_for: dict[str, int] = field(default_factory=dict)  # number -> how many sends to it fail
    delay_ms: int = 0
    receipts: bool = True
    receipt_delay_ms: int = 20
    duplicate_receipts: bool = False


@dataclass
class State:
    api_key: str
    callback_secret: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    messages: list[Message] = field(default_factory=list)
    by_reference: dict[str, Message] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=lambda: {
        "accepted": 0, "duplicate_references": 0, "injected_failures": 0, "refused": 0,
        "receipts_sent": 0, "receipt_failures": 0})
    lock: threading.Lock = field(default_factory=threading.Lock)


def segments(text: str, encoding: str) -> int:
    units = len(text) if encoding == "gsm7" else len(text.encode("utf-16-le")) // 2
    single, part = (GSM_SINGLE, GSM_PART) if encoding == "gsm7" else (UCS_SINGLE, UCS_PART)
    return 1 if units <= single else -(-units // part)


def outcome_for(number: str) -> tuple[str, str | None, bool]:
    if number.endswith("0000"):
        return "failed", "unknown_subscriber", True
    if number.endswith("1111"):
        return "failed", "absent_subscriber", False
    return "delivered", None, False


class Receipts:
    """Sends receipts from a background thread, retrying a failing callback (1, 2, 4 … 30 s, 8 tries)."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.queue: list[tuple[float, Message, int, bool]] = []
        self.cv = threading.Condition()
        self.session = requests.Session()
        threading.Thread(target=self._run, daemon=True, name="receipts").start()

    def schedule(self, message: Message, delay_s: float, tries: int = 0, repeat: bool = False) -> None:
        with self.cv:
            self.queue.append((time.monotonic() + delay_s, message, tries, repeat))
            self.cv.notify()

    def _run(self) -> None:
        while True:
            with self.cv:
                while not self.queue:
                    self.cv.wait()
                self.queue.sort(key=lambda item: item[0])
                due, message, tries, repeat = self.queue[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self.cv.wait(wait)
                    continue
                self.queue.pop(0)
            self._send(message, tries, repeat)

    def _send(self, message: Message, tries: int, repeat: bool) -> None:
        body = json.dumps({"receipt_id": f"r-{message.id}", "message_id": message.id,
                           "reference": message.reference, "status": message.status,
                           "permanent": message.permanent, "error_code": message.error_code,
                           "at": utc_now().isoformat()}).encode()
        try:
            response = self.session.post(message.callback_url, data=body, timeout=10, headers={
                "Content-Type": "application/json", "X-Signature": sign(body, self.state.callback_secret)})
            ok = response.status_code < 500 and response.status_code not in (401, 408, 429)
        except requests.RequestException:
            ok = False
        with self.state.lock:
            self.state.stats["receipts_sent" if ok else "receipt_failures"] += 1
            message.receipts_sent += int(ok)
            duplicate = self.state.behaviour.duplicate_receipts
        if not ok and tries < 8:
            self.schedule(message, min(2 ** tries, 30), tries + 1, repeat)
        elif ok and duplicate and not repeat:
            # The same receipt again, later: a new timestamp, hence a new signature, the way a real gateway
            # repeats one whose acknowledgement it missed.
            self.schedule(message, 1.1, 0, repeat=True)


class Handler(BaseHTTPRequestHandler):
    state: State
    receipts: Receipts
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # quieter than the default stderr line per request
        log.debug(fmt, *args)

    def _answer(self, status: int, body: Any) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            value = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        path = urlparse(self.path).path
        body = self._body()
        if path == "/_control":
            return self._control(body)
        if path != "/v1/messages":
            return self._answer(404, {"error": "not_found"})
        delay = self.state.behaviour.delay_ms
        if delay:
            time.sleep(delay / 1000)
        if self.headers.get("Authorization") != f"Bearer {self.state.api_key}":
            return self._answer(401, {"error": "invalid_api_key"})
        with self.state.lock:
            behaviour = self.state.behaviour
            number = str(body.get("to", ""))
            if behaviour.fail_next > 0 or behaviour.fail_for.get(number, 0) > 0:
                if behaviour.fail_for.get(number, 0) > 0:
                    behaviour.fail_for[number] -= 1
                else:
                    behaviour.fail_next -= 1
                self.state.stats["injected_failures"] += 1
                return self._answer(behaviour.fail_status, {"error": "service_unavailable"})
            reference = str(body.get("reference") or "")
            existing = self.state.by_reference.get(reference) if reference else None
            if existing is not None:
                self.state.stats["duplicate_references"] += 1
                return self._answer(200, {"id": existing.id, "status": existing.status,
                                          "segments": existing.segments})
            to, text, encoding = str(body.get("to", "")), str(body.get("text", "")), body.get("encoding", "gsm7")
            if not NUMBER.match(to) or not text or encoding not in ("gsm7", "ucs2"):
                self.state.stats["refused"] += 1
                return self._answer(400, {"error": "invalid_number" if not NUMBER.match(to) else "invalid_message"})
            status, error_code, permanent = outcome_for(to)
            message = Message(id=uuid.uuid4().hex, sender=str(body.get("from", "")), to=to, text=text,
                              encoding=encoding, reference=reference, callback_url=body.get("callback_url"),
                              segments=segments(text, encoding), received_at=utc_now().isoformat(),
                              status=status, error_code=error_code, permanent=permanent)
            self.state.messages.append(message)
            if reference:
                self.state.by_reference[reference] = message
            self.state.stats["accepted"] += 1
            send_receipt = self.state.behaviour.receipts and message.callback_url
            receipt_delay = self.state.behaviour.receipt_delay_ms / 1000
        if send_receipt:
            self.receipts.schedule(message, receipt_delay)
        return self._answer(202, {"id": message.id, "status": "accepted", "segments": message.segments})

    def _control(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            if body.get("reset"):
                self.state.behaviour = Behaviour()
                self.state.messages.clear()
                self.state.by_reference.clear()
                for key in self.state.stats:
                    self.state.stats[key] = 0
            for name in ("fail_next", "fail_status", "delay_ms", "receipt_delay_ms"):
                if name in body:
                    setattr(self.state.behaviour, name, int(body[name]))
            for number, count in (body.get("fail_for") or {}).items():
                self.state.behaviour.fail_for[str(number)] = int(count)
            for name in ("receipts", "duplicate_receipts"):
                if name in body:
                    setattr(self.state.behaviour, name, bool(body[name]))
            return self._answer(200, asdict(self.state.behaviour))

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        url = urlparse(self.path)
        if url.path == "/healthz":
            return self._answer(200, {"status": "ok"})
        if url.path == "/_stats":
            with self.state.lock:
                return self._answer(200, dict(self.state.stats))
        if url.path == "/_messages":
            to = parse_qs(url.query).get("to", [None])[0]
            with self.state.lock:
                found = [asdict(m) for m in self.state.messages if to is None or m.to == to]
            return self._answer(200, found)
        prefix = "/v1/messages/by-reference/"
        if url.path.startswith(prefix):
            if self.headers.get("Authorization") != f"Bearer {self.state.api_key}":
                return self._answer(401, {"error": "invalid_api_key"})
            with self.state.lock:
                message = self.state.by_reference.get(url.path[len(prefix):])
                if message is None:
                    return self._answer(404, {"error": "unknown_reference"})
                return self._answer(200, {"id": message.id, "status": message.status,
                                          "error_code": message.error_code, "permanent": message.permanent})
        return self._answer(404, {"error": "not_found"})


def make_server(port: int, api_key: str, callback_secret: str) -> ThreadingHTTPServer:
    state = State(api_key=api_key, callback_secret=callback_secret)
    handler = type("BoundHandler", (Handler,), {"state": state, "receipts": Receipts(state)})
    server = ThreadingHTTPServer((Settings.from_env().bind_host, port), handler)  # BIND_HOST: 0.0.0.0 in compose
    server.daemon_threads = True
    return server


class SmsGatewayClient(SimulatorClient):
    """Reads the simulator back and steers it (tests, `make sms`)."""

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        params = {"to": to} if to else None
        return requests.get(f"{self.url}/_messages", params=params, timeout=5).json()


def serve(port: int, api_key: str, callback_secret: str) -> None:
    serve_until_stopped(make_server(port, api_key, callback_secret), "sms-gateway", port)


def _listing(url: str) -> tuple[list[str], str]:
    messages = SmsGatewayClient(url).messages()
    return ([f"{m['received_at']}\t{m['to']}\t{m['status']}\t{m['segments']} phần\t{m['text']}" for m in messages],
            f"{len(messages)} SMS")


main = command_line("sms-gateway", port=8090, listing=_listing,
                    options={"--api-key": ("dev-sms-key", "the API key the notify service sends"),
                             "--callback-secret": ("dev-sms-callback-secret", "the key signing delivery receipts")},
                    serve=lambda args: serve(args.port, args.api_key, args.callback_secret))

if __name__ == "__main__":
    raise SystemExit(main())
