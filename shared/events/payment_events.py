"""The payments service's events (topic ``payments.charges``), one schema per change of a charge.

A *charge* is what one dossier owes for one purpose: the fees and charges due when it is filed (the procedure
version's lines to pay online at filing, after exemptions), or a financial obligation the workflow stopped the
clock for (status 6). Every payload carries what its consumers need without asking — the dossier, the purpose,
the amount and lines, the agency that collects, the applicant's name and contact (notify) — plus ``details``
specific to the change. ``charge_version`` grows with every change of the charge, so a read copy keeps the
newest.
"""

from __future__ import annotations

from marshmallow import Schema

from shared.domain import fields as f
from shared.domain.schemas import ContactSchema

FILING, OBLIGATION = "filing", "obligation"   # what a charge is for
PURPOSES = (FILING, OBLIGATION)


class ChargeLineSchema(f.VnSchema):
    code = f.String(required=True)
    name = f.String(required=True)
    kind = f.String(required=True, metadata={"description": "fee (lệ phí), charge (phí) or obligation"})
    amount = f.Integer(required=True, metadata={"description": "VND due on the line, after any exemption"})
    exemption = f.String(allow_none=True, load_default=None, metadata={"description": "the exemption applied"})


# Details ------------------------------------------------------------------------------------------------------

class Requested(f.VnSchema):
    pay_url = f.String(required=True, metadata={"description": "the portal page where the applicant pays"})


class Waived(f.VnSchema):
    exemptions = f.List(f.String(), required=True)


class Paid(f.VnSchema):
    order_id = f.String(allow_none=True, load_default=None)
    transaction_no = f.String(allow_none=True, load_default=None)
    amount = f.Integer(required=True)
    paid_at = f.AwareDateTime(required=True)
    bank_code = f.String(allow_none=True, load_default=None)
    via = f.String(required=True, metadata={"description": "ipn, query, return (confirmed by a query) or counter"})
    online = f.Boolean(required=True, metadata={"description": "paid through the gateway (DuocThanhToanTrucTuyen)"})


class ReceiptIssued(f.VnSchema):
    receipt_number = f.String(required=True)
    issued_at = f.AwareDateTime(required=True)
    amount = f.Integer(required=True)
    transaction_no = f.String(allow_none=True, load_default=None)


class Failed(f.VnSchema):
    order_id = f.String(required=True)
    reason = f.String(required=True, metadata={"description": "cancelled, expired or failed"})
    result_code = f.String(allow_none=True, load_default=None)


class Refunded(f.VnSchema):
    amount = f.Integer(required=True)
    reason = f.String(required=True)
    refund_id = f.String(required=True)
    refunded_at = f.AwareDateTime(required=True)


class Voided(f.VnSchema):
    reason = f.String(required=True)


class Alert(f.VnSchema):
    kind = f.String(required=True, metadata={"description": "amount_mismatch or paid_twice"})
    order_id = f.String(allow_none=True, load_default=None)
    transaction_no = f.String(allow_none=True, load_default=None)
    expected = f.Integer(allow_none=True, load_default=None)
    received = f.Integer(allow_none=True, load_default=None)
    note = f.String(required=True)


# Payload ------------------------------------------------------------------------------------------------------

class _ChargeChange(f.VnSchema):
    charge_id = f.String(required=True)
    dossier_code = f.String(required=True)
    purpose = f.String(required=True, validate=f.one_of(PURPOSES))
    status = f.String(required=True)
    charge_version = f.Integer(required=True)
    at = f.AwareDateTime(required=True)
    amount = f.Integer(required=True, metadata={"description": "VND due (after exemptions)"})
    description = f.String(required=True)
    lines = f.List(f.Nested(ChargeLineSchema), required=True)
    agency_code = f.String(required=True, metadata={"description": "the agency that collects (receiving desk)"})
    competent_agency_code = f.String(required=True)
    procedure_code = f.String(required=True)
    procedure_name = f.String(required=True)
    owner_account_id = f.String(allow_none=True, load_default=None)
    applicant_name = f.String(required=True)
    contact = f.Nested(ContactSchema, required=True)


def _payload(name: str, details: type[Schema]) -> type[Schema]:
    return type(name, (_ChargeChange,), {"details": f.Nested(details, required=True)})


PAYMENT_EVENTS: dict[str, tuple[type[Schema], str]] = {
    "payment.requested": (_payload("PaymentRequestedV1", Requested), "a dossier owes fees or charges to pay online"),
    "payment.waived": (_payload("PaymentWaivedV1", Waived), "exemptions brought what was owed to nothing"),
    "payment.paid": (_payload("PaymentPaidV1", Paid), "the charge was paid (once; the gateway confirmed it)"),
    "payment.receipt-issued": (_payload("PaymentReceiptIssuedV1", ReceiptIssued),
                               "the electronic receipt (biên lai) of a payment was numbered"),
    "payment.failed": (_payload("PaymentFailedV1", Failed), "a payment attempt was cancelled, expired or failed"),
    "payment.refunded": (_payload("PaymentRefundedV1", Refunded), "a paid charge was refunded through the gateway"),
    "payment.voided": (_payload("PaymentVoidedV1", Voided), "nothing is owed any more: the dossier ended unpaid"),
    "payment.alert": (_payload("PaymentAlertV1", Alert),
                      "a gateway notice was refused or needs people: wrong amount, paid twice"),
}
