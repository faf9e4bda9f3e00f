from __future__ import annotations

from marshmallow import Schema, fields

from shared.api import fields as f
from shared.domain.schemas import status_field
from shared.domain.statuses import DossierStatus


class QueueArgsSchema(f.VnSchema):
    status = f.Integer(strict=False, validate=f.one_of([s.value for s in DossierStatus]))
    limit = f.Integer(strict=False, load_default=50, validate=f.in_range(min=1, max=200))
    cursor = f.String(validate=f.length(max=500))


class QueueEntrySchema(Schema):
    dossier_id = fields.String(attribute="_id")
    code = fields.String()
    status = status_field()
    channel = fields.String()
    procedure_code = fields.String()
    applicant_name = fields.String()
    result_return_method = fields.String()
    submitted_at = fields.AwareDateTime()
    queued_at = fields.AwareDateTime()


class QueuePageSchema(Schema):
    agency_code = fields.String()
    items = fields.List(fields.Nested(QueueEntrySchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "pass as ?cursor= for the next page"})
