from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from services.notify.delivery import receipts
from services.notify.delivery.receipts import RECEIPT_DELIVERED, RECEIPT_FAILED
from services.notify.storage import SEEN_SIGNATURES, db
from shared.api.app import service_context
from shared.api.parsing import Blueprint
from shared.auth.policy import requires, webhook_signature
from shared.clock import utc_now
from shared.domain import fields as f
from shared.domain.errors import NotFound

blp = Blueprint("sms", __name__, url_prefix="/sms", description="Callbacks of the SMS gateway")


class ReceiptRequest(f.VnSchema):
    receipt_id = f.String(required=True, validate=f.length(max=100))
    message_id = f.String(required=True, validate=f.length(max=100))
    reference = f.String(required=True, validate=f.length(max=120))
    status = f.String(required=True, validate=f.one_of((RECEIPT_DELIVERED, RECEIPT_FAILED)))
    permanent = f.Boolean(load_default=False)
    error_code = f.String(allow_none=True, load_default=None, validate=f.length(max=60))
    at = f.AwareDateTime(allow_none=True, load_default=None)


class ReceiptAnswer(Schema):
    outcome = fields.String(metadata={"enum": [receipts.APPLIED, receipts.DUPLICATE, receipts.RECORDED]})


@blp.route("/receipts")
class Receipts(MethodView):
    @requires(webhook_signature(lambda: service_context().settings.sms_callback_secret,
                                seen=lambda: db()[SEEN_SIGNATURES]))
    @blp.arguments(ReceiptRequest)
    @blp.response(200, ReceiptAnswer)
    def post(self, receipt):
        """A delivery receipt. Signed with the shared secret; a request replayed with the same signature is
        refused (409), the same receipt sent again under a new signature changes nothing (``duplicate``),
        an unknown reference is 404."""
        outcome = receipts.apply_receipt(db(), service_context().settings, receipt, utc_now())
        if outcome == receipts.UNKNOWN:
            raise NotFound("Không có tin nhắn với mã tham chiếu này.")
        return {"outcome": outcome}
