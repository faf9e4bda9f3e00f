"""The HTTP contract of petitions (phản ánh, kiến nghị)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.api.pagination import PageArgs, page_schema
from shared.domain import evaluation as ev
from shared.domain import fields as f
from shared.domain.schemas import PHONE_RE


class SenderSchema(f.VnSchema):
    full_name = f.String(required=True, validate=f.length(max=150))
    email = f.Email(allow_none=True, load_default=None)
    phone = f.String(allow_none=True, load_default=None,
                     validate=f.matches(PHONE_RE, "Số điện thoại không hợp lệ (ví dụ 0912345678)."))


class PetitionRequest(f.VnSchema):
    subject = f.String(required=True, validate=f.one_of(tuple(ev.SUBJECTS)), metadata={
        "description": "procedure (rules, procedures), dossier (the handling of one dossier) or conduct (an "
                       "officer's conduct)"})
    agency_code = f.String(allow_none=True, load_default=None, validate=f.length(max=40), metadata={
        "description": "the agency concerned (for a dossier: its competent agency when absent)"})
    procedure_code = f.String(allow_none=True, load_default=None, validate=f.length(max=40))
    dossier_code = f.String(allow_none=True, load_default=None, validate=f.length(max=60))
    officer_name = f.String(allow_none=True, load_default=None, validate=f.length(max=150))
    title = f.String(required=True, validate=f.length(max=200))
    content = f.String(required=True, multiline=True, validate=f.length(max=5000))
    sender = f.Nested(SenderSchema, required=True)
    attachment_ids = f.List(f.String(validate=f.length(max=64)), load_default=list,
                            validate=f.items(max=5), metadata={"description": "ids from POST /petitions/attachments"})
    follows_up = f.String(allow_none=True, load_default=None, validate=f.length(max=40), metadata={
        "description": "the code of an earlier petition raised again"})


class ReasonSchema(f.VnSchema):
    reason = f.String(required=True, multiline=True, validate=f.length(max=2000))


class InfoRequestSchema(f.VnSchema):
    request = f.String(required=True, multiline=True, validate=f.length(max=2000))


class SupplySchema(f.VnSchema):
    note = f.String(required=True, multiline=True, validate=f.length(max=5000))


class AnswerSchema(f.VnSchema):
    answer = f.String(required=True, multiline=True, validate=f.length(max=10000))
    conclusion = f.String(required=True, validate=f.one_of(tuple(ev.CONCLUSIONS)))
    publish = f.Boolean(load_default=False, metadata={"description": "make the answer public (within 2 working days)"})


class RateSchema(f.VnSchema):
    satisfied = f.Boolean(required=True)
    comment = f.String(allow_none=True, load_default=None, multiline=True, validate=f.length(max=2000))


class NothingSchema(f.VnSchema):
    pass


class AttachmentView(Schema):
    id = fields.String()
    file_name = fields.String()
    media_type = fields.String()
    size_bytes = fields.Integer()


class HandlingView(Schema):
    """A step of the handling (taking up, refusal, answer, publication, the sender's rating, a request for more)."""

    at = fields.AwareDateTime(allow_none=True)
    by_name = fields.String(allow_none=True)
    text = fields.String()
    conclusion = fields.String()
    publish = fields.Boolean()
    on_time = fields.Boolean()
    reason = fields.String()
    satisfied = fields.Boolean()
    comment = fields.String(allow_none=True)
    request = fields.String()
    supplied_at = fields.AwareDateTime(allow_none=True)
    note = fields.String(allow_none=True)


class SenderView(Schema):
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    account_id = fields.String(allow_none=True)


class HistoryView(Schema):
    at = fields.AwareDateTime()
    by_name = fields.String(allow_none=True)
    action = fields.String()
    status = fields.String()


class PetitionView(Schema):
    id = fields.String(attribute="_id")
    code = fields.String()
    version = fields.Integer()
    status = fields.String()
    status_name = fields.Function(lambda p: ev.PETITION_STATUSES[p["status"]])
    subject = fields.String()
    category = fields.String()
    agency_code = fields.String()
    agency_name = fields.String(allow_none=True)
    procedure_code = fields.String(allow_none=True)
    dossier_code = fields.String(allow_none=True)
    officer_name = fields.String(allow_none=True)
    title = fields.String()
    content = fields.String()
    sender = fields.Nested(SenderView)
    attachments = fields.List(fields.Nested(AttachmentView))
    follows_up = fields.String(allow_none=True)
    received_at = fields.AwareDateTime()
    decide_due = fields.AwareDateTime()
    info_due = fields.AwareDateTime()
    answer_due = fields.AwareDateTime(allow_none=True)
    publish_due = fields.AwareDateTime(allow_none=True)
    info_requests = fields.List(fields.Nested(HandlingView))
    refusal = fields.Nested(HandlingView, allow_none=True)
    answer = fields.Nested(HandlingView, allow_none=True)
    published = fields.Nested(HandlingView, allow_none=True)
    rating = fields.Nested(HandlingView, allow_none=True)
    handled_at = fields.AwareDateTime(allow_none=True)
    state = fields.String()
    queue_due = fields.AwareDateTime(allow_none=True)
    history = fields.List(fields.Nested(HistoryView))


class CreatedPetitionView(PetitionView):
    access_key = fields.String(allow_none=True, metadata={
        "description": "shown once, when the petition is received: with the code, it lets the sender follow it "
                       "and rate the answer without signing in"})


class PublishedView(Schema):
    """A published answer: no personal data."""

    code = fields.String()
    subject = fields.String()
    category = fields.String()
    agency_code = fields.String()
    agency_name = fields.String(allow_none=True)
    procedure_code = fields.String(allow_none=True)
    title = fields.String()
    content = fields.String()
    received_at = fields.AwareDateTime()
    answer = fields.Function(lambda p: {"text": p["answer"]["text"], "conclusion": p["answer"]["conclusion"],
                                        "at": p["answer"]["at"].isoformat()})


class QueueArgs(PageArgs):
    state = f.String(validate=f.one_of(("open", "closed")))


class PublishedArgs(PageArgs):
    agency = f.String(validate=f.length(max=40))


PetitionPage = page_schema(PetitionView, "PetitionPage")
PublishedPage = page_schema(PublishedView, "PublishedPetitionPage")
