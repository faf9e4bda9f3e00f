from __future__ import annotations

from flask.views import MethodView

from services.sync.mirrors import service
from services.sync.mirrors.schemas import BacklogView, MirrorView
from services.sync.storage import db
from shared.api.app import service_context
from shared.api.parsing import Blueprint
from shared.auth.policy import officer, requires
from shared.auth.roles import Role

blp = Blueprint("mirrors", __name__, description="Each dossier's synchronisation with the National Portal")

AGENCY_ROLES = (Role.COUNTER_OFFICER, Role.AGENCY_HEAD, Role.SPECIALIST, Role.CLERK, Role.MANAGER)


@blp.route("/dossiers/<string:dossier_id>/sync")
class DossierSync(MethodView):
    @requires(officer(*AGENCY_ROLES, agency_of=lambda dossier_id: service.agencies_of(db(), dossier_id)))
    @blp.response(200, MirrorView)
    def get(self, dossier_id):
        """What the National Public Service Portal holds of the dossier: the revision and steps it acknowledged,
        its status there, the last error and when it will be tried again."""
        return service.get(db(), service_context().settings, dossier_id)


@blp.route("/sync/backlog")
class Backlog(MethodView):
    @requires(officer(Role.ADMIN, Role.MANAGER))
    @blp.response(200, BacklogView)
    def get(self):
        """How many dossiers the portal holds in full, lacks something of, or refused."""
        return service.counts(db())
