"""The charge document: what one dossier owes for one purpose (the fees due at filing, or one financial
obligation), line by line with the exemptions granted, its payment orders at the gateway, the payment
recorded once, the electronic receipt, a refund, and the alerts gateway notices raised."""

from __future__ import annotations

from services.payments.storage import CHARGES
from shared.storage import documents as d
from shared.storage.documents import Declared


class Line(d.Shape):
    code = d.Text()
    name = d.Text()
    kind = d.Text()
    unit_amount = d.Int()
    per = d.Text()
    quantity = d.Int()
    amount = d.Int()
    exemptions = d.List(d.Map())   # what the procedure version allows on this line
    exemption = d.Map()            # the one granted: code, name, rate, legal basis, by whom, when


class Order(d.Shape):
    order_id = d.Text()
    attempt = d.Int()
    amount = d.Int()
    status = d.Text()
    created_at = d.Moment()
    expires_at = d.Moment()
    pay_url = d.Text()
    gateway_ref = d.Text()
    transaction_no = d.Text()
    bank_code = d.Text()
    result_code = d.Text()
    settled_at = d.Moment()
    settled_via = d.Text()
    last_query_at = d.Moment()
    idempotency_key = d.Text()


class HistoryLine(d.Shape):
    at = d.Moment()
    status = d.Text()
    note = d.Text()
    by = d.Text()


class Anomaly(d.Shape):
    at = d.Moment()
    kind = d.Text()
    order_id = d.Text()
    transaction_no = d.Text()
    expected = d.Int()
    received = d.Int()
    note = d.Text()


class Charge(d.Aggregate):
    dossier_id = d.Text()
    dossier_code = d.Text()
    purpose = d.Text()
    purpose_code = d.Text()
    description = d.Text()
    procedure_code = d.Text()
    procedure_name = d.Text()
    agency_code = d.Text()
    competent_agency_code = d.Text()
    owner_account_id = d.Text()
    applicant_name = d.Text()
    contact = d.Map()
    lines = d.List(d.Nested(Line))
    amount = d.Int(allow_none=False)
    status = d.Text(allow_none=False)
    orders = d.List(d.Nested(Order))
    transactions = d.List(d.Text())       # the gateway transactions applied (natural key: applied once)
    paid = d.Map()                        # amount, at, order_id, transaction_no, bank_code, via, online
    receipt_state = d.Text(allow_none=False)
    receipt = d.Map()                     # number, issued_at
    refund = d.Map()                      # reason, amount, refund_id, requested_at, attempts, next_attempt_at, …
    anomalies = d.List(d.Nested(Anomaly))
    history = d.List(d.Nested(HistoryLine))
    notice_number = d.Text()
    source_event_id = d.Text()
    created_at = d.Moment()


CHARGES_DECLARED = Declared(CHARGES, Charge, "what each dossier owes per purpose, its payments, receipts, refunds")
