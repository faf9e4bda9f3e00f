"""Read copies of the workflow's registry the figures need: agencies (province, level: the scopes and the Circular
01 thresholds), procedure versions (time limit and unit, fees, online level, result type, where each step is done)
and the calendar announcements (office time on the shared calendar). Newest revision only."""

from __future__ import annotations

from services.reporting.storage import AGENCIES, ANNOUNCEMENTS, PROCEDURES
from shared.storage import documents as d
from shared.storage.documents import Declared
from shared.storage.read_copy import Announcement, Copied


class Agency(Copied):
    name = d.Text()
    level = d.Text()
    parent_code = d.Text()
    province_code = d.Text()
    one_stop = d.Bool()


class Procedure(Copied):
    code = d.Text(allow_none=False)
    version = d.Int(allow_none=False)
    name = d.Text()
    status = d.Text()
    competent_agency_code = d.Text()
    receiving_agency_codes = d.List(d.Text())
    time_limit = d.Map()
    fees = d.List(d.Map())
    online = d.Text()
    result_type = d.Text()
    steps = d.List(d.Map())
    valid_from = d.Text()
    valid_until = d.Text()



AGENCIES_DECLARED = Declared(AGENCIES, Agency, "read copy of the workflow's agencies")
PROCEDURES_DECLARED = Declared(PROCEDURES, Procedure, "read copy of the workflow's procedure versions")
ANNOUNCEMENTS_DECLARED = Declared(ANNOUNCEMENTS, Announcement, "read copy of the workflow's calendar announcements")
