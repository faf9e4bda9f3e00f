"""The payments service's read copy of the workflow's procedure versions: their fee lines, newest revision
only (:mod:`shared.storage.read_copy`)."""

from __future__ import annotations

from services.payments.storage import PROCEDURES
from shared.storage import documents as d
from shared.storage.documents import Declared


class ProcedureFees(d.Document):
    code = d.Text()
    version = d.Int()
    name = d.Text()
    competent_agency_code = d.Text()
    fees = d.List(d.Map())
    revision = d.Int(allow_none=False)
    source_event_id = d.Text()


PROCEDURES_DECLARED = Declared(PROCEDURES, ProcedureFees, "read copy of the procedure versions' fee lines")
