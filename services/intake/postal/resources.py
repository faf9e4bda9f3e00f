from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.intake.postal import service
from services.intake.postal.schemas import PostalFilingRequest, PostalFilingView
from services.intake.storage import db
from shared.auth.policy import applicant, applicant_owner, current_principal, requires
from shared.domain.errors import NotFound

blp = Blueprint("postal_filings", __name__, url_prefix="/postal-filings",
                description="Sending a dossier by the public postal service")


@blp.route("")
class PostalFilings(MethodView):
    @requires(applicant())
    @blp.arguments(PostalFilingRequest)
    @blp.response(201, PostalFilingView)
    @blp.alt_response(200, schema=PostalFilingView, description="already requested under this Idempotency-Key")
    def post(self, body):
        """Asks the public postal service to collect the dossier and carry it to the agency (Decision 45/2016
        Art. 5-6). It is filed — dossier code, legal filing time — when it is handed over at the agency."""
        filing, new = service.request_pickup(db(), current_principal(), body,
                                             idempotency_key=request.headers.get("Idempotency-Key"))
        return filing, (201 if new else 200)


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
