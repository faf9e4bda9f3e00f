from __future__ import annotations

from flask.views import MethodView

from services.intake.postal_filings import service
from services.intake.postal_filings.schemas import PostalFilingRequest, PostalFilingView
from services.intake.storage import db
from shared.api.app import service_context
from shared.api.idempotency import IdempotencyKey, created
from shared.api.parsing import Blueprint
from shared.auth.policy import applicant, applicant_owner, current_principal, requires
from shared.domain.errors import NotFound

blp = Blueprint("postal_filings", __name__, url_prefix="/postal-filings",
                description="Sending a dossier by the public postal service")


@blp.route("")
class PostalFilings(MethodView):
    @requires(applicant())
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(PostalFilingRequest)
    @blp.response(201, PostalFilingView)
    @blp.alt_response(200, schema=PostalFilingView, description="replayed: the request made under this key")
    def post(self, body, idempotency_key):
        """Asks the public postal service to collect the dossier and carry it to the agency (Decision 45/2016
        Art. 5-6). It is filed — dossier code, legal filing time — when it is handed over at the agency."""
        filing, new = service.request_pickup(db(), service_context().settings, current_principal(), body,
                                             idempotency_key=idempotency_key)
        return created(filing, new, f"/postal-filings/{filing['_id']}")


@blp.route("/<string:filing_id>")
class PostalFiling(MethodView):
    @requires(applicant_owner(owner_of=lambda filing_id: service.owner_of(db(), filing_id)))
    @blp.response(200, PostalFilingView)
    def get(self, filing_id):
        """Where the dossier is: waiting for the postal staff, on its way (tracking code), filed (code)."""
        filing = service.get(db(), filing_id)
        if filing is None:
            raise NotFound("Không tìm thấy yêu cầu gửi hồ sơ qua bưu chính.")
        return filing
