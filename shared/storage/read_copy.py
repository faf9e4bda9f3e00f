"""Read copies: what a service keeps of data another service owns, built from that service's events.

Events can arrive out of order (a retry topic re-delivers an older one after a newer one) and more than once, so
a copy applies an event only if it is newer than what it holds: every copied entry carries the ``revision`` its
owner gave it, and the write is a conditional upsert on it. An older or equal revision changes nothing.
"""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError


def keep_newest(collection: Collection, key: Any, fields: dict[str, Any], *, revision: int,
                source_event_id: str) -> bool:
    """Stores ``fields`` as the copy of ``key`` if ``revision`` is newer than the copy's; returns whether it did."""
    copy = {**fields, "revision": revision, "source_event_id": source_event_id}
    try:
        result = collection.update_one({"_id": key, "revision": {"$lt": revision}}, {"$set": copy}, upsert=True)
    except DuplicateKeyError:
        return False  # the copy holds this revision or a newer one: the upsert collided with it
    return bool(result.modified_count or result.upserted_id is not None)
