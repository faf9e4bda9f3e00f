"""The HTTP contract of charges: what a dossier owes and its payments, as the applicant and the officers see
them; starting a payment; granting an exemption."""

from __future__ import annotations

from marshmallow import Schema, fields

from services.payments.charges import statuses as st
from shared.api.pagination import PageArgs, page_schema
from shared.domain import fields as f


def status_view() -> fields.Function:
    return fields.Function(lambda c: {"code": c["status"], "name": st.VIETNAMESE[c["status"]]}, metadata={
        "type": "object", "description": "due, pending, paid, waived, void, refund_pending or refunded, and its "
                                         "Vietnamese name",
        "properties": {"code": {"type": "string"}, "name": {"type": "string"}}})


class LineView(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "fee (lệ phí), charge (phí) or obligation"})
    unit_amount = fields.Integer()
    per = fields.String(allow_none=True)
    quantity = fields.Integer()
    amount = fields.Integer(metadata={"description": "VND due on the line, after any exemption"})
    exemptions = fields.List(fields.Dict(), metadata={"description": "exemptions the procedure version allows"})
    exemption = fields.Dict(allow_none=True, metadata={"description": "the exemption granted"})


class OrderView(Schema):
    order_id = fields.String()
    attempt = fields.Integer()
    amount = fields.Integer()
    status = fields.String(metadata={"description": "created, pending, paid, cancelled, expired, failed, refused"})
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    pay_url = fields.String(allow_none=True, metadata={"description": "the gateway's page to send the payer to"})
    transaction_no = fields.String(allow_none=True)
    bank_code = fields.String(allow_none=True)
    settled_at = fields.AwareDateTime(allow_none=True)
    settled_via = fields.String(allow_none=True, metadata={"description": "ipn, query or return"})


class ChargeView(Schema):
    id = fields.String(attribute="_id")
    version = fields.Integer()
    dossier_id = fields.String()
    dossier_code = fields.String()
    purpose = fields.String(metadata={"description": "filing (fees due at filing) or obligation (status 6)"})
    description = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    agency_code = fields.String(metadata={"description": "the agency that collects"})
    amount = fields.Integer(metadata={"description": "VND due, after exemptions"})
    status = status_view()
    lines = fields.List(fields.Nested(LineView))
    orders = fields.List(fields.Nested(OrderView))
    paid = fields.Dict(allow_none=True)
    receipt = fields.Dict(allow_none=True, metadata={"description": "the electronic receipt: number, issued_at"})
    refund = fields.Dict(allow_none=True)
    anomalies = fields.List(fields.Dict(), metadata={"description": "gateway notices refused or needing people"})
    history = fields.List(fields.Dict())
    created_at = fields.AwareDateTime()


class ChargeList(Schema):
    items = fields.List(fields.Nested(ChargeView))


ChargePage = page_schema(ChargeView, "ChargePage")


class AgencyChargesArgs(PageArgs):
    status = f.String(validate=f.one_of((st.DUE, st.PENDING, st.PAID, st.WAIVED, st.VOID, st.REFUND_PENDING,
                                         st.REFUNDED)))


class PaymentStarted(Schema):
    charge_id = fields.String()
    order = fields.Nested(OrderView)


class StartPaymentSchema(f.VnSchema):
    """Nothing to choose: the order is for what the charge owes now."""


class ExemptionSchema(f.VnSchema):
    line = f.String(required=True, validate=f.length(max=40), metadata={"description": "the fee line's code"})
    exemption = f.String(required=True, validate=f.length(max=40), metadata={"description": "the exemption's code"})
    note = f.String(allow_none=True, load_default=None, validate=f.length(max=500), metadata={
        "description": "the papers seen (e.g. giấy xác nhận hộ nghèo số …)"})
