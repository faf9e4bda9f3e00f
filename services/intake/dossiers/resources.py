from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from services.intake.attachments import service as attachments
from services.intake.dossiers import service
from services.intake.dossiers.schemas import DossierPageSchema, DossierSchema, OnlineSubmissionSchema, PageArgsSchema
from services.intake.storage import db
from shared.api.app import service_context
from shared.api.pagination import decode_cursor, encode_cursor
from shared.auth.policy import applicant, applicant_owner, current_principal, officer, requires
from shared.auth.roles import Role

blp = Blueprint("dossiers", __name__, url_prefix="/dossiers", description="Dossiers filed online")

OFFICERS_OF_THE_DOSSIER = officer(
    Role.COUNTER_OFFICER, Role.AGENCY_HEAD, Role.SPECIALIST, Role.MANAGER,
    agency_of=lambda dossier_id: service.agency_of(db(), dossier_id),
)


@blp.route("")
class Dossiers(MethodView):
    @requires(applicant())
    @blp.arguments(OnlineSubmissionSchema)
    @blp.response(201, DossierSchema)
    @blp.alt_response(200, schema=DossierSchema, description="Same Idempotency-Key as an earlier submission: "
                                                              "that dossier, nothing new is filed")
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                          "schema": {"type": "string", "maxLength": 100},
                          "description": "retry-safe submission: the same key files one dossier only"}])
    def post(self, submission):
        """File a dossier online. It is registered at once with its dossier code and status 1
        (Mới đăng ký), and an acknowledgement is sent to the applicant's contact."""
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 100:
            abort(422, errors={"headers": {"Idempotency-Key": ["Độ dài từ 1 đến 100 ký tự."]}})
        submission["attachments"] = attachments.resolve(db(), current_principal(), submission["attachments"],
                                                        service_context().settings)
        dossier, created = service.submit_online(db(), owner=current_principal(), submission=submission,
                                                 idempotency_key=key)
        return dossier, 201 if created else 200, {"Location": f"/dossiers/{dossier['_id']}"}

    @requires(applicant())
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, DossierPageSchema)
    def get(self, args):
        """The signed-in applicant's dossiers, newest first."""
        items, last = service.list_for_owner(db(), current_principal(), limit=args["limit"],
                                             after_values=decode_cursor(args.get("cursor"), 2))
        return {"items": items, "next_cursor": encode_cursor(last)}


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
