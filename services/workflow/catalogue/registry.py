"""The registry the workflow publishes to the other services: agencies, procedure versions and calendar
announcements. Every entry is an aggregate (:mod:`shared.storage.aggregate`): saved with its event in one
write, versioned so two administrators cannot overwrite each other unseen (409), and its event carries the
entry's version (``revision``) so every read copy keeps only the newest (``shared.storage.read_copy``)."""

from __future__ import annotations

from typing import Any, ClassVar

from pymongo.database import Database

from services.workflow import SERVICE
from shared.auth.principal import Principal
from shared.domain.changes import Change, Context
from shared.domain.errors import Conflict
from shared.events import Event, event_type, new_event
from shared.storage.aggregate import ANSWER, Aggregate, Runner, context

PUBLISHED = "published"


class RegistryEntry(Aggregate):
    """An entry whose every change is published with ``event`` (its public fields and its version)."""

    event_name: ClassVar[str]
    aggregate_prefix: ClassVar[str]

    def event(self, doc: dict[str, Any], version: int, name: str, details: dict[str, Any], ctx: Context) -> Event:
        payload = {**self.public(doc), "revision": version}
        return new_event(self.event_name, None, payload, producer=SERVICE,
                         aggregate_id=f"{self.aggregate_prefix}:{doc['_id']}")

    def public(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The entry as the other services see it (the event's schema decides which fields)."""
        schema = event_type(self.event_name).schemas[event_type(self.event_name).version]
        return {name: doc[name] for name in schema._declared_fields if name in doc and name != "revision"}


def runner(db: Database, settings, entry: RegistryEntry) -> Runner:
    return Runner(db, entry, settings, on_conflict=ANSWER)


def unchanged(existing: dict[str, Any] | None, fields: dict[str, Any]) -> bool:
    return existing is not None and {k: existing.get(k) for k in fields} == fields


def save_entry(db: Database, settings, entry: RegistryEntry, key: str, fields: dict[str, Any],
               actor: Principal) -> tuple[dict[str, Any], bool]:
    """Creates or replaces the entry ``key`` with ``fields`` and publishes it; returns it and whether anything
    changed (an identical save publishes nothing)."""
    entries = runner(db, settings, entry)
    existing = entries.find(key)
    if unchanged(existing, fields):
        return existing, False
    ctx = context(actor, settings=settings)
    if existing is None:
        created = entries.create({"_id": key, **fields, "updated_by": actor.subject}, ctx, [(PUBLISHED, {})])
        if created is None:
            raise Conflict(f"{entry.noun} vừa được tạo bởi người khác; vui lòng thử lại.")
        return created, True
    saved, _ = entries.run(key, replace, ctx, expected_version=existing[entry.revision_field], fields=fields)
    return saved, True


def replace(doc: dict[str, Any], ctx: Context, *, fields: dict[str, Any]) -> Change:
    doc.update(fields)
    doc["updated_by"] = ctx.actor.subject
    change = Change()
    change.emit(PUBLISHED)
    return change
