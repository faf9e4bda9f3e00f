"""A provider status update, as the webhook carries it and as a look-up returns it."""

from __future__ import annotations

from services.postal.shipments import rules
from shared.domain import fields as f


class RecipientCheck(f.VnSchema):
    document_type = f.String(required=True, validate=f.length(max=40))
    document_number = f.String(required=True, validate=f.length(max=20))
    name = f.String(required=True, validate=f.length(max=150))


class ProviderHandover(f.VnSchema):
    record_number = f.String(required=True, validate=f.length(max=40))
    receiver_name = f.String(required=True, validate=f.length(max=150))
    postal_staff_name = f.String(load_default="", allow_blank=True, validate=f.length(max=150))
    signed_at = f.AwareDateTime(required=True)
    documents_complete = f.Boolean(load_default=True)


class StatusUpdate(f.VnSchema):
    event_id = f.String(required=True, validate=f.length(max=80))
    tracking_code = f.String(required=True, validate=f.length(max=40))
    status = f.String(required=True, validate=f.one_of(rules.PROVIDER_STATUSES))
    at = f.AwareDateTime(required=True)
    attempt = f.Integer(allow_none=True, load_default=None, validate=f.in_range(min=1, max=10))
    note = f.String(allow_none=True, load_default=None, validate=f.length(max=500))
    post_office = f.String(allow_none=True, load_default=None, validate=f.length(max=20))
    recipient_check = f.Nested(RecipientCheck, allow_none=True, load_default=None)
    recovered_papers = f.List(f.String(validate=f.length(max=300)), load_default=list)
    fees_collected = f.Integer(load_default=0, validate=f.in_range(min=0))
    handover = f.Nested(ProviderHandover, allow_none=True, load_default=None)
