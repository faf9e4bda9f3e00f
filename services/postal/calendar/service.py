"""The announcements published by the workflow service, kept here to build the shared calendar."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.postal.storage import ANNOUNCEMENTS
from shared.calendar import WorkingCalendar
from shared.calendar.current import current_calendar as _current
from shared.events import Event
from shared.storage.read_copy import keep_newest


def apply_announcement(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {k: v for k, v in payload.items() if k != "revision"}
    return keep_newest(db[ANNOUNCEMENTS], payload["id"], fields, revision=payload.get("revision", 0),
                       source_event_id=event.event_id)


def current_calendar(db: Database, settings) -> WorkingCalendar:
    return _current(db[ANNOUNCEMENTS], settings)
