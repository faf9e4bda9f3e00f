"""The announcements published by the workflow service, kept here to build the shared calendar."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.postal.storage import ANNOUNCEMENTS
from shared.calendar import Announcement, WorkingCalendar, calendar_for
from shared.events import Event


def apply_announcement(db: Database, event: Event, payload: dict[str, Any]) -> None:
    db[ANNOUNCEMENTS].replace_one({"_id": payload["id"]}, {"_id": payload["id"], **payload,
                                                           "source_event_id": event.event_id}, upsert=True)


def current_calendar(db: Database, settings) -> WorkingCalendar:
    stored = [Announcement.from_document(doc) for doc in db[ANNOUNCEMENTS].find().sort("_id", 1)]
    return calendar_for(settings, stored)
