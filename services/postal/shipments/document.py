"""The shipment document: one per dossier and direction, with both parties, the documents carried, the
provider's facts (tracking code, post office, postage), the legal timing (J, J+n, filing time, lateness),
delivery attempts, the hand-over record and the full status history (out-of-order updates included)."""

from __future__ import annotations

from services.postal.storage import SHIPMENTS
from shared.storage import documents as d
from shared.storage.documents import Declared, optional


class HistoryLine(d.Shape):
    status = d.Text()
    at = d.Moment()
    source = d.Text()
    note = d.Text()
    attempt = d.Int()
    reference = d.Text()
    out_of_order = optional(d.Bool())


class Attempt(d.Shape):
    number = d.Int()
    at = d.Moment()
    outcome = d.Text()
    note = d.Text()
    next_attempt_on = d.Text()


class Party(d.Shape):
    name = d.Text()
    phone = d.Text()
    address = d.Map()


class Shipment(d.Aggregate):
    direction = d.Text()
    dossier_id = d.Text()
    dossier_code = d.Text()
    procedure = d.Map()
    agency_code = d.Text()
    agency_name = d.Text()
    province_code = d.Text()
    owner_account_id = d.Text()
    applicant_name = d.Text()
    contact = d.Map()
    sender = d.Nested(Party)
    recipient = d.Nested(Party)
    documents = d.List(d.Map())
    with_receipt = d.Bool()
    status = d.Text(allow_none=False)
    rank = d.Number(allow_none=False)
    history = d.List(d.Nested(HistoryLine))
    provider = d.Map()
    tracking_code = d.Text()
    post_office = d.Text()
    postage = d.Int()
    fees_to_collect = d.Int()
    accepted_at = d.Moment()
    route = d.Map()
    expected_by = d.Text()
    expected_explained = d.List(d.Map())
    delivered_at = d.Moment()
    filing_time = d.Moment()
    late = d.Bool()
    postage_refund = d.Int()
    compensation = d.Int()
    attempts = d.List(d.Nested(Attempt))
    breaches = d.List(d.Text())
    handover = d.Map()
    delivery = d.Map()
    provider_events = d.List(d.Text())
    last_provider_update_at = d.Moment()
    registration_attempts = d.Int()
    register_after = d.Moment()
    registration_error = d.Text()
    source_event_id = d.Text()
    created_at = d.Moment()


SHIPMENTS_DECLARED = Declared(SHIPMENTS, Shipment, "shipments with the public postal provider, both directions")
