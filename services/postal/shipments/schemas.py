from __future__ import annotations

from marshmallow import Schema, fields

from services.postal.shipments import statuses as st
from shared.api.pagination import PageArgs, page_schema
from shared.domain import fields as f
from shared.domain.schemas import AddressSchema


class PartyView(Schema):
    name = fields.String()
    phone = fields.String(allow_none=True)
    address = fields.Nested(AddressSchema, allow_none=True)


class DocumentView(Schema):
    name = fields.String()
    original = fields.Boolean()
    count = fields.Integer()


class HistoryView(Schema):
    status = fields.String()
    status_name = fields.Function(lambda h: st.VIETNAMESE[h["status"]])
    at = fields.AwareDateTime()
    source = fields.String(metadata={"description": "provider, postal_staff, agency or system"})
    note = fields.String(allow_none=True)
    attempt = fields.Integer(allow_none=True)
    out_of_order = fields.Boolean(metadata={"description": "arrived after a later status; kept, not applied"})


class AttemptView(Schema):
    number = fields.Integer()
    at = fields.AwareDateTime()
    outcome = fields.String()
    note = fields.String(allow_none=True)
    next_attempt_on = fields.String(allow_none=True)


class PartySignature(Schema):
    name = fields.String()
    account_id = fields.String(allow_none=True)
    staff_id = fields.String(allow_none=True)


class HandoverView(Schema):
    record_number = fields.String()
    agency_party = fields.Nested(PartySignature)
    postal_party = fields.Nested(PartySignature)
    signed_at = fields.AwareDateTime()
    documents_complete = fields.Boolean()
    note = fields.String(allow_none=True)
    source = fields.String()


class RecipientCheckView(Schema):
    document_type = fields.String()
    document_number = fields.String()
    name = fields.String()


class DeliveryView(Schema):
    recipient_check = fields.Nested(RecipientCheckView)
    recovered_papers = fields.List(fields.String())
    fees_collected = fields.Integer()
    signed_at = fields.AwareDateTime()


class RouteView(Schema):
    code = fields.String()
    name = fields.String()
    days = fields.Integer(metadata={"description": "n of J+n working days (Circular 17/2017 Art. 7(2))"})


class NoteView(Schema):
    kind = fields.String()
    text = fields.String()
    day = fields.String(allow_none=True)


class ShipmentView(Schema):
    id = fields.String(attribute="_id")
    direction = fields.String(metadata={"enum": list(st.DIRECTIONS)})
    direction_name = fields.Function(lambda s: st.DIRECTION_NAMES[s["direction"]])
    dossier_id = fields.String()
    dossier_code = fields.String(allow_none=True)
    procedure = fields.Dict(keys=fields.String(), values=fields.String())
    agency_code = fields.String()
    agency_name = fields.String(allow_none=True)
    status = fields.String()
    status_name = fields.Function(lambda s: st.VIETNAMESE[s["status"]])
    tracking_code = fields.String(allow_none=True)
    slip_number = fields.Function(lambda s: (s.get("provider") or {}).get("slip_number"))
    post_office = fields.String(allow_none=True)
    sender = fields.Nested(PartyView)
    recipient = fields.Nested(PartyView)
    documents = fields.List(fields.Nested(DocumentView))
    with_receipt = fields.Boolean()
    postage = fields.Integer(allow_none=True, metadata={"description": "VND, as charged by the provider"})
    fees_to_collect = fields.Integer(metadata={"description": "government fees the postal staff collect (VND)"})
    accepted_at = fields.AwareDateTime(allow_none=True)
    route = fields.Nested(RouteView, allow_none=True)
    expected_by = fields.String(allow_none=True, metadata={"description": "J+n: the latest on-time date"})
    expected_explained = fields.List(fields.Nested(NoteView))
    delivered_at = fields.AwareDateTime(allow_none=True)
    filing_time = fields.AwareDateTime(allow_none=True, metadata={
        "description": "pickups: the legal filing time, the hand-over signature (Decision 45/2016 Art. 7(4))"})
    late = fields.Boolean(allow_none=True)
    postage_refund = fields.Integer(metadata={"description": "late: postage refunded (Decree 47/2011 Art. 25(2))"})
    compensation = fields.Integer(metadata={"description": "lost: 4 × postage (Decree 47/2011 Art. 25(1)(a))"})
    attempts = fields.List(fields.Nested(AttemptView))
    breaches = fields.List(fields.String())
    handover = fields.Nested(HandoverView, allow_none=True)
    delivery = fields.Nested(DeliveryView, allow_none=True)
    history = fields.List(fields.Nested(HistoryView))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class PublicHistoryView(Schema):
    status_name = fields.Function(lambda h: st.VIETNAMESE[h["status"]])
    at = fields.AwareDateTime()


class TrackingView(Schema):
    """What anyone may see with a tracking or dossier code: no names, addresses or phone numbers."""

    direction_name = fields.Function(lambda s: st.DIRECTION_NAMES[s["direction"]])
    dossier_code = fields.String(allow_none=True)
    tracking_code = fields.String(allow_none=True)
    status = fields.String()
    status_name = fields.Function(lambda s: st.VIETNAMESE[s["status"]])
    expected_by = fields.String(allow_none=True)
    late = fields.Boolean(allow_none=True)
    history = fields.Function(lambda s: PublicHistoryView(many=True).dump(
        [h for h in s["history"] if not h.get("out_of_order")]))


ShipmentPageView = page_schema(ShipmentView, "ShipmentPage")


class SignatureRequest(f.VnSchema):
    name = f.String(required=True, validate=f.length(max=150))
    account_id = f.String(allow_none=True, load_default=None, validate=f.length(max=64))
    staff_id = f.String(allow_none=True, load_default=None, validate=f.length(max=64))


class HandoverRequest(f.VnSchema):
    """A hand-over record signed by both parties (Decision 45/2016 Art. 7(3) for dossiers, Art. 9 for results)."""

    record_number = f.String(required=True, validate=f.length(min=1, max=40))
    agency_party = f.Nested(SignatureRequest, required=True)
    postal_party = f.Nested(SignatureRequest, required=True)
    signed_at = f.AwareDateTime(metadata={"description": "when both signed; now when omitted"})
    documents_complete = f.Boolean(load_default=True, metadata={
        "description": "the papers match the dispatch slip's list (originals and copies)"})
    note = f.String(allow_none=True, load_default=None, multiline=True, validate=f.length(max=1000))


class AgencyShipmentsArgs(PageArgs):
    direction = f.String(validate=f.one_of(st.DIRECTIONS))
    status = f.String(validate=f.one_of(list(st.VIETNAMESE)))
    late = f.Boolean()


class WorkArgs(f.VnSchema):
    direction = f.String(validate=f.one_of(st.DIRECTIONS))
