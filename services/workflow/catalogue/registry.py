"""Registry entries the workflow publishes to the other services (agencies, calendar announcements): stored
with their event in one write, versioned so two administrators cannot overwrite each other unseen."""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from shared.domain.errors import Conflict
from shared.events import Event
from shared.storage.outbox import Outbox


def unchanged(existing: dict[str, Any] | None, fields: dict[str, Any]) -> bool:
    return existing is not None and {k: existing.get(k) for k in fields} == fields


def save_entry(collection: Collection, key: str, fields: dict[str, Any], existing: dict[str, Any] | None,
               stamp: dict[str, Any], event: Event, noun: str) -> dict[str, Any]:
    """Inserts the entry or updates it against the version that was read, with ``event`` in its outbox;
    ``noun`` names the entry in the Vietnamese conflict message ("Cơ quan", "Thông báo")."""
    outbox = Outbox(collection)
    if existing is None:
        try:
            outbox.insert({"_id": key, **fields, **stamp, "version": 1}, [event])
        except DuplicateKeyError:
            raise Conflict(f"{noun} vừa được tạo bởi người khác; vui lòng thử lại.") from None
    else:
        result = outbox.update({"_id": key, "version": existing["version"]},
                               {"$set": {**fields, **stamp}, "$inc": {"version": 1}}, [event])
        if not result.modified_count:
            raise Conflict(f"{noun} vừa được thay đổi bởi người khác; vui lòng tải lại.")
    return collection.find_one({"_id": key})
