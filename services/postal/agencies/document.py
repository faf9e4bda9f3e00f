"""The postal service's read copies of the workflow's registry: agencies (names, addresses, provinces) and
calendar announcements, newest revision only (:mod:`shared.storage.read_copy`)."""

from __future__ import annotations

from services.postal.storage import AGENCIES, ANNOUNCEMENTS
from shared.domain.schemas import AnnouncementSchema
from shared.storage import documents as d
from shared.storage.documents import Declared, stored_like


class Copied(d.Document):
    revision = d.Int(allow_none=False)
    source_event_id = d.Text()


class Agency(Copied):
    name = d.Text()
    level = d.Text()
    province_code = d.Text()
    address = d.Map()


Announcement = stored_like(AnnouncementSchema, "Announcement", Copied)


AGENCIES_DECLARED = Declared(AGENCIES, Agency, "read copy of the workflow's agencies")
ANNOUNCEMENTS_DECLARED = Declared(ANNOUNCEMENTS, Announcement, "read copy of the workflow's calendar announcements")
