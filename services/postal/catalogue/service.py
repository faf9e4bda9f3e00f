"""The agencies published by the workflow service, kept here for the agency's side of a shipment: its name
and address (sender of results, recipient of dossiers) and its province (reports)."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.postal.storage import AGENCIES
from shared.events import Event


def apply_agency(db: Database, event: Event, payload: dict[str, Any]) -> None:
    db[AGENCIES].replace_one({"_id": payload["code"]}, {
        "_id": payload["code"], "name": payload["name"], "province_code": payload["province_code"],
        "address": payload.get("address"), "source_event_id": event.event_id}, upsert=True)
