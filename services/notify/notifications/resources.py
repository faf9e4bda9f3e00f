from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.notify.notifications import service
from services.notify.notifications.schemas import NotificationSchema
from services.notify.storage import db
from shared.auth.policy import applicant_owner, officer, requires
from shared.auth.roles import Role

blp = Blueprint("notifications", __name__, url_prefix="/dossiers", description="Messages about a dossier")


@blp.route("/<string:dossier_id>/notifications")
class DossierNotifications(MethodView):
    @requires(
        applicant_owner(owner_of=lambda dossier_id: service.dossier_owner(db(), dossier_id)),
        officer(Role.COUNTER_OFFICER, Role.AGENCY_HEAD, Role.SPECIALIST, Role.MANAGER,
                agency_of=lambda dossier_id: service.dossier_agency(db(), dossier_id)),
    )
    @blp.response(200, NotificationSchema(many=True))
    def get(self, dossier_id):
        """Every message sent about the dossier, with each delivery attempt."""
        return service.for_dossier(db(), dossier_id)
