"""Ratings: the applicant rates their own dossier on the web, a counter officer records a paper form or a rating
device's answer; managers and the agencies read them."""

from __future__ import annotations

from flask.views import MethodView

from services.feedback.dossiers.service import by_code
from services.feedback.ratings import service
from services.feedback.ratings.schemas import (
    CriteriaView,
    RatingListArgs,
    RatingPage,
    RatingRequest,
    RatingStatusView,
    RatingView,
)
from services.feedback.storage import db
from shared.api.app import service_context
from shared.api.idempotency import IdempotencyKey, created
from shared.api.pagination import after, page
from shared.api.parsing import Blueprint
from shared.auth.policy import PUBLIC, applicant_owner, current_principal, officer, requires
from shared.auth.roles import OFFICER_ROLES, Role
from shared.clock import utc_now
from shared.domain import evaluation as ev
from shared.domain.idempotency import scoped

blp = Blueprint("ratings", __name__, description="Ratings of dossiers (Decree 61/2018 Art. 28–31)")


def _owner(dossier_code: str, **_) -> str | None:
    found = by_code(db(), dossier_code)
    if found is None:
        return None
    return found.get("owner_account_id") or ""  # a dossier without an account: no applicant rates it online


def _desk(dossier_code: str, **_) -> str | None:
    found = by_code(db(), dossier_code)
    return found["receiving_agency_code"] if found else None


def _agencies(dossier_code: str, **_) -> set[str] | None:
    found = by_code(db(), dossier_code)
    return {found["receiving_agency_code"], found["competent_agency_code"]} if found else None


@blp.route("/ratings/criteria")
class Criteria(MethodView):
    @requires(PUBLIC)
    @blp.response(200, CriteriaView)
    def get(self):
        """The questions of the rating form and their answers (Decree 61/2018 Art. 31(1); Circular 01/2018
        Art. 13 indicators they feed), and the channels a rating comes by."""
        return {"criteria": ev.CRITERIA, "channels": ev.RATING_CHANNELS}


@blp.route("/dossiers/<string:dossier_code>/rating")
class DossierRating(MethodView):
    @requires(applicant_owner(owner_of=_owner), officer(*OFFICER_ROLES, agency_of=_agencies),
              officer(Role.MANAGER, Role.ADMIN))
    @blp.response(200, RatingStatusView)
    def get(self, dossier_code):
        """Whether the dossier can be rated now (and why not), and its rating once it has one."""
        return service.status(db(), service_context().settings, dossier_code, utc_now())

    @requires(applicant_owner(owner_of=_owner), officer(Role.COUNTER_OFFICER, agency_of=_desk))
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(RatingRequest)
    @blp.response(201, RatingView)
    @blp.alt_response(200, schema=RatingView, description="replayed: the rating recorded under this key")
    @blp.alt_response(409, description="already rated, not returned yet, or the rating window has closed")
    def post(self, body, idempotency_key, dossier_code):
        """Rate the dossier, once, after its result was returned and within RATING_WINDOW_DAYS: the applicant on
        the web (their own dossier only), or a counter officer of the receiving desk recording a paper form or a
        rating device's answer (``channel``: paper or device)."""
        principal = current_principal()
        rating, new = service.record(db(), service_context().settings, principal, dossier_code, body,
                                     idempotency_key=scoped(principal.subject, idempotency_key))
        return created(rating, new, f"/dossiers/{dossier_code}/rating")


@blp.route("/ratings")
class Ratings(MethodView):
    @requires(officer(Role.MANAGER, Role.ADMIN, Role.AGENCY_HEAD))
    @blp.arguments(RatingListArgs, location="query")
    @blp.response(200, RatingPage)
    def get(self, args):
        """Ratings, newest first; an agency head sees their own agency's only."""
        principal = current_principal()
        agency = args.get("agency")
        if not principal.has_role(Role.MANAGER, Role.ADMIN):
            agency = principal.agency_code
        return page(service.listing(db(), agency=agency, satisfied=args.get("satisfied"), limit=args["limit"],
                                    after_values=after(args, 2)))
