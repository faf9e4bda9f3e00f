"""Replay protection for signed webhooks: a signature is accepted once.

The signature policy already refuses requests whose timestamp is outside the tolerance window, so only
signatures younger than that window need remembering; older ones are pruned. The memory is a collection with
the signature's hash as ``_id``, so two replicas receiving the same request at once cannot both accept it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

PRUNE_EVERY_SECONDS = 30.0
_next_prune: dict[str, datetime] = {}   # per collection: when this process prunes it next


def first_time(collection: Collection, signature: str, now: datetime, tolerance_seconds: int = 300) -> bool:
    """Records the signature; False if it was seen before (a replay). Forgets signatures the tolerance window
    already refuses, so the memory stays as small as the traffic of a few minutes — every
    :data:`PRUNE_EVERY_SECONDS`, not at every request: on FerretDB v1 the range is matched in Go, so each prune
    decodes the whole memory (at 10 SMS receipts a second, 6,000 documents 10 times a second)."""
    key = hashlib.sha256(signature.encode()).hexdigest()
    try:
        collection.insert_one({"_id": key, "at": now})
    except DuplicateKeyError:
        return False
    due = _next_prune.get(collection.full_name)
    if due is None or now >= due:
        _next_prune[collection.full_name] = now + timedelta(seconds=PRUNE_EVERY_SECONDS)
        collection.delete_many({"at": {"$lt": now - timedelta(seconds=2 * tolerance_seconds)}})
    return True


def ensure_indexes(collection: Collection) -> None:
    collection.create_index("at")
