from __future__ import annotations

from marshmallow import Schema, fields

from services.notify.notifications import statuses


class AttemptSchema(Schema):
    number = fields.Integer()
    started_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime()
    outcome = fields.String()
    provider_reference = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class NotificationSchema(Schema):
    id = fields.String(attribute="_id")
    dossier_code = fields.String()
    channel = fields.String()
    recipient = fields.String()
    template_id = fields.String()
    template_version = fields.Integer()
    status = fields.String(metadata={"enum": list(statuses.ALL)})
    status_name = fields.Function(lambda n: statuses.VIETNAMESE[n["status"]])
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    attempts = fields.List(fields.Nested(AttemptSchema))
