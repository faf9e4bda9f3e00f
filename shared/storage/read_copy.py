"""Read copies: what a service keeps of data another service owns, built from that service's events.

Events can arrive out of order (a retry topic re-delivers an older one after a newer one) and more than once, so
a copy applies an event only if it is newer than what it holds: every copied entry carries the ``revision`` its
owner gave it, and the write is a conditional upsert on it. An older or equal revision changes nothing.
"""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from shared.domain.schemas import AnnouncementSchema
from shared.storage import documents as d
from shared.storage.documents import stored_like


class Copied(d.Document):
    """What every copied entry carries besides its owner's fields: the owner's revision (newest only) and the
    event it came from."""

    revision = d.Int(allow_none=False)
    source_event_id = d.Text()


# the calendar announcements every service that counts time copies (feedback, postal, reporting)
Announcement = stored_like(AnnouncementSchema, "Announcement", Copied)


def keep_newest(collection: Collection, key: Any, fields: dict[str, Any], *, revision: int,
                source_event_id: str) -> bool:
    """Stores ``fields`` as the copy of ``key`` if ``revision`` is newer than the copy's; returns whether it did."""
    copy = {**fields, "revision": revision, "source_event_id": source_event_id}
    try:
        result = collection.update_one({"_id": key, "revision": {"$lt": revision}}, {"$set": copy}, upsert=True)
    except DuplicateKeyError:
        return False  # the copy holds this revision or a newer one: the upsert collided with it
    return bool(result.modified_count or result.upserted_id is not None)
