from __future__ import annotations

from flask.views import MethodView

from services.notify.inbox import service
from services.notify.inbox.schemas import InboxArgs, InboxItemView, InboxPageView, ReadAllView
from services.notify.storage import db
from shared.api.pagination import after, page
from shared.api.parsing import Blueprint
from shared.auth.policy import applicant, current_principal, officer, requires
from shared.auth.roles import OFFICER_ROLES

blp = Blueprint("inbox", __name__, url_prefix="/inbox",
                description="The in-app inbox of the signed-in person (citizen portal, officer console)")

ANYONE_SIGNED_IN = (applicant(), officer(*OFFICER_ROLES))


@blp.route("")
class Inbox(MethodView):
    @requires(*ANYONE_SIGNED_IN)
    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, InboxPageView)
    def get(self, args):
        """My messages, newest first (officers also see those addressed to their agency)."""
        principal = current_principal()
        return page(service.inbox(db(), principal, unread_only=args["unread"], limit=args["limit"],
                                  after_values=after(args, 2)), unread=service.unread_count(db(), principal))


@blp.route("/<string:notification_id>/read")
class MarkRead(MethodView):
    @requires(*ANYONE_SIGNED_IN)
    @blp.response(200, InboxItemView)
    def post(self, notification_id):
        """Marks one message read (for me only)."""
        return service.mark_read(db(), current_principal(), notification_id)


@blp.route("/read-all")
class MarkAllRead(MethodView):
    @requires(*ANYONE_SIGNED_IN)
    @blp.response(200, ReadAllView)
    def post(self):
        """Marks every message of my inbox read."""
        return {"marked": service.mark_all_read(db(), current_principal())}
