"""The registry's documents: agencies, procedure versions and calendar announcements, as the workflow stores
them (the fields of their API/event schemas, plus who changed them last)."""

from __future__ import annotations

from services.workflow.storage import AGENCIES, ANNOUNCEMENTS, PROCEDURES
from shared.storage import documents as d
from shared.storage.documents import Declared


class Entry(d.Aggregate):
    updated_by = d.Text()


class Agency(Entry):
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


class ProcedureVersion(d.OutboxDocument):
    """``version`` is the procedure's version number; ``revision`` the document's compare-and-set counter."""

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
    process = d.List(d.Map())
    version = d.Int(allow_none=False)
    status = d.Text()
    valid_from = d.Text()
    valid_until = d.Text()
    published_at = d.Moment()
    created_at = d.Moment()
    revision = d.Int(allow_none=False)
    updated_at = d.Moment()
    updated_by = d.Text()
    idempotency_key = d.Text(allow_none=False)


class Announcement(Entry):
    id = d.Text()
    title = d.Text()
    reference = d.Text()
    days_off = d.List(d.Text())
    working_days = d.List(d.Text())


AGENCIES_DECLARED = Declared(AGENCIES, Agency, "the agencies of the registry (QCVN 102:2016 codes)")
PROCEDURES_DECLARED = Declared(PROCEDURES, ProcedureVersion, "procedure versions: drafts and published")
ANNOUNCEMENTS_DECLARED = Declared(ANNOUNCEMENTS, Announcement, "calendar announcements published here")
