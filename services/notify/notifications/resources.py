from __future__ import annotations

from flask.views import MethodView

from services.notify.notifications import service
from services.notify.notifications.schemas import NotificationRequest, NotificationView, ResendRequest
from services.notify.storage import db
from services.notify.templates.library import APPLICANT
from shared.api.idempotency import IdempotencyKey, created
from shared.api.parsing import Blueprint
from shared.auth.policy import applicant_owner, current_principal, officer, requires
from shared.auth.policy import service as service_policy
from shared.auth.roles import OFFICER_ROLES, PrincipalKind, Role
from shared.domain.idempotency import scoped

blp = Blueprint("notifications", __name__, description="Messages about dossiers, with their delivery status")

OWNER_OF_DOSSIER = applicant_owner(owner_of=lambda dossier_id: service.dossier_owner(db(), dossier_id))
OFFICERS_OF_DOSSIER = officer(*OFFICER_ROLES, agency_of=lambda dossier_id: service.dossier_agencies(db(), dossier_id),
                              hidden=True)
OFFICERS_OF_NOTIFICATION = officer(
    *OFFICER_ROLES, agency_of=lambda notification_id: service.notification_agencies(db(), notification_id), hidden=True)
DESK_OF_NOTIFICATION = officer(
    Role.COUNTER_OFFICER, Role.AGENCY_HEAD,
    agency_of=lambda notification_id: service.notification_agencies(db(), notification_id), hidden=True)


@blp.route("/dossiers/<string:dossier_id>/notifications")
class DossierNotifications(MethodView):
    @requires(OWNER_OF_DOSSIER, OFFICERS_OF_DOSSIER)
    @blp.response(200, NotificationView(many=True))
    def get(self, dossier_id):
        """Every message about the dossier, oldest first, with each delivery attempt and receipt. The applicant
        sees the messages sent to them; officers also see those sent to officers."""
        messages = service.for_dossier(db(), dossier_id)
        if current_principal().kind is PrincipalKind.APPLICANT:
            messages = [m for m in messages if m["audience"] == APPLICANT]
        return messages


@blp.route("/notifications")
class Notifications(MethodView):
    @requires(service_policy("intake", "workflow", "postal"))
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(NotificationRequest)
    @blp.response(201, NotificationView)
    @blp.alt_response(200, schema=NotificationView, description="replayed: the notification made under this key")
    def post(self, request, idempotency_key):
        """Asks for one message from a template. Repeating the request with the same Idempotency-Key returns
        the first notification (200) instead of sending again."""
        doc, new = service.create_requested(db(), request, scoped(current_principal().subject, idempotency_key))
        return created(doc, new, f"/notifications/{doc['_id']}")


@blp.route("/notifications/<string:notification_id>")
class Notification(MethodView):
    @requires(OFFICERS_OF_NOTIFICATION)
    @blp.response(200, NotificationView)
    def get(self, notification_id):
        """One message with its attempts."""
        return service.get(db(), notification_id)


@blp.route("/notifications/<string:notification_id>/resend")
class Resend(MethodView):
    @requires(DESK_OF_NOTIFICATION)
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(ResendRequest)
    @blp.response(201, NotificationView)
    @blp.alt_response(200, schema=NotificationView, description="replayed: the resend made under this key")
    def post(self, request, notification_id, idempotency_key):
        """Sends a finished message again (the same template version and content), to a corrected address
        if one is given. Answers 409 while the message is still being sent."""
        principal = current_principal()
        doc, new = service.resend(db(), notification_id, idempotency_key=scoped(principal.subject, idempotency_key),
                                  recipient=request.get("recipient"), requested_by=principal.subject)
        return created(doc, new, f"/notifications/{doc['_id']}")
