"""What the feedback service knows of dossiers, from the intake's and the workflow's events: the newest state
of each (revision = the dossier's version in the workflow; the filing is revision 0), and when its result was
returned — a rating opens then."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.feedback.storage import DOSSIERS
from shared.domain.statuses import DossierStatus
from shared.events import Event
from shared.storage.read_copy import keep_newest


def on_submitted(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {"code": payload["code"], "status": payload["status"], "owner_account_id": payload["owner_account_id"],
              "receiving_agency_code": payload["receiving_agency_code"],
              "competent_agency_code": payload["competent_agency_code"], "procedure_code": payload["procedure_code"],
              "procedure_name": payload["procedure_name"], "applicant_name": payload["applicant"]["full_name"],
              "channel": payload["channel"]}
    return keep_newest(db[DOSSIERS], event.dossier_id, fields, revision=0, source_event_id=event.event_id)


def on_dossier_event(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {"code": payload["code"], "status": payload["status"], "owner_account_id": payload["owner_account_id"],
              "receiving_agency_code": payload["receiving_agency_code"],
              "competent_agency_code": payload["competent_agency_code"], "procedure_code": payload["procedure_code"],
              "procedure_name": payload["procedure_name"], "applicant_name": payload["applicant_name"]}
    if event.type == "dossier.result-returned":
        fields.update(returned_at=payload["at"], return_method=payload["details"]["method"])
    return keep_newest(db[DOSSIERS], event.dossier_id, fields, revision=payload["dossier_version"],
                       source_event_id=event.event_id)


def by_code(db: Database, code: str) -> dict[str, Any] | None:
    return db[DOSSIERS].find_one({"code": code})


def returned(dossier: dict[str, Any]) -> bool:
    return dossier["status"] == DossierStatus.RESULT_RETURNED and dossier.get("returned_at") is not None
