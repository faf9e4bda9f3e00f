"""What the postal service reports about a result sent by post, recorded on the dossier (Decision 45/2016
Art. 9-10; Circular 17/2017 Art. 5(2)). The postal service acts here as a system principal; each report is
applied at most once (the consumer deduplicates by event id, and the lifecycle commands ignore a report the
dossier has already moved past); a concurrent change by an officer is absorbed by running the command again."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.workflow.dossiers import lifecycle
from services.workflow.dossiers.service import execute_in_background
from services.workflow.storage import DOSSIERS
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.events import Event
from shared.events.postal_events import RESULT_DELIVERY

POSTAL = Principal(subject="postal", kind=PrincipalKind.SERVICE, name="Bưu chính công ích")

PICKED_UP, DELIVERED, RETURNED, LOST = "shipment.picked-up", "shipment.delivered", "shipment.returned", "shipment.lost"
HANDLED = (PICKED_UP, DELIVERED, RETURNED, LOST)


def on_shipment(db: Database, settings, event: Event, payload: dict[str, Any]) -> None:
    if payload["direction"] != RESULT_DELIVERY:
        return  # a pickup reaches the workflow as the dossier filed by intake
    if db[DOSSIERS].find_one({"_id": event.dossier_id}, {"_id": 1}) is None:
        return
    details = payload["details"]
    if event.type == PICKED_UP:
        execute_in_background(db, settings, event.dossier_id, POSTAL, lifecycle.result_posted,
                              tracking_code=payload["tracking_code"], accepted_at=payload["at"])
    elif event.type == DELIVERED:
        execute_in_background(db, settings, event.dossier_id, POSTAL, lifecycle.result_delivered_by_post,
                              delivered_at=details["delivered_at"], recipient=payload["applicant_name"])
    elif event.type in (RETURNED, LOST):
        execute_in_background(db, settings, event.dossier_id, POSTAL, lifecycle.result_back_from_post,
                              attempts=details.get("attempts", 0), at=payload["at"], lost=event.type == LOST)
