"""What a failed attempt leads to: another attempt later (exponential backoff, scheduled in the database), or
a final status. One rule for the sender, the receipts and the sweeper."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.notify.notifications import statuses

MAX_BACKOFF = timedelta(hours=6)


def backoff(attempt_number: int, base_seconds: float) -> timedelta:
    """Wait after attempt ``attempt_number`` failed: base, 2×base, 4×base … capped at six hours."""
    return min(timedelta(seconds=base_seconds * 2 ** max(0, attempt_number - 1)), MAX_BACKOFF)


def after_failure(*, attempt_number: int, permanent: bool, settings, now: datetime,
                  immediately: bool = False) -> dict[str, Any]:
    """The fields to set after attempt ``attempt_number`` failed.

    - refused for good (unknown mailbox, invalid number) → ``permanent-failure``, never retried;
    - attempts left → ``temporary-failure`` with the next attempt scheduled (``immediately``: an attempt that
      was only interrupted, not refused, is tried again at once);
    - no attempts left → ``technical-failure``.
    """
    if permanent:
        return {"status": statuses.PERMANENT_FAILURE, "next_attempt_at": None, "completed_at": now}
    if attempt_number >= settings.notify_max_attempts:
        return {"status": statuses.TECHNICAL_FAILURE, "next_attempt_at": None, "completed_at": now}
    wait = timedelta(0) if immediately else backoff(attempt_number, settings.notify_retry_base_seconds)
    return {"status": statuses.TEMPORARY_FAILURE, "next_attempt_at": now + wait}
