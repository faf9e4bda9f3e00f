"""The business clock of a test run (rule of the house: time is an input).

The whole run — this process and every process it starts (services, simulators) — lives on one business clock
that starts at :data:`PINNED` when the session starts and runs at real speed from there, whatever the
machine's date and hour (``make test-clock`` proves it under faked dates). Every moment a fixture or a factory
writes is derived from it (``utc_now()``), never from a literal date.

A test that needs another moment (after the 15:00 cut-off, a weekend, the eve of a holiday, before 1 July
2025) moves the clock explicitly and says why::

    with business_clock.moved_to(vn(2026, 10, 8, 19, 40), why="filed on a Thursday evening"):
        ...

Processes a test starts while the clock is moved live at the moved moment too.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from datetime import datetime, timedelta

from shared import clock
from shared.clock import VN_TZ

log = logging.getLogger(__name__)

# Monday 5 October 2026, 09:00 in Hà Nội: a working day, in the morning shift and before the 15:00 cut-off,
# under Decree 118/2025 (received after 1 July 2025), seven weeks before the next public holiday (24 November,
# Vietnam Culture Day), so a 21-day process or a 20-working-day appointment never meets one by accident.
PINNED = datetime(2026, 10, 5, 9, 0, tzinfo=VN_TZ)


def vn(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment in Hà Nội time."""
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


class BusinessClock:
    """The run's business clock, and the one way a test moves it."""

    def pin(self, instant: datetime = PINNED) -> None:
        self._set(clock.offset_to(instant))

    def now(self) -> datetime:
        return clock.utc_now()

    @contextlib.contextmanager
    def moved_to(self, instant: datetime, *, why: str) -> Iterator[datetime]:
        """Business now is ``instant`` (and runs on from there) inside the block; restored afterwards."""
        if not why:
            raise ValueError("say why the test needs another moment")
        previous = clock.offset()
        log.info("business clock moved to %s: %s", instant.isoformat(), why)
        self._set(clock.offset_to(instant))
        try:
            yield instant
        finally:
            self._set(previous)

    @contextlib.contextmanager
    def advanced(self, by: timedelta, *, why: str) -> Iterator[datetime]:
        with self.moved_to(clock.utc_now() + by, why=why) as moved:
            yield moved

    @staticmethod
    def _set(offset: timedelta) -> None:
        clock.set_offset(offset)
        os.environ[clock.OFFSET_VARIABLE] = repr(offset.total_seconds())
