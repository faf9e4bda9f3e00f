"""Waiting for something asynchronous without fixed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 30.0, interval: float = 0.1, what: str = "") -> T:
    """Calls ``check`` until it returns something truthy (returned) or the timeout passes (AssertionError
    showing the last value)."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or check}; last value: {last!r}")
        time.sleep(interval)
