"""Announcements change the calendar for everyone: each is stored with its event (other services keep a copy
for their own deadlines) and the open dossiers' deadlines are recomputed (dossiers.alerts)."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.workflow.catalogue.documents import ANNOUNCEMENTS_DECLARED
from services.workflow.catalogue.registry import RegistryEntry, save_entry
from services.workflow.storage import ANNOUNCEMENTS
from shared.calendar import WorkingCalendar
from shared.calendar.current import current_calendar as _current
from shared.domain.schemas import AnnouncementSchema
from shared.storage.aggregate import HIDDEN

_SCHEMA = AnnouncementSchema()


class Announcements(RegistryEntry):
    declared = ANNOUNCEMENTS_DECLARED
    noun = "Thông báo"
    event_name = "calendar.announcement-published"
    aggregate_prefix = "announcement"


def announcements(db: Database) -> list[dict[str, Any]]:
    return list(db[ANNOUNCEMENTS].find({}, HIDDEN).sort("_id", 1))


def current_calendar(db: Database, settings) -> WorkingCalendar:
    """The calendar with the shipped and the published announcements."""
    return _current(db[ANNOUNCEMENTS], settings)


def publish_announcement(db: Database, settings, announcement: dict[str, Any],
                         actor) -> tuple[dict[str, Any], bool]:
    """Stores an announcement (replacing one with the same id) with its event; returns it and whether it
    changed anything. Deadlines of open dossiers are then recomputed (see dossiers.alerts)."""
    fields = _SCHEMA.dump(announcement)
    return save_entry(db, settings, Announcements(), fields["id"], fields, actor)
