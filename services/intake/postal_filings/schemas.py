from __future__ import annotations

from marshmallow import Schema, fields

from services.intake.postal_filings.document import STATE_NAMES
from shared.domain import fields as f
from shared.domain.identifiers import AGENCY_CODE_RE, PROCEDURE_CODE_RE
from shared.domain.schemas import ApplicantSchema, ContactSchema, ResultReturnSchema
from shared.events.postal_events import PickupSchema, PostalDocumentSchema


class PostalFilingRequest(f.VnSchema):
    """A request to send a dossier by post: what to collect, from where, for which procedure and agency.
    The papers are listed (originals and copies) as the postal staff will count them (Decision 45/2016
    Art. 6(1); Circular 17/2017 Art. 5(1)(b))."""

    procedure_code = f.String(required=True, validate=f.matches(
        PROCEDURE_CODE_RE, "Mã thủ tục hành chính có dạng 1.001806."))
    receiving_agency_code = f.String(required=True, validate=f.matches(
        AGENCY_CODE_RE, "Mã cơ quan theo QCVN 102:2016, ví dụ 000.00.12.H29."))
    applicant = f.Nested(ApplicantSchema, required=True)
    contact = f.Nested(ContactSchema, required=True)
    result_return = f.Nested(ResultReturnSchema, required=True)
    pickup = f.Nested(PickupSchema, required=True)
    documents = f.List(f.Nested(PostalDocumentSchema), required=True, validate=f.items(min=1, max=50))


class PostalFilingView(Schema):
    id = fields.String(attribute="_id", metadata={"description": "also the dossier's id once it is filed"})
    state = fields.String(metadata={"enum": list(STATE_NAMES)})
    state_name = fields.Function(lambda p: STATE_NAMES[p["state"]])
    procedure_code = fields.String()
    procedure_name = fields.String()
    receiving_agency_code = fields.String()
    pickup = fields.Nested(PickupSchema)
    documents = fields.List(fields.Nested(PostalDocumentSchema))
    tracking_code = fields.String(allow_none=True)
    shipment_status = fields.String(allow_none=True)
    dossier_code = fields.String(allow_none=True)
    filing_time = fields.AwareDateTime(allow_none=True, metadata={
        "description": "the hand-over signature at the agency: the legal filing time (Decision 45/2016 Art. 7(4))"})
    requested_at = fields.AwareDateTime()
