from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.workflow.queue import service
from services.workflow.queue.schemas import QueueArgsSchema, QueuePageSchema
from services.workflow.storage import db
from shared.api.pagination import decode_cursor, encode_cursor
from shared.auth.policy import officer, requires
from shared.auth.roles import Role

blp = Blueprint("queue", __name__, url_prefix="/agencies", description="Agency queues")


@blp.route("/<string:agency_code>/queue")
class AgencyQueue(MethodView):
    @requires(officer(Role.COUNTER_OFFICER, Role.AGENCY_HEAD, Role.SPECIALIST, Role.MANAGER,
                      agency_of=lambda agency_code: agency_code))
    @blp.arguments(QueueArgsSchema, location="query")
    @blp.response(200, QueuePageSchema)
    def get(self, args, agency_code):
        """The agency's dossiers, oldest first, for officers of that agency."""
        items, last = service.agency_queue(db(), agency_code, status=args.get("status"), limit=args["limit"],
                                           after_values=decode_cursor(args.get("cursor"), 2))
        return {"agency_code": agency_code, "items": items, "next_cursor": encode_cursor(last)}
