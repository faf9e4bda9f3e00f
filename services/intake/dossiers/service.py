"""Filing a dossier online, and reading dossiers back.

An online dossier is registered with status 1 "Mới đăng ký" and its dossier code at once; the one-stop
officer checks it afterwards and accepts, asks once for supplementation, or refuses (Decree 61/2018
Art. 17(2); Decree 118/2025 Art. 17(2)). Decree 45/2020 Art. 11 requires an automatic acknowledgement with
the official time of receipt, which the notify service sends on ``dossier.submitted``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.intake import SERVICE
from services.intake.dossiers.codes import next_dossier_code
from services.intake.storage import DOSSIERS
from shared.auth.tokens import Principal
from shared.clock import utc_now, vn_date
from shared.domain.channels import Channel
from shared.domain.rulesets import rule_set_for
from shared.domain.statuses import DossierStatus
from shared.events import new_event
from shared.storage import keyset
from shared.storage.mongo import field_of
from shared.storage.outbox import Outbox

PUBLIC_FIELDS = {"code": 1, "status": 1, "procedure_code": 1, "receiving_agency_code": 1, "submitted_at": 1}
OWNER_SORT = ["submitted_at", "_id"]


def submit_online(
    db: Database,
    *,
    owner: Principal,
    submission: dict[str, Any],
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    """Registers an online dossier; returns it and whether it was created now (False when the same
    ``Idempotency-Key`` was already used by this owner: the first dossier is returned, nothing is written)."""
    key = f"{owner.subject}:{idempotency_key}" if idempotency_key else None
    if key and (existing := db[DOSSIERS].find_one({"idempotency_key": key})):
        return existing, False

    now = now or utc_now()
    dossier_id = str(uuid.uuid4())
    code = next_dossier_code(db, submission["receiving_agency_code"], now)
    dossier = {
        "_id": dossier_id,
        "code": code,
        "channel": Channel.ONLINE.value,
        "status": DossierStatus.SUBMITTED.value,
        "procedure_code": submission["procedure_code"],
        "receiving_agency_code": submission["receiving_agency_code"],
        "submitted_at": now,
        "rule_set": rule_set_for(vn_date(now)).id,
        "owner_account_id": owner.subject,
        "applicant": submission["applicant"],
        "contact": submission["contact"],
        "result_return": submission["result_return"],
        "attachments": submission["attachments"],
        "status_history": [{"status": DossierStatus.SUBMITTED.value, "at": now, "by": owner.subject}],
        "idempotency_key": key or f"{owner.subject}:{dossier_id}",
        "version": 1,
    }
    event = new_event("dossier.submitted", dossier_id, _submitted_payload(dossier), producer=SERVICE)
    try:
        Outbox(db[DOSSIERS]).insert(dossier, [event])
    except DuplicateKeyError:
        if key and (existing := db[DOSSIERS].find_one({"idempotency_key": key})):
            return existing, False  # a concurrent retry with the same key won the race
        raise
    return dossier, True


def _submitted_payload(dossier: dict[str, Any]) -> dict[str, Any]:
    fields = ("code", "channel", "status", "procedure_code", "receiving_agency_code", "submitted_at", "rule_set",
              "owner_account_id", "applicant", "contact", "result_return", "attachments")
    return {name: dossier[name] for name in fields}


def get(db: Database, dossier_id: str) -> dict[str, Any] | None:
    return db[DOSSIERS].find_one({"_id": dossier_id}, {"outbox": 0})


def owner_of(db: Database, dossier_id: str) -> str | None:
    return field_of(db[DOSSIERS], {"_id": dossier_id}, "owner_account_id")


def agency_of(db: Database, dossier_id: str) -> str | None:
    return field_of(db[DOSSIERS], {"_id": dossier_id}, "receiving_agency_code")


def list_for_owner(db: Database, owner: Principal, *, limit: int,
                   after_values: list[Any] | None) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """The owner's dossiers, newest first, one keyset page at a time."""
    return keyset.page(db[DOSSIERS], {"owner_account_id": owner.subject}, OWNER_SORT, limit=limit,
                       after_values=after_values, descending=True, projection={"outbox": 0})


def lookup(db: Database, code: str) -> dict[str, Any] | None:
    return db[DOSSIERS].find_one({"code": code}, PUBLIC_FIELDS)
