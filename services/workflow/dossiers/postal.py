"""What the postal service reports about a result sent by post, recorded on the dossier (Decision 45/2016
Art. 9-10; Circular 17/2017 Art. 5(2)). The postal service acts here as a system principal; each report is
applied at most once (the consumer deduplicates by event id, and the lifecycle functions ignore a report
the dossier has already moved past)."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.workflow.dossiers import lifecycle
from services.workflow.dossiers.service import apply, context
from services.workflow.storage import DOSSIERS
from shared.auth.roles import PrincipalKind
from shared.auth.tokens import Principal
from shared.events import Event
from shared.storage.outbox import OUTBOX_FIELDS

POSTAL = Principal(subject="postal", kind=PrincipalKind.SERVICE, name="Bưu chính công ích")
RESULT_DELIVERY = "result_delivery"


def on_shipment(db: Database, settings, event: Event, payload: dict[str, Any]) -> None:
    if payload["direction"] != RESULT_DELIVERY:
        return  # a pickup reaches the workflow as the dossier filed by intake
    dossier = db[DOSSIERS].find_one({"_id": event.dossier_id}, {f: 0 for f in OUTBOX_FIELDS})
    if dossier is None:
        return
    ctx = context(db, settings, POSTAL)
    details = payload["details"]
    if event.type == "shipment.picked-up":
        apply(db, dossier, ctx, lifecycle.result_posted, tracking_code=payload["tracking_code"],
              accepted_at=payload["at"])
    elif event.type == "shipment.delivered":
        apply(db, dossier, ctx, lifecycle.result_delivered_by_post, delivered_at=details["delivered_at"],
              recipient=payload["applicant_name"])
    elif event.type in ("shipment.returned", "shipment.lost"):
        apply(db, dossier, ctx, lifecycle.result_back_from_post, attempts=details.get("attempts", 0),
              at=payload["at"], lost=event.type == "shipment.lost")


HANDLED = ("shipment.picked-up", "shipment.delivered", "shipment.returned", "shipment.lost")
