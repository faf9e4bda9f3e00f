from __future__ import annotations

from flask.views import MethodView

from services.intake.attachments import service as attachments
from services.intake.dossiers import service
from services.intake.dossiers.schemas import CounterSubmissionSchema, DossierSchema
from services.intake.storage import db
from shared.api.app import service_context
from shared.api.idempotency import IdempotencyKey, created
from shared.api.parsing import Blueprint
from shared.auth.policy import current_principal, officer, requires
from shared.auth.roles import Role

blp = Blueprint("counter", __name__, url_prefix="/counter", description="Filing at the one-stop counter")


@blp.route("/dossiers")
class CounterDossiers(MethodView):
    @requires(officer(Role.COUNTER_OFFICER))
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(CounterSubmissionSchema)
    @blp.response(201, DossierSchema)
    @blp.alt_response(200, schema=DossierSchema, description="replayed: the dossier filed under this key")
    def post(self, submission, idempotency_key):
        """Record a dossier handed in at this officer's counter (Decree 61/2018 Art. 16(1)); it gets its code
        at once, and the completeness decision (accept, supplement once, refuse) is made in the workflow."""
        settings = service_context().settings
        service.check_counter(current_principal(), submission)  # another agency's officer: 403 before the files
        submission["attachments"] = attachments.resolve(db(), current_principal(), submission["attachments"],
                                                        settings)
        dossier, new = service.file_at_counter(db(), settings, officer=current_principal(), submission=submission,
                                               idempotency_key=idempotency_key)
        return created(dossier, new, f"/dossiers/{dossier['_id']}")
