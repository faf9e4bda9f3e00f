"""Delivery receipts: the SMS gateway saying what became of a message it accepted.

A receipt names our reference (``<notification id>:<attempt number>``). It settles the notification if the
notification is not final yet: ``delivered``; a failure the gateway calls permanent (unknown subscriber) ends
as ``permanent-failure``; any other failure (phone off, expired) is a ``temporary-failure`` with the next
attempt scheduled. The gateway may send a receipt twice: receipt ids are remembered on the notification and
a repeated one changes nothing. A failure reported for an older attempt, after a newer one started, is only
logged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pymongo.database import Database

from services.notify.delivery.attempts import ACCEPTED, STARTED, attempt_fields, split_reference
from services.notify.delivery.retries import after_failure
from services.notify.notifications import statuses
from services.notify.storage import NOTIFICATIONS
from shared.observability import metrics

log = logging.getLogger(__name__)

# what an SMS gateway says of a message in a delivery receipt or a look-up
RECEIPT_DELIVERED, RECEIPT_FAILED = "delivered", "failed"

APPLIED, DUPLICATE, RECORDED, UNKNOWN = "applied", "duplicate", "recorded", "unknown"


def apply_receipt(db: Database, settings, receipt: dict[str, Any], now: datetime) -> str:
    parsed = split_reference(receipt["reference"])
    if parsed is None:
        return UNKNOWN
    notification_id, attempt = parsed
    entry = {"receipt_id": receipt["receipt_id"], "attempt": attempt, "status": receipt["status"],
             "error_code": receipt.get("error_code"), "at": receipt.get("at") or now, "received_at": now}
    outcome = settle(db, settings, notification_id, attempt, delivered=receipt["status"] == RECEIPT_DELIVERED,
                     permanent=bool(receipt.get("permanent")), entry=entry, now=now)
    if outcome != UNKNOWN:
        # A sender that stopped between the gateway's answer and its own write left the attempt "started";
        # the receipt tells how it ended.
        db[NOTIFICATIONS].update_one(
            {"_id": notification_id, f"attempts.{attempt - 1}.outcome": STARTED},
            {"$set": attempt_fields(attempt, outcome=ACCEPTED, provider_reference=receipt["message_id"],
                                    finished_at=now, error="completed from the gateway's receipt")})
        # The receipt can overtake a live sender's own write (a fast gateway, a slow store): whichever of the two
        # comes second records the message's reference (see Sender._write).
        db[NOTIFICATIONS].update_one({"_id": notification_id, "attempt_count": attempt, "provider_reference": None},
                                     {"$set": {"provider_reference": receipt["message_id"]}})
    return outcome


def settle(db: Database, settings, notification_id: str, attempt: int, *, delivered: bool, permanent: bool,
           entry: dict[str, Any], now: datetime) -> str:
    """Applies what the provider says of an attempt (from a receipt, or from a look-up by the sweeper)."""
    collection = db[NOTIFICATIONS]
    doc = collection.find_one({"_id": notification_id},
                              {"status": 1, "attempt_count": 1, "receipts": 1, "channel": 1})
    if doc is None:
        return UNKNOWN
    if any(r["receipt_id"] == entry["receipt_id"] for r in doc.get("receipts", [])):
        return DUPLICATE
    not_seen = {"_id": notification_id, "receipts.receipt_id": {"$ne": entry["receipt_id"]}}
    current = doc["status"] not in statuses.FINAL and (delivered or attempt == doc["attempt_count"])
    if current:
        if delivered:
            change = {"status": statuses.DELIVERED, "next_attempt_at": None, "completed_at": now}
        else:
            change = after_failure(attempt_number=doc["attempt_count"], permanent=permanent, settings=settings,
                                   now=now)
        result = collection.update_one(
            {**not_seen, "status": doc["status"], "attempt_count": doc["attempt_count"]},
            {"$set": {**change, "lease_until": None, "receipt_due_at": None, "updated_at": now},
             "$push": {"receipts": entry}})
        if result.modified_count:
            log.info("notification %s: receipt %s -> %s", notification_id, entry["status"], change["status"])
            metrics.notification_settled(doc.get("channel") or "sms", change["status"])
            return APPLIED
        # Changed meanwhile (the sender finished, another receipt): look again with the new state.
        return settle(db, settings, notification_id, attempt, delivered=delivered, permanent=permanent,
                      entry=entry, now=now)
    result = collection.update_one(not_seen, {"$push": {"receipts": entry}})
    return RECORDED if result.modified_count else DUPLICATE
