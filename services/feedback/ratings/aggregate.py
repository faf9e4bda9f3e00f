"""The rating as an aggregate: written once, with its event, by the aggregate runner."""

from __future__ import annotations

from typing import Any

from services.feedback import SERVICE
from services.feedback.ratings.document import RATINGS_DECLARED
from shared.domain.changes import Context
from shared.events import Event, new_event
from shared.storage.aggregate import Aggregate


class Ratings(Aggregate):
    declared = RATINGS_DECLARED
    noun = "Đánh giá"

    def event(self, doc: dict[str, Any], version: int, name: str, details: dict[str, Any], ctx: Context) -> Event:
        payload = {k: doc[k] for k in ("dossier_code", "procedure_code", "receiving_agency_code",
                                       "competent_agency_code", "channel", "answers", "satisfied", "comment",
                                       "recorded_by", "recorded_by_name")}
        payload["rated_at"] = doc["rated_at"]
        return new_event(f"rating.{name}", doc["_id"], payload, producer=SERVICE)
