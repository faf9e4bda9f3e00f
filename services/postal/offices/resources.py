from __future__ import annotations

from flask.views import MethodView

from services.postal.shipments import service
from services.postal.shipments.schemas import ShipmentView, WorkArgs
from services.postal.storage import db
from shared.api.parsing import Blueprint
from shared.auth.policy import officer, requires
from shared.auth.roles import Role

blp = Blueprint("post_offices", __name__, url_prefix="/post-offices",
                description="The postal staff's work list, per post office")


@blp.route("/<string:post_office>/work")
class Work(MethodView):
    @requires(officer(Role.POSTAL_STAFF, agency_of=lambda post_office: post_office))
    @blp.arguments(WorkArgs, location="query")
    @blp.response(200, ShipmentView(many=True))
    def get(self, args, post_office):
        """Pickups and deliveries this post office has to do (requested, picked up, in transit, a failed
        attempt to repeat), the earliest due first."""
        return service.work_of(db(), post_office, args.get("direction"))
