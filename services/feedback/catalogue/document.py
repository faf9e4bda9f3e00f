"""Read copies of the workflow's registry the feedback service needs: agencies (whom a petition concerns) and the
calendar announcements (petition deadlines are counted on the shared calendar). Newest revision only."""

from __future__ import annotations

from services.feedback.storage import AGENCIES, ANNOUNCEMENTS
from shared.storage import documents as d
from shared.storage.documents import Declared
from shared.storage.read_copy import Announcement, Copied


class Agency(Copied):
    name = d.Text()
    province_code = d.Text()
    level = d.Text()
    one_stop = d.Bool()



AGENCIES_DECLARED = Declared(AGENCIES, Agency, "read copy of the workflow's agencies")
ANNOUNCEMENTS_DECLARED = Declared(ANNOUNCEMENTS, Announcement, "read copy of the workflow's calendar announcements")
