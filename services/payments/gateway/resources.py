from __future__ import annotations

import logging

from flask.views import MethodView

from services.payments.charges import rules, service
from services.payments.charges import statuses as st
from services.payments.charges.schemas import ChargeView
from services.payments.gateway.client import PaymentGateway, read_notice
from services.payments.gateway.schemas import NoticeAnswer, NoticeSchema, ReturnSchema
from services.payments.storage import db
from shared.api.app import service_context
from shared.api.parsing import Blueprint
from shared.auth.policy import applicant_owner, requires, signed_parameters, verify_parameters
from shared.domain.changes import DUPLICATE
from shared.domain.errors import Rejected
from shared.observability import metrics

log = logging.getLogger(__name__)

blp = Blueprint("gateway", __name__, description="The payment gateway's notices and the payer's return")


def gateway() -> PaymentGateway:
    """The adapter of this app (one per worker; it holds a connection pool)."""
    extras = service_context().extras
    if "gateway" not in extras:
        extras["gateway"] = PaymentGateway(service_context().settings)
    return extras["gateway"]


def _forged() -> None:
    log.error("payment notice with an invalid signature refused")
    metrics.payment_answer("ipn", "forged")
    metrics.payment_alert("forged_notice")


@blp.route("/gateway/ipn")
class PaymentNotice(MethodView):
    @requires(signed_parameters(lambda: service_context().settings.secret("payment_gateway_secret"),
                                on_refused=_forged))
    @blp.arguments(NoticeSchema, location="form")
    @blp.response(200, NoticeAnswer)
    @blp.alt_response(401, description="not signed with the shared secret (forged): refused, alerted")
    @blp.alt_response(404, description="no such order")
    @blp.alt_response(422, description="the amount is not the order's: refused, alerted")
    def post(self, notice):
        """The gateway's server-to-server notice of a payment's outcome (IPN), signed over its sorted
        parameters. Applied once: the same transaction again (the gateway retrying, or a replay) changes nothing
        and answers ``02``; a paid amount other than the order's is refused (422) and raises an alert."""
        settings = service_context().settings
        if notice["merchant_code"] != settings.payment_merchant_code:
            raise Rejected("Thông báo thanh toán không phải của đơn vị này.",
                           {"form": {"merchant_code": ["Không phải mã đơn vị chấp nhận thanh toán của hệ thống."]}})
        doc, change = service.apply_answer(db(), settings, read_notice(notice), "ipn")
        if change.outcome == rules.REFUSED:
            raise Rejected("Số tiền thanh toán không khớp với đơn hàng: không ghi nhận.",
                           {"form": {"amount": [f"Đơn hàng {notice['order_id']} có số tiền khác."]}})
        duplicate = change.outcome == DUPLICATE
        return {"rsp_code": "02" if duplicate else "00",
                "message": "Giao dịch đã được ghi nhận trước đó." if duplicate else "Đã ghi nhận.",
                "outcome": change.outcome, "charge_status": doc["status"]}


@blp.route("/orders/<string:order_id>/confirm")
class Confirm(MethodView):
    @requires(applicant_owner(owner_of=lambda order_id: service.owner_of_order(db(), order_id)))
    @blp.arguments(ReturnSchema)
    @blp.response(200, ChargeView)
    def post(self, returned, order_id):
        """The payer is back from the gateway (the return URL). What the browser brought is checked but never
        trusted on its own: the gateway is asked about the order, and its answer settles the charge."""
        settings = service_context().settings
        params = returned["params"]
        if params and not verify_parameters(params, settings.secret("payment_gateway_secret")):
            log.warning("return of order %s carries an invalid signature (ignored)", order_id)
            metrics.payment_answer("return", "forged")
        doc = service.confirm(db(), settings, gateway(), order_id)
        if doc["status"] == st.PENDING:
            log.info("order %s not settled yet at the gateway", order_id)
        return doc
