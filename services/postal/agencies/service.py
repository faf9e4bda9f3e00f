"""The agencies published by the workflow service, kept here for the agency's side of a shipment: its name
and address (sender of results, recipient of dossiers) and its province (reports)."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.postal.storage import AGENCIES
from shared.events import Event
from shared.storage.read_copy import keep_newest


def apply_agency(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {"name": payload["name"], "level": payload["level"], "province_code": payload["province_code"],
              "address": payload.get("address")}
    return keep_newest(db[AGENCIES], payload["code"], fields, revision=payload.get("revision", 0),
                       source_event_id=event.event_id)
