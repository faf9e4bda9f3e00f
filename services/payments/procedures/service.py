"""The fee lines of each published procedure version, kept from ``catalogue.procedure-published``: what a dossier
filed under that version owes at filing (domain.md §2.9)."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.payments.storage import PROCEDURES
from shared.events import Event
from shared.storage.read_copy import keep_newest


def apply_procedure(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {"code": payload["code"], "version": payload["version"], "name": payload["name"],
              "competent_agency_code": payload["competent_agency_code"], "fees": payload.get("fees") or []}
    return keep_newest(db[PROCEDURES], f"{payload['code']}@{payload['version']}", fields,
                       revision=payload.get("revision", 0), source_event_id=event.event_id)


def procedure_version(db: Database, code: str, version: int) -> dict[str, Any] | None:
    return db[PROCEDURES].find_one({"_id": f"{code}@{version}"})
