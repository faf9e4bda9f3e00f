"""The postal service's read copies of the workflow's registry: agencies (names, addresses, provinces) and
calendar announcements, newest revision only (:mod:`shared.storage.read_copy`)."""

from __future__ import annotations

from services.postal.storage import AGENCIES, ANNOUNCEMENTS
from shared.storage import documents as d
from shared.storage.documents import Declared
from shared.storage.read_copy import Announcement, Copied


class Agency(Copied):
    name = d.Text()
    level = d.Text()
    province_code = d.Text()
    address = d.Map()




AGENCIES_DECLARED = Declared(AGENCIES, Agency, "read copy of the workflow's agencies")
ANNOUNCEMENTS_DECLARED = Declared(ANNOUNCEMENTS, Announcement, "read copy of the workflow's calendar announcements")
