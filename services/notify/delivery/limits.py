"""Pacing: how many messages a channel may take per second, and the hours when no SMS goes out.

Over the limit, messages wait their turn (they stay due and are picked up in a later second); nothing is
dropped. The limit holds for all sender replicas together: each second of each channel is one counter
document, incremented atomically by the number of messages a sender wants, and the answer says how many of
them fit.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from pymongo import ReturnDocument
from pymongo.database import Database

from services.notify.storage import RATE_WINDOWS
from shared.clock import vn_datetime


class RateLimiter:
    def __init__(self, db: Database, per_second: dict[str, int]) -> None:
        self.collection = db[RATE_WINDOWS]
        self.per_second = per_second

    def take(self, channel: str, wanted: int, now: datetime) -> int:
        """How many of ``wanted`` messages may be sent on ``channel`` in the current second."""
        limit = self.per_second.get(channel)
        if limit is None or wanted <= 0:
            return wanted
        second = math.floor(now.timestamp())
        window = self.collection.find_one_and_update(
            {"_id": f"{channel}:{second}"},
            {"$inc": {"taken": wanted}, "$setOnInsert": {"at": now}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        before = window["taken"] - wanted
        return max(0, min(wanted, limit - before))

    def prune(self, now: datetime) -> int:
        return self.collection.delete_many({"at": {"$lt": now - timedelta(minutes=5)}}).deleted_count


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """``"22:00-06:00"`` → (22:00, 06:00); empty → None. Raises ValueError on anything else."""
    if not value.strip():
        return None
    start, _, end = value.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def in_quiet_hours(quiet: tuple[time, time] | None, now: datetime) -> bool:
    """Whether ``now`` (any time zone) falls in the quiet hours, read in Hà Nội time; the span may cross
    midnight."""
    if quiet is None:
        return False
    start, end = quiet
    local = vn_datetime(now).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end
