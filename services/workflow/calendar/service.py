"""Announcements change the calendar for everyone: each is stored with its event (other services keep a copy
for their own deadlines) and the open dossiers' deadlines are recomputed (dossiers.deadlines)."""

from __future__ import annotations

import threading
from typing import Any

from pymongo.database import Database

from services.workflow import SERVICE
from services.workflow.catalogue.registry import save_entry, unchanged
from services.workflow.storage import ANNOUNCEMENTS
from shared.calendar import Announcement, WorkingCalendar, calendar_for
from shared.clock import utc_now
from shared.domain.schemas import AnnouncementSchema
from shared.events import new_event
from shared.storage.outbox import OUTBOX_FIELDS

_SCHEMA = AnnouncementSchema()
_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()


def announcements(db: Database) -> list[dict[str, Any]]:
    return list(db[ANNOUNCEMENTS].find({}, {f: 0 for f in OUTBOX_FIELDS}).sort("published_at", 1))


def current_calendar(db: Database, settings) -> WorkingCalendar:
    """The calendar with the shipped and the published announcements; rebuilt only when they change."""
    stored = [Announcement.from_document(doc) for doc in announcements(db)]
    key = "|".join(f"{a.id}:{a.dates}" for a in stored)
    with _cache_lock:
        if _cache.get("key") != key or _cache.get("settings") != (settings.work_shifts, settings.handover_cutoff):
            _cache.update(key=key, settings=(settings.work_shifts, settings.handover_cutoff),
                          calendar=calendar_for(settings, stored))
        return _cache["calendar"]


def publish_announcement(db: Database, announcement: dict[str, Any], actor: str) -> tuple[dict[str, Any], bool]:
    """Stores an announcement (replacing one with the same id) with its event; returns it and whether it
    changed anything. Deadlines of open dossiers are then recomputed (see dossiers.deadlines)."""
    fields = _SCHEMA.dump(announcement)
    existing = db[ANNOUNCEMENTS].find_one({"_id": fields["id"]})
    if unchanged(existing, fields):
        return existing, False
    event = new_event("calendar.announcement-published", None, announcement, producer=SERVICE,
                      aggregate_id=f"announcement:{fields['id']}")
    saved = save_entry(db[ANNOUNCEMENTS], fields["id"], fields, existing,
                       {"published_at": utc_now(), "published_by": actor}, event, "Thông báo")
    return saved, True
