"""Sign-in throttling: repeated failures slow down and then lock, per account and per client address.

A username gets :data:`FREE_PER_ACCOUNT` failed sign-ins within :data:`WINDOW`, a client address
:data:`FREE_PER_ADDRESS` (an office behind one address has many people); after that each further failure locks
that key for twice as long as the last (30 s, 1 min, 2 min … at most :data:`MAX_LOCK`). While a key is locked
every sign-in with it answers 429 with ``Retry-After`` — whether the password is right or not, and whether the
account exists or not, so the lock says nothing about the account. A successful sign-in clears the account's
count. Every failure goes to the audit trail (never the password).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.database import Database

from services.intake.storage import SIGN_IN_ATTEMPTS
from shared.storage import audit

WINDOW = timedelta(minutes=15)
FREE_PER_ACCOUNT = 5
FREE_PER_ADDRESS = 20
FIRST_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=15)


def _keys(username: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(f"account:{username.lower()}", FREE_PER_ACCOUNT)]
    if address:
        keys.append((f"address:{address}", FREE_PER_ADDRESS))
    return keys


def wait_seconds(db: Database, username: str, address: str | None, now: datetime) -> int:
    """How long this sign-in must wait (0: it may try now)."""
    longest = 0.0
    for key, _ in _keys(username, address):
        found = db[SIGN_IN_ATTEMPTS].find_one({"_id": key}, {"locked_until": 1})
        if found and found.get("locked_until") and found["locked_until"] > now:
            longest = max(longest, (found["locked_until"] - now).total_seconds())
    return math.ceil(longest)


def failed(db: Database, username: str, address: str | None, now: datetime) -> None:
    """Counts a failed sign-in against the account and the address (starting afresh after a quiet window), locks
    what went over its allowance, and records the failure in the audit trail."""
    for key, free in _keys(username, address):
        attempts = db[SIGN_IN_ATTEMPTS]
        attempts.update_one({"_id": key, "last_failure_at": {"$lt": now - WINDOW}},
                            {"$set": {"failures": 0, "locked_until": None}})
        counted = attempts.find_one_and_update(
            {"_id": key}, {"$inc": {"failures": 1}, "$set": {"last_failure_at": now}},
            upsert=True, return_document=ReturnDocument.AFTER)
        over = counted["failures"] - free
        if over > 0:
            lock = min(FIRST_LOCK * 2 ** (over - 1), MAX_LOCK)
            attempts.update_one({"_id": key}, {"$set": {"locked_until": now + lock}})
    audit.record(db, at=now, actor=None, action="sign-in-failed", collection=None,
                 document_id=username.lower()[:100], address=address)


def succeeded(db: Database, username: str) -> None:
    db[SIGN_IN_ATTEMPTS].delete_one({"_id": f"account:{username.lower()}"})
