"""The agencies and calendar announcements published by the workflow, kept here (newest revision only)."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.feedback.storage import AGENCIES, ANNOUNCEMENTS
from shared.calendar import WorkingCalendar
from shared.calendar.current import current_calendar as _current
from shared.events import Event
from shared.storage.read_copy import keep_newest


def apply_agency(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {"name": payload["name"], "province_code": payload["province_code"], "level": payload["level"],
              "one_stop": payload.get("one_stop", False)}
    return keep_newest(db[AGENCIES], payload["code"], fields, revision=payload.get("revision", 0),
                       source_event_id=event.event_id)


def apply_announcement(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {k: v for k, v in payload.items() if k != "revision"}
    return keep_newest(db[ANNOUNCEMENTS], payload["id"], fields, revision=payload.get("revision", 0),
                       source_event_id=event.event_id)


def agency(db: Database, code: str) -> dict[str, Any] | None:
    return db[AGENCIES].find_one({"_id": code})


def current_calendar(db: Database, settings) -> WorkingCalendar:
    return _current(db[ANNOUNCEMENTS], settings)
