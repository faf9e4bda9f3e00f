"""Filing a dossier online, and reading dossiers back.

An online dossier is registered with status 1 "Mới đăng ký" and its dossier code at once; the one-stop
officer checks it afterwards and accepts, asks once for supplementation, or refuses (Decree 61/2018
Art. 17(2); Decree 118/2025 Art. 17(2)). Decree 45/2020 Art. 11 requires an automatic acknowledgement with
the official time of receipt, which the notify service sends on ``dossier.submitted``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from pymongo.database import Database

from services.intake import SERVICE
from services.intake.dossiers.codes import next_dossier_code, next_dossier_code_b
from services.intake.dossiers.document import DOSSIERS_DECLARED
from services.intake.procedures import service as procedures
from services.intake.storage import DOSSIERS
from shared.auth.principal import Principal
from shared.clock import utc_now, vn_date
from shared.domain.changes import Context
from shared.domain.channels import Channel
from shared.domain.errors import Forbidden, Rejected
from shared.domain.idempotency import scoped
from shared.domain.rulesets import rule_set_for
from shared.domain.statuses import DossierStatus
from shared.events import Event, new_event
from shared.storage import keyset
from shared.storage.aggregate import ANSWER, HIDDEN, Aggregate, Runner, context
from shared.storage.mongo import field_of

log = logging.getLogger(__name__)

SUBMITTED_FIELDS = ("code", "channel", "status", "procedure_code", "procedure_version", "procedure_name",
                    "receiving_agency_code", "competent_agency_code", "receiving_agency_name",
                    "competent_agency_name", "submitted_at", "rule_set", "owner_account_id",
                    "filed_by", "applicant", "submitter", "contact", "result_return", "attachments")


class Dossiers(Aggregate):
    """A filed dossier: created once with ``dossier.submitted``; what follows is the workflow's."""

    declared = DOSSIERS_DECLARED
    noun = "Hồ sơ"
    append_only = ("status_history",)

    def event(self, doc: dict[str, Any], version: int, name: str, details: dict[str, Any], ctx: Context) -> Event:
        return new_event(f"dossier.{name}", doc["_id"], {k: doc[k] for k in SUBMITTED_FIELDS}, producer=SERVICE)


DOSSIERS_AGGREGATE = Dossiers()

PUBLIC_FIELDS = {"code": 1, "status": 1, "procedure_code": 1, "procedure_name": 1, "receiving_agency_code": 1,
                 "submitted_at": 1, "appointment_due": 1}
OWNER_SORT = ["submitted_at", "_id"]


def submit_online(db: Database, settings, *, owner: Principal, submission: dict[str, Any],
                  idempotency_key: str | None = None, now: datetime | None = None) -> tuple[dict[str, Any], bool]:
    """Files a dossier online for its owner; returns it and whether it was created now (False when the same
    ``Idempotency-Key`` was already used by this owner: the first dossier is returned, nothing is written)."""
    return file_dossier(db, settings, channel=Channel.ONLINE, owner_account_id=owner.subject, filed_by=owner,
                        submission=submission, idempotency_key=idempotency_key, now=now)


def file_at_counter(db: Database, settings, *, officer: Principal, submission: dict[str, Any],
                    idempotency_key: str | None = None, now: datetime | None = None) -> tuple[dict[str, Any], bool]:
    """Records a dossier handed in at the one-stop counter by the applicant or an authorised person
    (Decree 61/2018 Art. 16(1), 17(1)); the officer's completeness decision follows in the workflow."""
    check_counter(officer, submission)
    return file_dossier(db, settings, channel=Channel.COUNTER, owner_account_id=None, filed_by=officer,
                        submission=submission, idempotency_key=idempotency_key, now=now)


def check_counter(officer: Principal, submission: dict[str, Any]) -> None:
    if submission["receiving_agency_code"] != officer.agency_code:
        raise Forbidden("Cán bộ chỉ tiếp nhận hồ sơ tại bộ phận một cửa của cơ quan mình.")


def file_dossier(db: Database, settings, *, channel: Channel, owner_account_id: str | None, filed_by: Principal,
                 submission: dict[str, Any], idempotency_key: str | None, now: datetime | None,
                 dossier_id: str | None = None, extra: dict[str, Any] | None = None) -> tuple[dict, bool]:
    """Files a dossier received ``now`` on ``channel``: the procedure version and rule set in force that day,
    its dossier code, status 1, and ``dossier.submitted`` (outbox). ``dossier_id`` keeps an id given earlier
    (a postal filing's); ``extra`` adds channel-specific fields (the paper documents of a postal dossier)."""
    key = scoped(filed_by.subject, idempotency_key)
    if key and (existing := db[DOSSIERS].find_one({"idempotency_key": key}, HIDDEN)):
        return existing, False

    now = now or utc_now()
    received_on = vn_date(now)
    rule_set = rule_set_for(received_on)
    filing = procedures.check_filing(db, submission, received_on, rule_set, channel)
    if filing.problems:
        raise Rejected("Không nộp được hồ sơ: vui lòng kiểm tra các trường được nêu.", {"json": filing.problems})
    procedure = filing.procedure

    dossier_id = dossier_id or str(uuid.uuid4())
    dossier = {
        "_id": dossier_id,
        "code": _code(db, filing, rule_set, now),
        "channel": channel.value,
        "status": DossierStatus.SUBMITTED.value,
        "procedure_code": procedure["code"],
        "procedure_version": procedure["version"],
        "procedure_name": procedure["name"],
        "receiving_agency_code": submission["receiving_agency_code"],
        "competent_agency_code": procedure["competent_agency_code"],
        "receiving_agency_name": filing.receiving.get("name"),
        "competent_agency_name": (filing.competent or {}).get("name"),
        "submitted_at": now,
        "rule_set": rule_set.id,
        "owner_account_id": owner_account_id,
        "filed_by": filed_by.subject,
        "applicant": submission["applicant"],
        "submitter": submission.get("submitter"),
        "contact": submission["contact"],
        "result_return": submission["result_return"],
        "attachments": submission["attachments"],
        "status_history": [{"status": DossierStatus.SUBMITTED.value, "at": now, "by": filed_by.subject}],
        "idempotency_key": key or f"{filed_by.subject}:{dossier_id}",
        **(extra or {}),
    }
    filed = Runner(db, DOSSIERS_AGGREGATE, settings, on_conflict=ANSWER).create(
        dossier, context(filed_by, now=now), [("submitted", {})])
    if filed is not None:
        return filed, True
    if key and (existing := db[DOSSIERS].find_one({"idempotency_key": key}, HIDDEN)):
        return existing, False  # a concurrent retry with the same key won the race
    if (existing := db[DOSSIERS].find_one({"_id": dossier_id}, HIDDEN)) is not None:
        return existing, False  # filed already under the id it was given
    raise RuntimeError(f"dossier {dossier_id} was neither filed nor found")


def _code(db: Database, filing: procedures.Filing, rule_set, now: datetime) -> str:
    procedure, processing = filing.procedure, filing.competent
    central = procedure.get("central_service")
    if central and rule_set.uses_code_format_b(vn_date(now)):
        if processing and processing.get("electronic_id"):
            return next_dossier_code_b(db, processing["electronic_id"], central["platform_code"], now)
        log.warning("central service %s: agency %s has no electronic identifier; dossier code in format A",
                    procedure["code"], procedure["competent_agency_code"])
    return next_dossier_code(db, filing.receiving["_id"], now)


def get(db: Database, dossier_id: str) -> dict[str, Any] | None:
    return db[DOSSIERS].find_one({"_id": dossier_id}, HIDDEN)


def owner_of(db: Database, dossier_id: str) -> str | None:
    return field_of(db[DOSSIERS], {"_id": dossier_id}, "owner_account_id")


def agency_of(db: Database, dossier_id: str) -> str | None:
    return field_of(db[DOSSIERS], {"_id": dossier_id}, "receiving_agency_code")


def list_for_owner(db: Database, owner: Principal, *, limit: int,
                   after_values: list[Any] | None) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """The owner's dossiers, newest first, one keyset page at a time."""
    return keyset.page(db[DOSSIERS], {"owner_account_id": owner.subject}, OWNER_SORT, limit=limit,
                       after_values=after_values, descending=True, projection=HIDDEN)


def lookup(db: Database, code: str) -> dict[str, Any] | None:
    return db[DOSSIERS].find_one({"code": code}, PUBLIC_FIELDS)
