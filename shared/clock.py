"""Time. Everything is stored in UTC; Vietnamese dates (dossier codes, deadlines, printed forms) use
Asia/Ho_Chi_Minh, which has had no daylight saving since 1975 and is UTC+7.

**Business time is an input.** Every rule that depends on "now" (deadlines, office hours, the 15:00 cut-off,
quiet hours, dossier codes) reads :func:`utc_now`, never the machine's clock. In production that is the
machine's clock. A test run pins it: the process is told an offset from the machine's clock
(``MOTCUA_CLOCK_OFFSET_SECONDS``), and every process it starts gets the same offset, so they all agree on
"now" whatever the machine's date (see ``tests/conftest.py``: the suite starts on a fixed Monday morning).
Only business time moves: tokens, leases, Kafka and timeouts use the real clock.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OFFSET_VARIABLE = "MOTCUA_CLOCK_OFFSET_SECONDS"

_offset = timedelta(seconds=float(os.environ.get(OFFSET_VARIABLE) or 0))


def utc_now() -> datetime:
    """Business now, in UTC, truncated to milliseconds: MongoDB stores milliseconds, so a value read back
    compares equal to the one written."""
    now = datetime.now(UTC) + _offset
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


def offset() -> timedelta:
    """How far business time is from the machine's clock (zero in production)."""
    return _offset


def set_offset(value: timedelta) -> None:
    """Tests only: move this process's business clock (child processes get it through their environment)."""
    global _offset
    _offset = value


def offset_to(instant: datetime) -> timedelta:
    """The offset that makes business now equal ``instant`` at this moment."""
    if instant.tzinfo is None:
        raise ValueError("the instant must be timezone-aware")
    return instant - datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        # pymongo returns naive UTC datetimes unless the client is tz-aware; treat naive as UTC.
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def vn_date(moment: datetime) -> date:
    """The calendar date in Vietnam at that moment."""
    return as_utc(moment).astimezone(VN_TZ).date()


def vn_datetime(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(VN_TZ)
