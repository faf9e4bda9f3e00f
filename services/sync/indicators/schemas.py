from __future__ import annotations

from marshmallow import Schema, fields

from shared.domain import fields as f


class PeriodArgs(f.VnSchema):
    start = f.IsoDate(required=True, in_calendar=True, data_key="from",
                      metadata={"description": "first Hà Nội day (YYYY-MM-DD)"})
    end = f.IsoDate(required=True, in_calendar=True, data_key="to",
                    metadata={"description": "last Hà Nội day (YYYY-MM-DD)"})


class ShareView(Schema):
    indicator = fields.String(metadata={"description": "Decision 766 indicator 1.4"})
    agency_code = fields.String()
    start = fields.String(data_key="from")
    end = fields.String(data_key="to")
    received = fields.Integer(metadata={"description": "dossiers received (NgayTiepNhan) in the period"})
    synchronised = fields.Integer(metadata={"description": "of those, held by the portal with their reception date"})
    share = fields.Float(allow_none=True, metadata={"description": "synchronised ÷ received (null: none received)"})
