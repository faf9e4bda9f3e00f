from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from services.workflow.dossiers.schemas import FinishedArgs, QueueArgs, QueuePageView
from services.workflow.dossiers.service import context_for
from services.workflow.queues import service
from services.workflow.storage import db
from shared.api.app import service_context
from shared.api.pagination import after, page
from shared.api.parsing import Blueprint
from shared.auth.policy import current_principal, officer, requires
from shared.auth.roles import OFFICER_ROLES

blp = Blueprint("queues", __name__, description="What each agency and each officer has to do")

OF_THE_AGENCY = officer(*OFFICER_ROLES, agency_of=lambda agency_code: agency_code)


def _bounds():
    ctx = context_for(db(), service_context().settings, current_principal())
    return ctx.now, service.due_bounds(ctx.now, ctx.calendar, ctx.settings)


@blp.route("/agencies/<string:agency_code>/queue")
class AgencyQueue(MethodView):
    @requires(OF_THE_AGENCY)
    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, QueuePageView)
    def get(self, args, agency_code):
        """Open dossiers waiting for this agency, the soonest due first; filter by status, procedure, role
        and due state (on_time, due_soon, late)."""
        now, soon = _bounds()
        return page(service.agency_queue(
            db(), agency_code, status=args.get("status"), procedure=args.get("procedure"), role=args.get("role"),
            due_state=args.get("due_state"), now=now, soon=soon, limit=args["limit"],
            after_values=after(args, 2)))


class QueueCountsView(Schema):
    total = fields.Integer()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "status code"})
    by_due_state = fields.Dict(keys=fields.String(), values=fields.Integer(),
                               metadata={"description": "late, due_soon, on_time"})


@blp.route("/agencies/<string:agency_code>/queue/counts")
class AgencyQueueCounts(MethodView):
    @requires(OF_THE_AGENCY)
    @blp.response(200, QueueCountsView)
    def get(self, agency_code):
        """How many open dossiers wait for the agency, by status and by due state."""
        now, soon = _bounds()
        return service.agency_counts(db(), agency_code, now=now, soon=soon)


@blp.route("/officers/me/queue")
class PersonalQueue(MethodView):
    @requires(officer(*OFFICER_ROLES))
    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, QueuePageView)
    def get(self, args):
        """Open dossiers assigned to the signed-in officer, the soonest due first."""
        now, soon = _bounds()
        return page(service.personal_queue(
            db(), current_principal().subject, due_state=args.get("due_state"), now=now, soon=soon,
            limit=args["limit"], after_values=after(args, 2)))


@blp.route("/agencies/<string:agency_code>/finished")
class Finished(MethodView):
    @requires(OF_THE_AGENCY)
    @blp.arguments(FinishedArgs, location="query")
    @blp.response(200, QueuePageView)
    def get(self, args, agency_code):
        """The agency's finished dossiers, latest first, by outcome (early, on_time, late)."""
        return page(service.finished(db(), agency_code, outcome=args.get("outcome"), limit=args["limit"],
                                      after_values=after(args, 2)))
