"""The postal service's read copies of the workflow's registry: agencies (names, addresses, provinces) and
calendar announcements, newest revision only (:mod:`shared.storage.read_copy`)."""

from __future__ import annotations

from services.postal.storage import AGENCIES, ANNOUNCEMENTS
from shared.storage import documents as d
from shared.storage.documents import Declared


class Copied(d.Document):
    revision = d.Int(allow_none=False)
    source_event_id = d.Text()


class Agency(Copied):
    name = d.Text()
    province_code = d.Text()
    address = d.Map()


class Announcement(Copied):
    id = d.Text()
    title = d.Text()
    reference = d.Text()
    days_off = d.List(d.Text())
    working_days = d.List(d.Text())


AGENCIES_DECLARED = Declared(AGENCIES, Agency, "read copy of the workflow's agencies")
ANNOUNCEMENTS_DECLARED = Declared(ANNOUNCEMENTS, Announcement, "read copy of the workflow's calendar announcements")
