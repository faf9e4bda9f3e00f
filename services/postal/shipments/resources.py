from __future__ import annotations

from flask.views import MethodView

from services.postal.shipments import service
from services.postal.shipments.schemas import (
    AgencyShipmentsArgs,
    HandoverRequest,
    ShipmentPageView,
    ShipmentView,
    TrackingView,
)
from services.postal.storage import db
from shared.api.app import service_context
from shared.api.pagination import after, page
from shared.api.parsing import Blueprint
from shared.auth.policy import PUBLIC, applicant_owner, current_principal, officer, requires
from shared.auth.roles import Role
from shared.clock import utc_now
from shared.domain.errors import NotFound

blp = Blueprint("shipments", __name__, description="Shipments with the public postal service, both directions")

AGENCY_ROLES = (Role.COUNTER_OFFICER, Role.AGENCY_HEAD, Role.CLERK, Role.MANAGER)


POST_OFFICE_OF_SHIPMENT = officer(
    Role.POSTAL_STAFF, agency_of=lambda shipment_id: service.shipment_post_office(db(), shipment_id), hidden=True)


@blp.route("/dossiers/<string:dossier_id>/shipments")
class DossierShipments(MethodView):
    @requires(
        applicant_owner(owner_of=lambda dossier_id: service.dossier_owner(db(), dossier_id)),
        officer(*AGENCY_ROLES, agency_of=lambda dossier_id: service.dossier_agency(db(), dossier_id), hidden=True),
    )
    @blp.response(200, ShipmentView(many=True))
    def get(self, dossier_id):
        """The dossier's shipments (its pickup, its result delivery) with their status history."""
        return service.for_dossier(db(), dossier_id)


@blp.route("/shipments/<string:shipment_id>")
class Shipment(MethodView):
    @requires(
        applicant_owner(owner_of=lambda shipment_id: service.shipment_owner(db(), shipment_id)),
        officer(*AGENCY_ROLES, agency_of=lambda shipment_id: service.shipment_agency(db(), shipment_id), hidden=True),
        POST_OFFICE_OF_SHIPMENT,
    )
    @blp.response(200, ShipmentView)
    def get(self, shipment_id):
        """One shipment: parties, documents, postage, J+n and the expected date explained, attempts, history."""
        return service.get(db(), service_context().settings, shipment_id)


@blp.route("/shipments/<string:shipment_id>/handover")
class Handover(MethodView):
    @requires(
        POST_OFFICE_OF_SHIPMENT,
        officer(Role.COUNTER_OFFICER, Role.CLERK,
                agency_of=lambda shipment_id: service.shipment_agency(db(), shipment_id), hidden=True),
    )
    @blp.arguments(HandoverRequest)
    @blp.response(200, ShipmentView)
    def post(self, record, shipment_id):
        """Records the hand-over signed by the agency and the postal staff. A dossier brought by post is filed
        at the signature time (Decision 45/2016 Art. 7(4)); a result taken by the postal staff is accepted
        then (J of J+n)."""
        principal = current_principal()
        record.setdefault("signed_at", utc_now())
        source = "postal_staff" if principal.has_role(Role.POSTAL_STAFF) else "agency"
        return service.record_handover(db(), service_context().settings, shipment_id, record, source, principal)


@blp.route("/agencies/<string:agency_code>/shipments")
class AgencyShipments(MethodView):
    @requires(officer(*AGENCY_ROLES, agency_of=lambda agency_code: agency_code))
    @blp.arguments(AgencyShipmentsArgs, location="query")
    @blp.response(200, ShipmentPageView)
    def get(self, args, agency_code):
        """The agency's shipments, newest first; filter by direction, status and lateness."""
        return page(service.for_agency(db(), agency_code, direction=args.get("direction"),
                                       status=args.get("status"), late=args.get("late"), limit=args["limit"],
                                       after_values=after(args, 2)))


@blp.route("/tracking/<string:code>")
class Tracking(MethodView):
    @requires(PUBLIC)
    @blp.response(200, TrackingView(many=True))
    def get(self, code):
        """Track by the postal tracking code or the dossier code: statuses and dates only, no personal data
        (Circular 17/2017 Art. 12: free track-and-trace). Signed-in owners and officers see the whole shipment
        at /shipments/{id}."""
        found = service.by_tracking(db(), code)
        if not found:
            raise NotFound("Không tìm thấy bưu gửi với mã này.")
        return found
