from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from services.intake.attachments import service as attachments
from services.intake.dossiers import service
from services.intake.dossiers.schemas import DossierPageSchema, DossierSchema, OnlineSubmissionSchema
from services.intake.storage import db
from shared.api.app import service_context
from shared.api.idempotency import IdempotencyKey, created
from shared.api.pagination import PageArgs, after, page
from shared.api.parsing import Blueprint
from shared.auth.policy import applicant, applicant_owner, current_principal, officer, requires
from shared.auth.roles import Role

blp = Blueprint("dossiers", __name__, url_prefix="/dossiers", description="Dossiers filed online")

OFFICERS_OF_THE_DOSSIER = officer(
    Role.COUNTER_OFFICER, Role.AGENCY_HEAD, Role.SPECIALIST, Role.MANAGER,
    agency_of=lambda dossier_id: service.agency_of(db(), dossier_id), hidden=True,
)


@blp.route("")
class Dossiers(MethodView):
    @requires(applicant())
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(OnlineSubmissionSchema)
    @blp.response(201, DossierSchema)
    @blp.alt_response(200, schema=DossierSchema, description="replayed: the dossier filed under this key")
    def post(self, submission, idempotency_key):
        """File a dossier online. It is registered at once with its dossier code and status 1
        (Mới đăng ký), and an acknowledgement is sent to the applicant's contact."""
        settings = service_context().settings
        submission["attachments"] = attachments.resolve(db(), current_principal(), submission["attachments"],
                                                        settings)
        dossier, new = service.submit_online(db(), settings, owner=current_principal(), submission=submission,
                                             idempotency_key=idempotency_key)
        return created(dossier, new, f"/dossiers/{dossier['_id']}")

    @requires(applicant())
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, DossierPageSchema)
    def get(self, args):
        """The signed-in applicant's dossiers, newest first."""
        return page(service.list_for_owner(db(), current_principal(), limit=args["limit"],
                                           after_values=after(args, 2)))


@blp.route("/<string:dossier_id>")
class DossierItem(MethodView):
    @requires(applicant_owner(owner_of=lambda dossier_id: service.owner_of(db(), dossier_id)),
              OFFICERS_OF_THE_DOSSIER)
    @blp.response(200, DossierSchema)
    def get(self, dossier_id):
        """One dossier, for its owner or an officer of the receiving agency."""
        dossier = service.get(db(), dossier_id)
        if dossier is None:
            abort(404, message="Không tìm thấy hồ sơ.")
        return dossier
