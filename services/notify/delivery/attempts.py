"""The attempt log of a notification: entry *n* (1-based) is attempt *n*, pushed by the claim (outcome
``started``) and completed in place; the provider knows an attempt by ``<notification id>:<n>``."""

from __future__ import annotations

import re
from typing import Any

STARTED, ACCEPTED = "started", "accepted"  # outcomes of an attempt besides the statuses


def attempt_reference(notification_id: str, attempt_number: int) -> str:
    return f"{notification_id}:{attempt_number}"


_ATTEMPT = re.compile(r"[1-9][0-9]{0,5}")  # ASCII digits only (str.isdigit also takes "²"), and bounded


def split_reference(reference: str) -> tuple[str, int] | None:
    """``<notification id>:<attempt>`` as given to the provider; None for anything else."""
    notification_id, _, attempt = reference.rpartition(":")
    if not notification_id or not _ATTEMPT.fullmatch(attempt):
        return None
    return notification_id, int(attempt)


def attempt_fields(number: int, **values: Any) -> dict[str, Any]:
    """``$set`` paths completing attempt ``number`` of the log."""
    return {f"attempts.{number - 1}.{name}": value for name, value in values.items()}


def started_entry(number: int, now) -> dict[str, Any]:
    return {"number": number, "started_at": now, "finished_at": None, "outcome": STARTED,
            "provider_reference": None, "error": None}
