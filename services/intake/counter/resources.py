from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.intake.attachments import service as attachments
from services.intake.dossiers import service
from services.intake.dossiers.schemas import CounterSubmissionSchema, DossierSchema
from services.intake.storage import db
from shared.api.app import service_context
from shared.auth.policy import current_principal, officer, requires
from shared.auth.roles import Role

blp = Blueprint("counter", __name__, url_prefix="/counter", description="Filing at the one-stop counter")


@blp.route("/dossiers")
class CounterDossiers(MethodView):
    @requires(officer(Role.COUNTER_OFFICER))
    @blp.arguments(CounterSubmissionSchema)
    @blp.response(201, DossierSchema)
    @blp.alt_response(200, schema=DossierSchema, description="Same Idempotency-Key: the dossier already filed")
    def post(self, submission):
        """Record a dossier handed in at this officer's counter (Decree 61/2018 Art. 16(1)); it gets its code
        at once, and the completeness decision (accept, supplement once, refuse) is made in the workflow."""
        service.check_counter(current_principal(), submission)  # another agency's officer: 403 before the files
        submission["attachments"] = attachments.resolve(db(), current_principal(), submission["attachments"],
                                                        service_context().settings)
        dossier, created = service.file_at_counter(db(), officer=current_principal(), submission=submission,
                                                   idempotency_key=request.headers.get("Idempotency-Key"))
        return dossier, 201 if created else 200, {"Location": f"/dossiers/{dossier['_id']}"}
