from __future__ import annotations

from marshmallow import Schema, fields

from services.notify.templates.library import CHANNELS
from shared.domain import fields as f


class TemplateView(Schema):
    id = fields.String()
    version = fields.Integer()
    audience = fields.String()
    required = fields.Boolean()
    description = fields.String()
    channels = fields.List(fields.String(metadata={"enum": list(CHANNELS)}))
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields",
                          metadata={"description": "personalisation fields the template uses"})
    subject = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    sms = fields.String(allow_none=True)
    inapp_title = fields.String()
    inapp = fields.String()


def field_name() -> f.String:
    """A personalisation field's name, as the templates write it (``{applicant_name}``)."""
    return f.String(validate=f.matches(r"^[a-z][a-z0-9_]{0,63}$", "Tên trường gồm chữ thường, số và dấu _."))


class PreviewRequest(f.VnSchema):
    version = f.Integer(strict=True, validate=f.in_range(min=1))
    personalisation = f.Dict(keys=field_name(), values=f.String(multiline=True, allow_blank=True), load_default=dict,
                             metadata={"description": "fields to fill in; missing ones take the sample values"})


class SmsPreview(Schema):
    as_written = fields.String()
    as_sent = fields.String()
    encoding = fields.String()
    characters = fields.Integer()
    segments = fields.Integer()


class ChannelPreview(Schema):
    subject = fields.String()
    text = fields.String()
    html = fields.String()
    sms = fields.Nested(SmsPreview)


class PreviewView(Schema):
    template_id = fields.String()
    version = fields.Integer()
    personalisation = fields.Dict(keys=fields.String(), values=fields.String())
    channels = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelPreview))
