from __future__ import annotations

from flask.views import MethodView

from services.payments.charges import service
from services.payments.charges.schemas import (
    AgencyChargesArgs,
    ChargePage,
    ChargeView,
    ExemptionSchema,
    PaymentStarted,
    StartPaymentSchema,
)
from services.payments.gateway.resources import gateway
from services.payments.storage import db
from shared.api.app import service_context
from shared.api.idempotency import IdempotencyKey, created
from shared.api.pagination import after, page
from shared.api.parsing import Blueprint
from shared.auth.policy import applicant_owner, current_principal, officer, requires
from shared.auth.roles import Role
from shared.domain.errors import DomainError
from shared.domain.idempotency import scoped

blp = Blueprint("charges", __name__, description="What a dossier owes, and paying it online")

AGENCY_ROLES = (Role.COUNTER_OFFICER, Role.AGENCY_HEAD, Role.SPECIALIST, Role.CLERK, Role.MANAGER)
DESK_ROLES = (Role.COUNTER_OFFICER, Role.AGENCY_HEAD)


class GatewayDown(DomainError):
    status = 503


@blp.route("/dossiers/<string:dossier_id>/charges")
class DossierCharges(MethodView):
    @requires(
        applicant_owner(owner_of=lambda dossier_id: service.owner_of_dossier(db(), dossier_id)),
        officer(*AGENCY_ROLES, agency_of=lambda dossier_id: service.agencies_of_dossier(db(), dossier_id)),
    )
    @blp.response(200, ChargeView(many=True))
    def get(self, dossier_id):
        """What the dossier owes, paid and had refunded: its charges (fees at filing, financial obligations),
        oldest first. An empty list when it owes nothing online."""
        return service.for_dossier(db(), dossier_id)


@blp.route("/charges/<string:charge_id>")
class Charge(MethodView):
    @requires(
        applicant_owner(owner_of=lambda charge_id: service.owner_of_charge(db(), charge_id)),
        officer(*AGENCY_ROLES, agency_of=lambda charge_id: service.agencies_of_charge(db(), charge_id)),
    )
    @blp.response(200, ChargeView)
    def get(self, charge_id):
        """One charge: its lines and exemptions, its orders at the gateway, the payment, the receipt, a refund,
        and the alerts the gateway's notices raised."""
        return service.get(db(), service_context().settings, charge_id)


@blp.route("/charges/<string:charge_id>/orders")
class Orders(MethodView):
    @requires(applicant_owner(owner_of=lambda charge_id: service.owner_of_charge(db(), charge_id)))
    @blp.arguments(StartPaymentSchema)
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.response(201, PaymentStarted)
    @blp.alt_response(200, schema=PaymentStarted, description="the order already live (or made with this key)")
    @blp.alt_response(503, description="the gateway cannot take the order now; asking again reuses it")
    def post(self, _body, charge_id, idempotency_key):
        """Pay the charge online: an order at the gateway for what is owed, and the page to send the payer to
        (``order.pay_url``). While an order can still be paid, it is the one returned (200)."""
        settings = service_context().settings
        key = scoped(current_principal().subject, idempotency_key)
        try:
            doc, order, new = service.start_payment(db(), settings, gateway(), charge_id, current_principal(), key)
        except service.GatewayUnavailable:
            raise GatewayDown("Cổng thanh toán tạm thời không sẵn sàng. Vui lòng thử lại sau ít phút.") from None
        return created({"charge_id": doc["_id"], "order": order}, new, f"/charges/{doc['_id']}")


@blp.route("/charges/<string:charge_id>/exemptions")
class Exemptions(MethodView):
    @requires(officer(*DESK_ROLES, agency_of=lambda charge_id: service.agencies_of_charge(db(), charge_id)))
    @blp.arguments(ExemptionSchema)
    @blp.response(200, ChargeView)
    def post(self, args, charge_id):
        """Grant an exemption the procedure version lists for a fee line (papers seen at the desk): the line
        and the total go down; nothing left to pay waives the charge (``payment.waived``)."""
        return service.grant_exemption(db(), service_context().settings, charge_id, current_principal(), **args)


@blp.route("/agencies/<string:agency_code>/charges")
class AgencyCharges(MethodView):
    @requires(officer(*AGENCY_ROLES, agency_of=lambda agency_code: agency_code))
    @blp.arguments(AgencyChargesArgs, location="query")
    @blp.response(200, ChargePage)
    def get(self, args, agency_code):
        """The charges an agency collects, newest first, by status (the officer console's payment list)."""
        return page(service.for_agency(db(), agency_code, status=args.get("status"), limit=args["limit"],
                                       after_values=after(args, 2)))
