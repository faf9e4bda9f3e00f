from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.postal.shipments import service
from services.postal.shipments.schemas import ShipmentSchema
from services.postal.storage import db
from shared.auth.policy import applicant_owner, officer, requires
from shared.auth.roles import Role

blp = Blueprint("shipments", __name__, url_prefix="/dossiers", description="Postal shipments of a dossier")


@blp.route("/<string:dossier_id>/shipments")
class DossierShipments(MethodView):
    @requires(
        applicant_owner(owner_of=lambda dossier_id: service.dossier_owner(db(), dossier_id)),
        officer(Role.COUNTER_OFFICER, Role.AGENCY_HEAD, Role.CLERK, Role.MANAGER, Role.POSTAL_STAFF,
                agency_of=lambda dossier_id: service.dossier_agency(db(), dossier_id)),
    )
    @blp.response(200, ShipmentSchema(many=True))
    def get(self, dossier_id):
        """Shipments of the dossier (planned result delivery, pickups) with their status history."""
        return service.for_dossier(db(), dossier_id)
