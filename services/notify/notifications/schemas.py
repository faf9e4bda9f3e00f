from __future__ import annotations

from marshmallow import Schema, fields

from services.notify.notifications import statuses
from services.notify.notifications.service import rendered
from services.notify.templates.library import CHANNELS
from services.notify.templates.schemas import field_name
from shared.domain import fields as f


class AttemptView(Schema):
    number = fields.Integer()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True, metadata={"description": "null while the attempt is under way"})
    outcome = fields.String(metadata={
        "description": "started (under way), delivered, accepted (SMS awaiting its receipt) or a failure"})
    provider_reference = fields.String(allow_none=True)
    segments = fields.Integer()
    error = fields.String(allow_none=True)


class ReceiptView(Schema):
    receipt_id = fields.String()
    attempt = fields.Integer()
    status = fields.String()
    error_code = fields.String(allow_none=True)
    at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()


class NotificationView(Schema):
    id = fields.String(attribute="_id")
    dossier_id = fields.String(allow_none=True)
    dossier_code = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    audience = fields.String()
    required = fields.Boolean(metadata={"description": "a legally required notice (sent despite an SMS opt-out)"})
    channel = fields.String(metadata={"enum": list(CHANNELS)})
    recipient = fields.String()
    template_id = fields.String()
    template_version = fields.Integer()
    content = fields.Function(lambda n: {k: v for k, v in rendered(n).items() if k != "html"},
                              metadata={"description": "the message as sent (from the pinned template version)"})
    status = fields.String(metadata={"enum": list(statuses.ALL)})
    status_name = fields.Function(lambda n: statuses.VIETNAMESE[n["status"]])
    attempt_count = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    resend_of = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    completed_at = fields.AwareDateTime(allow_none=True)
    attempts = fields.List(fields.Nested(AttemptView))
    receipts = fields.List(fields.Nested(ReceiptView))


class ResendRequest(f.VnSchema):
    recipient = f.String(validate=f.length(max=254), metadata={
        "description": "a corrected e-mail address or phone number; the original's when omitted"})


class NotificationRequest(f.VnSchema):
    """A message asked for by another system (payment, a partner agency); retried safely under an
    ``Idempotency-Key``."""

    template_id = f.String(required=True, validate=f.length(max=60))
    template_version = f.Integer(strict=True, validate=f.in_range(min=1))
    channel = f.String(required=True, validate=f.one_of(CHANNELS))
    recipient = f.String(required=True, validate=f.length(max=254))
    personalisation = f.Dict(keys=field_name(), values=f.String(multiline=True), required=True)
    dossier_id = f.String(validate=f.length(max=64))
    dossier_code = f.String(validate=f.length(max=40))
    agency_codes = f.List(f.String(validate=f.length(max=20)), load_default=list)
    owner_account_id = f.String(validate=f.length(max=64))
