"""Officers' digests: the due-soon, overdue and assignment alerts of one recipient gathered per period and sent as
one message when the period ends, instead of one message per dossier.

Why: with thousands of open dossiers a scheduler round can raise an alert per dossier, and a message each buried
the officers and put the sender minutes behind (issue 13). Gathering them is an operational choice of this
system, not a rule of law: the law asks that late work be known and explained (Decree 61/2018 Art. 20 for the
applicant, who is still told at once), not how officers are reminded.

- **Collect** (the consumer, :func:`collect`): each alert the planner routes to a digest becomes an entry of the
  digest of its recipient, channel and period — the period of the moment the alert was raised, periods of
  NOTIFY_DIGEST_MINUTES aligned to the Hà Nội clock from midnight. One conditional upsert adds it unless the
  digest lists that event already, so an event Kafka delivers twice is listed once. An alert that comes after its
  period's digest was closed (a late delivery) goes to the period open now.
- **Send** (the sender loop, ``sending.send_ended``): a digest whose period has ended is closed (compare-and-set:
  nothing is added after), then persisted as one notification with an idempotency key of its own, then marked
  sent. A sender that dies in between leaves it closed, and the next round finishes it: the notification's key
  makes that once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.notify.storage import DIGESTS
from shared.clock import as_utc, utc_now, vn_datetime

COLLECTING, CLOSED, SENT = "collecting", "closed", "sent"
DUE_SOON, OVERDUE, ASSIGNED = "due-soon", "overdue", "assigned"  # what an entry reports


@dataclass(frozen=True)
class DigestItem:
    """An alert the planner routes to a digest instead of a message of its own."""

    kind: str
    recipient: str
    channel: str
    entry: dict[str, Any]   # dossier_id, code, procedure_name, step_name, due_at, at (when it was raised)


def period_of(at: datetime, minutes: int) -> tuple[datetime, datetime]:
    """The period ``at`` falls in: ``minutes`` long, counted from midnight in Hà Nội (the last one of a day ends
    at midnight when ``minutes`` does not divide a day)."""
    local = vn_datetime(at)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    length = timedelta(minutes=minutes)
    start = midnight + ((local - midnight) // length) * length
    end = min(start + length, midnight + timedelta(days=1))
    return as_utc(start), as_utc(end)


def digest_id(recipient: str, channel: str, start: datetime) -> str:
    return f"{recipient}|{channel}|{as_utc(start).isoformat()}"


def collect(db: Database, settings, event_id: str, item: DigestItem) -> bool:
    """Lists the alert in its digest; False when that digest lists this event already (a redelivery)."""
    entry = {"event_id": event_id, "kind": item.kind, **item.entry}
    start, end = period_of(entry["at"], settings.notify_digest_minutes)
    while True:
        key = digest_id(item.recipient, item.channel, start)
        try:
            db[DIGESTS].update_one(
                {"_id": key, "status": COLLECTING, "entries.event_id": {"$ne": event_id}},
                {"$push": {"entries": entry},
                 "$setOnInsert": {"recipient": item.recipient, "channel": item.channel, "period_start": start,
                                  "period_end": end, "created_at": utc_now()}},
                upsert=True)
            return True
        except DuplicateKeyError:  # the digest exists and the filter did not match it: listed, or closed
            pass
        found = db[DIGESTS].find_one({"_id": key}, {"status": 1, "entries.event_id": 1})
        if found is None or found["status"] == COLLECTING and all(e["event_id"] != event_id
                                                                    for e in found["entries"]):
            continue  # changed in between: try again
        if any(e["event_id"] == event_id for e in found["entries"]):
            return False
        # Closed before this alert came: the period open now takes it.
        start, end = period_of(max(end, utc_now()), settings.notify_digest_minutes)
