"""A rating: one per dossier (its ``_id`` is the dossier's), written once with its ``rating.recorded`` event."""

from __future__ import annotations

from services.feedback.storage import RATINGS
from shared.storage import documents as d
from shared.storage.documents import Declared


class Rating(d.Aggregate):
    dossier_code = d.Text(allow_none=False)
    procedure_code = d.Text(allow_none=False)
    procedure_name = d.Text()
    receiving_agency_code = d.Text(allow_none=False)
    competent_agency_code = d.Text(allow_none=False)
    channel = d.Text(allow_none=False)
    answers = d.Map(allow_none=False)
    satisfied = d.Bool(allow_none=False)
    comment = d.Text()
    rated_at = d.Moment(allow_none=False)
    recorded_by = d.Text(allow_none=False)
    recorded_by_name = d.Text()
    idempotency_key = d.Text(allow_none=False)


RATINGS_DECLARED = Declared(RATINGS, Rating, "applicants' ratings of their dossiers, one per dossier")
