"""Planning and reading shipments."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.postal.shipments import statuses
from services.postal.storage import SHIPMENTS
from shared.clock import utc_now
from shared.domain.channels import ResultReturnMethod
from shared.events import Event
from shared.storage.mongo import field_of


def plan_result_delivery(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    """When the applicant chose to receive the result by post (Decision 45/2016 Art. 5, Art. 9), records that
    a result shipment will be needed, addressed as the applicant asked. Idempotent: one planned delivery per
    dossier, keyed by dossier id and direction. Returns whether a delivery was planned by this call."""
    choice = payload["result_return"]
    if choice["method"] != ResultReturnMethod.POST:
        return False
    now = utc_now()
    result = db[SHIPMENTS].update_one(
        {"_id": f"{event.dossier_id}:{statuses.RESULT_DELIVERY}"},
        {"$setOnInsert": {
            "dossier_id": event.dossier_id,
            "dossier_code": payload["code"],
            "procedure_code": payload["procedure_code"],
            "agency_code": payload["receiving_agency_code"],
            "owner_account_id": payload["owner_account_id"],
            "direction": statuses.RESULT_DELIVERY,
            "status": statuses.AWAITING_RESULT,
            "recipient": {
                "name": choice.get("recipient_name") or payload["applicant"]["full_name"],
                "phone": choice["recipient_phone"],
                "address": choice["address"],
            },
            "history": [{"status": statuses.AWAITING_RESULT, "at": now, "source_event_id": event.event_id}],
            "created_at": now,
        }},
        upsert=True,
    )
    return result.upserted_id is not None


def for_dossier(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    return list(db[SHIPMENTS].find({"dossier_id": dossier_id}).sort("created_at", 1))


def dossier_owner(db: Database, dossier_id: str) -> str | None:
    return field_of(db[SHIPMENTS], {"dossier_id": dossier_id}, "owner_account_id")


def dossier_agency(db: Database, dossier_id: str) -> str | None:
    return field_of(db[SHIPMENTS], {"dossier_id": dossier_id}, "agency_code")
