"""The one working-day calendar: every deadline of every service is computed here (see calendar.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import time
from pathlib import Path

from shared.calendar.calendar import WorkingCalendar
from shared.calendar.model import (
    FIRST_DAY,
    LAST_DAY,
    RANGE_TEXT,
    Announcement,
    ClockStop,
    Day,
    Deadline,
    Note,
    OutsideCalendar,
    TimeLimit,
    Unit,
    WorkSchedule,
    calendar_date,
    within_calendar,
)

SHIPPED = Path(__file__).parent / "announcements"


def shipped_announcements() -> list[Announcement]:
    """The announcements that ship with the code (one JSON file per year; see README, "Calendar")."""
    found = []
    for path in sorted(SHIPPED.glob("*.json")):
        found.extend(Announcement.from_document(doc) for doc in json.loads(path.read_text()))
    return found


def calendar_for(settings, announcements: Iterable[Announcement] = ()) -> WorkingCalendar:
    """The calendar with the shipped announcements, then ``announcements`` (e.g. added by an administrator),
    and the configured office hours and hand-over cut-off."""
    return WorkingCalendar([*shipped_announcements(), *announcements],
                           schedule=WorkSchedule.parse(settings.work_shifts),
                           cutoff=time.fromisoformat(settings.handover_cutoff))


__all__ = ["FIRST_DAY", "LAST_DAY", "RANGE_TEXT", "Announcement", "ClockStop", "Day", "Deadline", "Note",
           "OutsideCalendar", "TimeLimit", "Unit", "WorkSchedule", "WorkingCalendar", "calendar_date", "calendar_for",
           "shipped_announcements", "within_calendar"]
