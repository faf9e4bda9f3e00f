"""Intake's read copy of the workflow's catalogue (agencies and published procedure versions), kept from the
``catalogue.*-published`` events, newest revision only (:mod:`shared.storage.read_copy`)."""

from __future__ import annotations

from services.intake.storage import CATALOGUE_AGENCIES, CATALOGUE_PROCEDURES
from shared.storage import documents as d
from shared.storage.documents import Declared


class Copied(d.Document):
    revision = d.Int(allow_none=False)
    source_event_id = d.Text()


class Agency(Copied):
    code = d.Text()
    name = d.Text()
    level = d.Text()
    parent_code = d.Text()
    province_code = d.Text()
    electronic_id = d.Text()
    one_stop = d.Bool()
    address = d.Map()
    valid_from = d.Text()
    valid_until = d.Text()


class ProcedureVersion(Copied):
    code = d.Text()
    name = d.Text()
    field = d.Text()
    competent_agency_code = d.Text()
    receiving_agency_codes = d.List(d.Text())
    time_limit = d.Map()
    fees = d.List(d.Map())
    components = d.List(d.Map())
    online = d.Text()
    post_allowed = d.Bool()
    non_boundary = d.Bool()
    result_type = d.Text()
    immediate_result = d.Bool()
    central_service = d.Map()
    steps = d.Int()                 # how many steps its internal process has (the process stays the workflow's)
    version = d.Int()
    status = d.Text()
    valid_from = d.Text()
    valid_until = d.Text()
    published_at = d.Moment()


AGENCIES_DECLARED = Declared(CATALOGUE_AGENCIES, Agency, "read copy of the workflow's agencies")
PROCEDURES_DECLARED = Declared(CATALOGUE_PROCEDURES, ProcedureVersion, "read copy of published procedure versions")
