from __future__ import annotations

from marshmallow import Schema, fields

from services.postal.shipments import statuses
from shared.domain.schemas import AddressSchema


class RecipientSchema(Schema):
    name = fields.String()
    phone = fields.String()
    address = fields.Nested(AddressSchema)


class HistoryEntrySchema(Schema):
    status = fields.String()
    at = fields.AwareDateTime()


class ShipmentSchema(Schema):
    id = fields.String(attribute="_id")
    dossier_code = fields.String()
    direction = fields.String(metadata={"enum": [statuses.RESULT_DELIVERY, statuses.DOSSIER_PICKUP]})
    status = fields.String()
    status_name = fields.Function(lambda s: statuses.VIETNAMESE[s["status"]])
    recipient = fields.Nested(RecipientSchema)
    history = fields.List(fields.Nested(HistoryEntrySchema))
    created_at = fields.AwareDateTime()
