"""The daily reconciliation report of one agency: what motcua recorded that Hà Nội day next to the gateway's
statement, and every difference."""

from __future__ import annotations

from services.payments.storage import RECONCILIATIONS
from shared.storage import documents as d
from shared.storage.documents import Declared


class Totals(d.Shape):
    count = d.Int()
    amount = d.Int()


class Report(d.Document):
    date = d.Text()
    agency_code = d.Text()
    paid = d.Nested(Totals)
    pending = d.Nested(Totals)
    failed = d.Nested(Totals)
    refunded = d.Nested(Totals)
    gateway = d.Map()
    matched = d.Bool()
    differences = d.List(d.Map())
    made_at = d.Moment()


RECONCILIATIONS_DECLARED = Declared(RECONCILIATIONS, Report, "daily reconciliation reports per agency")
