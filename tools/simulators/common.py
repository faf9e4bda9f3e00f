"""What every simulator shares: its command line (serve, or list what a running one holds), running until
SIGTERM/SIGINT, and the client's controls."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable
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


def command_line(name: str, *, port: int, options: dict[str, tuple[str | None, str]],
                 serve: Callable[[argparse.Namespace], None],
                 listing: Callable[[str], tuple[list[str], str]]) -> Callable[[list[str] | None], int]:
    """The ``main`` of a simulator: ``serve`` on ``--port``, or ``list`` what a running one at ``--url`` holds
    (``make sms``, ``make postal``…). ``options``: its own flags with their default and help; ``listing`` gives
    one line per thing held and a closing count."""

    def main(argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(prog=f"python -m tools.simulators.{name.replace('-', '_')}")
        parser.add_argument("command", choices=("serve", "list"))
        parser.add_argument("--port", type=int, default=port)
        parser.add_argument("--url", default=f"http://127.0.0.1:{port}")
        for flag, (default, help_) in options.items():
            parser.add_argument(flag, default=default, help=help_)
        args = parser.parse_args(argv)
        logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {name} %(message)s")
        if args.command == "serve":
            serve(args)
            return 0
        lines, count = listing(args.url)
        for line in lines:
            print(line)
        print(count)
        return 0

    return main


class SimulatorClient:
    """Reads a simulator's counters and steers it through ``/_control`` (tests, `make sms`, `make postal`)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def stats(self) -> dict[str, int]:
        return requests.get(f"{self.url}/_stats", timeout=5).json()

    def control(self, **behaviour: Any) -> dict[str, Any]:
        return requests.post(f"{self.url}/_control", json=behaviour, timeout=5).json()
