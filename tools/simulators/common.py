"""What both simulators share: running until SIGTERM/SIGINT, and the client's controls."""

from __future__ import annotations

import signal
import threading
from http.server import ThreadingHTTPServer
from typing import Any

import requests


def serve_until_stopped(server: ThreadingHTTPServer, name: str, port: int) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"{name}: listening on 127.0.0.1:{port}", flush=True)
    stop.wait()
    server.shutdown()


class SimulatorClient:
    """Reads a simulator's counters and steers it through ``/_control`` (tests, `make sms`, `make postal`)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def stats(self) -> dict[str, int]:
        return requests.get(f"{self.url}/_stats", timeout=5).json()

    def control(self, **behaviour: Any) -> dict[str, Any]:
        return requests.post(f"{self.url}/_control", json=behaviour, timeout=5).json()
