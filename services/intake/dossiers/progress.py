"""Where a dossier stands, from the workflow's events: intake shows it to the applicant and the public
(lookup) without reading the workflow's database."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.intake.storage import DOSSIERS
from shared.events import Event


def apply_progress(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    """Applies the status and appointment carried by a workflow event, if it is newer than what intake has
    (``dossier_version`` grows with every change, so a duplicate or an older replay changes nothing)."""
    version = payload["dossier_version"]
    result = db[DOSSIERS].update_one(
        {"_id": event.dossier_id, "$or": [{"workflow_version": None}, {"workflow_version": {"$lt": version}}]},
        {"$set": {"status": payload["status"], "appointment_due": payload.get("appointment_due"),
                  "workflow_version": version, "progress_at": payload["at"]},
         "$push": {"progress": {"event": event.type, "status": payload["status"], "at": payload["at"]}}},
    )
    return bool(result.modified_count)


def apply_national_sync(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    """The National Public Service Portal holds the dossier (and, once received, its reception date): the
    applicant can follow it there too (domain.md §5.3). Newest revision only."""
    revision = payload["revision"]
    result = db[DOSSIERS].update_one(
        {"_id": event.dossier_id, "$or": [{"national_portal": None}, {"national_portal.revision": {"$lt": revision}}]},
        {"$set": {"national_portal": {"synchronised_at": payload["at"], "revision": revision,
                                      "status": payload["status"], "received_at": payload.get("received_at")}}},
    )
    return bool(result.modified_count)

