from __future__ import annotations

from marshmallow import Schema, fields

from services.intake.attachments.schemas import AttachmentReferenceSchema
from shared.api.pagination import page_schema
from shared.domain import fields as f
from shared.domain.channels import Channel
from shared.domain.identifiers import AGENCY_CODE_RE, PROCEDURE_CODE_RE
from shared.domain.schemas import (
    ApplicantSchema,
    AttachmentSchema,
    ContactSchema,
    ResultReturnSchema,
    SubmitterSchema,
    status_field,
)

MAX_ATTACHMENTS = 50


class OnlineSubmissionSchema(f.VnSchema):
    """An online dossier as the applicant files it. Each attachment refers to a file uploaded first
    (``POST /uploads``); its name, type, size and SHA-256 are the upload's."""

    procedure_code = f.String(required=True, validate=f.matches(
        PROCEDURE_CODE_RE, "Mã thủ tục hành chính có dạng 1.001806."))
    receiving_agency_code = f.String(required=True, validate=f.matches(
        AGENCY_CODE_RE, "Mã cơ quan theo QCVN 102:2016, ví dụ 000.00.12.H29."))
    applicant = f.Nested(ApplicantSchema, required=True)
    contact = f.Nested(ContactSchema, required=True)
    result_return = f.Nested(ResultReturnSchema, required=True)
    attachments = f.List(f.Nested(AttachmentReferenceSchema), required=True, validate=f.items(max=MAX_ATTACHMENTS))


class CounterSubmissionSchema(OnlineSubmissionSchema):
    """A dossier handed in at the counter: who handed it in is recorded (the applicant or an authorised
    person)."""

    submitter = f.Nested(SubmitterSchema, required=True)


class DossierSchema(Schema):
    """A dossier as its owner (or an officer) sees it."""

    id = fields.String(attribute="_id")
    code = fields.String()
    status = status_field()
    channel = fields.String()
    channel_code = fields.Function(lambda d: Channel(d["channel"]).code)
    procedure_code = fields.String()
    procedure_version = fields.Integer()
    procedure_name = fields.String()
    competent_agency_code = fields.String()
    receiving_agency_code = fields.String()
    submitted_at = fields.AwareDateTime()
    appointment_due = fields.AwareDateTime(allow_none=True)
    rule_set = fields.String()
    applicant = fields.Nested(ApplicantSchema)
    submitter = fields.Nested(SubmitterSchema, allow_none=True)
    contact = fields.Nested(ContactSchema)
    result_return = fields.Nested(ResultReturnSchema)
    attachments = fields.List(fields.Nested(AttachmentSchema))
    national_portal = fields.Dict(allow_none=True, metadata={
        "description": "held by the National Public Service Portal: synchronised_at, revision, status, received_at"})


class DossierSummarySchema(Schema):
    id = fields.String(attribute="_id")
    code = fields.String()
    status = status_field()
    procedure_code = fields.String()
    procedure_name = fields.String()
    receiving_agency_code = fields.String()
    submitted_at = fields.AwareDateTime()
    appointment_due = fields.AwareDateTime(allow_none=True, metadata={"description": "ngày hẹn trả kết quả"})


DossierPageSchema = page_schema(DossierSummarySchema, "DossierPage")



class LookupSchema(Schema):
    """What anyone may see of a dossier without signing in: its code and how far it has got, no personal
    data (Circular 01/2018 Art. 16(2)(d))."""

    code = fields.String()
    status = status_field()
    procedure_code = fields.String()
    procedure_name = fields.String()
    receiving_agency_code = fields.String()
    submitted_at = fields.AwareDateTime()
    appointment_due = fields.AwareDateTime(allow_none=True, metadata={"description": "ngày hẹn trả kết quả"})
