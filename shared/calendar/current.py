"""The calendar in force for a service: the shipped announcements plus those stored in one of its collections
(the workflow's own registry, the postal service's read copy), built once and rebuilt only when the stored
announcements change. One cache per process for every service that counts deadlines."""

from __future__ import annotations

import threading
from typing import Any

from pymongo.collection import Collection

from shared.calendar import Announcement, WorkingCalendar, calendar_for

_cache: dict[tuple[str, str], tuple[Any, WorkingCalendar]] = {}
_lock = threading.Lock()


def current_calendar(announcements: Collection, settings) -> WorkingCalendar:
    """The calendar with the announcements in ``announcements`` (documents with an ``_id``, a ``version`` and
    the announcement's fields); one cheap query when nothing changed."""
    key = (tuple(sorted((doc["_id"], doc.get("version"), doc.get("revision"))
                        for doc in announcements.find({}, {"version": 1, "revision": 1}))),
           settings.work_shifts, settings.handover_cutoff)
    place = (announcements.database.name, announcements.name)
    with _lock:
        known = _cache.get(place)
        if known and known[0] == key:
            return known[1]
    stored = [Announcement.from_document(doc) for doc in announcements.find().sort("_id", 1)]
    calendar = calendar_for(settings, stored)
    with _lock:
        _cache[place] = (key, calendar)
    return calendar
