"""Long-running background processes (relay, consumers): start-up and graceful shutdown."""

from __future__ import annotations

import logging
import signal
import threading

log = logging.getLogger(__name__)


def stop_on_signals() -> threading.Event:
    """An event set on SIGTERM or SIGINT: loops finish the record in hand, commit, and return."""
    stop = threading.Event()

    def _handle(signum, _frame):
        log.info("received %s, stopping after the current batch", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)
    return stop
