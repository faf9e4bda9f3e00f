"""Time. Everything is stored in UTC; Vietnamese dates (dossier codes, deadlines, printed forms) use
Asia/Ho_Chi_Minh, which has had no daylight saving since 1975 and is UTC+7."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Tests only (MOTCUA_CLOCK_OFFSET_SECONDS): every process of a test stack can live on another date, e.g. before
# 1 July 2025 to take a dossier through the Decree 61/2018 rules on the real stack. Business time only:
# tokens, leases and Kafka use the real clock.
_OFFSET = timedelta(seconds=float(os.environ.get("MOTCUA_CLOCK_OFFSET_SECONDS") or 0))


def utc_now() -> datetime:
    """Now, in UTC, truncated to milliseconds: MongoDB stores milliseconds, so a value read back compares
    equal to the one written."""
    now = datetime.now(UTC) + _OFFSET
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


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
