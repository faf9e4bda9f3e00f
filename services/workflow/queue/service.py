"""Putting filed dossiers in their receiving agency's queue, and reading the queue."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.workflow.storage import DOSSIERS
from shared.clock import utc_now
from shared.events import Event
from shared.storage import keyset

QUEUE_SORT = ["submitted_at", "_id"]


def enqueue_submitted(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    """Records a filed dossier in the receiving agency's queue. Idempotent: the dossier id is the key and
    only the first delivery writes (``$setOnInsert``). Returns whether this call inserted it."""
    applicant = payload["applicant"]
    result = db[DOSSIERS].update_one(
        {"_id": event.dossier_id},
        {"$setOnInsert": {
            "code": payload["code"],
            "channel": payload["channel"],
            "status": payload["status"],
            "procedure_code": payload["procedure_code"],
            "receiving_agency_code": payload["receiving_agency_code"],
            "submitted_at": payload["submitted_at"],
            "rule_set": payload["rule_set"],
            "applicant_name": applicant["full_name"],
            "applicant_kind": applicant["kind"],
            "result_return_method": payload["result_return"]["method"],
            "queued_at": utc_now(),
            "source_event_id": event.event_id,
        }},
        upsert=True,
    )
    return result.upserted_id is not None


def agency_queue(db: Database, agency_code: str, *, status: int | None, limit: int,
                 after_values: list[Any] | None) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """One page of an agency's queue, oldest first (first come, first served at the desk)."""
    query: dict[str, Any] = {"receiving_agency_code": agency_code}
    if status is not None:
        query["status"] = status
    return keyset.page(db[DOSSIERS], query, QUEUE_SORT, limit=limit, after_values=after_values)
