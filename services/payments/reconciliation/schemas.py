"""The HTTP contract of the daily reconciliation report."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.domain import fields as f


class ReportArgs(f.VnSchema):
    date = f.IsoDate(required=True, in_calendar=True, metadata={"description": "the Hà Nội day (YYYY-MM-DD)"})


class Totals(Schema):
    count = fields.Integer()
    amount = fields.Integer(metadata={"description": "VND"})


class ReportView(Schema):
    date = fields.String()
    agency_code = fields.String()
    paid = fields.Nested(Totals, metadata={"description": "online payments recorded that day"})
    pending = fields.Nested(Totals, metadata={"description": "orders made that day still waiting at the gateway"})
    failed = fields.Nested(Totals, metadata={"description": "attempts cancelled, expired, failed or refused"})
    refunded = fields.Nested(Totals)
    gateway = fields.Dict(metadata={"description": "the gateway's statement for the agency: payments, refunds"})
    matched = fields.Boolean(metadata={"description": "every payment and refund matches the gateway's statement"})
    differences = fields.List(fields.Dict(), metadata={
        "description": "missing_here, missing_at_gateway or amount_differs, by transaction"})
    made_at = fields.AwareDateTime()
