"""The gateway's payment notice (IPN) and what the payer's browser brings back, as form parameters signed by the
gateway (HMAC-SHA512 over the sorted parameters: the ``signed_parameters`` policy checks ``signature``)."""

from __future__ import annotations

from marshmallow import Schema, fields

from shared.domain import fields as f


class NoticeSchema(f.VnSchema):
    merchant_code = f.String(required=True, validate=f.length(max=40))
    order_id = f.String(required=True, validate=f.length(max=100))
    amount = f.Integer(required=True, strict=False, validate=f.in_range(min=0, max=10**13),
                       metadata={"description": "VND"})
    result_code = f.String(required=True, validate=f.matches(r"^\d{2}$", "Mã kết quả gồm 2 chữ số."))
    transaction_no = f.String(required=True, validate=f.length(max=40))
    pay_date = f.String(required=True, validate=f.matches(r"^\d{14}$", "Dạng yyyyMMddHHmmss."))
    bank_code = f.String(load_default=None, validate=f.length(max=20))
    gateway_ref = f.String(load_default=None, validate=f.length(max=40))
    signature = f.String(required=True, validate=f.length(max=256))


class NoticeAnswer(Schema):
    rsp_code = fields.String(metadata={"description": "00 recorded now, 02 recorded before (duplicate or replay)"})
    message = fields.String()
    outcome = fields.String(metadata={"enum": ["applied", "duplicate", "stale"]})
    charge_status = fields.String()


class ReturnSchema(f.VnSchema):
    """What the gateway put on the return URL (checked, logged when forged, never trusted: the gateway is asked)."""

    class Meta:
        unknown = "exclude"

    params = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
