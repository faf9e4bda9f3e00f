"""Running a lifecycle command: load the dossier, let the domain function change a copy, then write the
changes, the new process-log lines and the events in one compare-and-set update (outbox). If anyone changed the
dossier in between — another officer, the scheduler — the write matches nothing and the command answers 409:
two officers acting on one dossier, one wins."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.workflow import SERVICE
from services.workflow.calendar.service import current_calendar
from services.workflow.dossiers import lifecycle
from services.workflow.dossiers.model import Context, Outcome
from services.workflow.storage import DOSSIERS, PROCEDURES
from shared.auth.roles import PrincipalKind
from shared.auth.tokens import Principal
from shared.bus.consumer import PermanentError
from shared.clock import utc_now
from shared.domain.errors import Conflict, NotFound
from shared.domain.statuses import DossierStatus
from shared.events import Event, new_event
from shared.storage.outbox import OUTBOX_FIELDS, Outbox

log = logging.getLogger(__name__)

SYSTEM = Principal(subject="system", kind=PrincipalKind.SERVICE, name="Hệ thống")
APPEND_ONLY = ("process_log", "status_history")
NOT_COPIED = (*APPEND_ONLY, "version", "updated_at", *OUTBOX_FIELDS)


def context(db: Database, settings, actor: Principal) -> Context:
    return Context(actor=actor, now=utc_now(), calendar=current_calendar(db, settings), settings=settings)


def get(db: Database, dossier_id: str) -> dict[str, Any]:
    dossier = db[DOSSIERS].find_one({"_id": dossier_id}, {f: 0 for f in OUTBOX_FIELDS})
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier


def explained(db: Database, settings, dossier: dict[str, Any]) -> dict[str, Any]:
    """The dossier with each started step's deadline explained (the appointment carries its own)."""
    calendar = current_calendar(db, settings)
    for step in dossier["steps"]:
        if step["started_at"] and step["kind"] != "return":
            step["due"] = lifecycle.step_deadline(step, calendar).to_document()
    return dossier


def on_submitted(db: Database, settings, event: Event, payload: dict[str, Any]) -> bool:
    """A filed dossier becomes the workflow's (status 1, waiting at the receiving desk), under the procedure
    version it was filed under. Idempotent: the dossier id is the key. Returns whether it was created."""
    if db[DOSSIERS].find_one({"_id": event.dossier_id}, {"_id": 1}):
        return False
    procedure = db[PROCEDURES].find_one({"_id": f"{payload['procedure_code']}@{payload['procedure_version']}"})
    if procedure is None or procedure["status"] != "published":
        raise PermanentError(f"procedure {payload['procedure_code']} v{payload['procedure_version']} is not "
                             f"published here")
    dossier = lifecycle.new_dossier(event.dossier_id, payload, procedure)
    ctx = context(db, settings, SYSTEM)
    lifecycle.open_reception(dossier, ctx)
    now = ctx.now
    dossier.update(
        version=1,
        created_at=now,
        updated_at=now,
        source_event_id=event.event_id,
        status_history=[{"status": DossierStatus.SUBMITTED.value, "at": payload["submitted_at"],
                         "by": payload["filed_by"]}],
        process_log=[{"at": payload["submitted_at"], "handler": payload["filed_by"], "handler_name": None,
                      "unit": payload["receiving_agency_code"], "action": "Nộp hồ sơ", "status": 1,
                      "step": None, "step_start": None, "step_due": None}],
    )
    try:
        Outbox(db[DOSSIERS]).insert(dossier, [])
    except DuplicateKeyError:
        return False
    return True


def execute(db: Database, settings, dossier_id: str, actor: Principal,
            command: Callable[..., Outcome], *, expected_version: int | None = None, **arguments: Any) -> dict:
    """Runs one lifecycle command on the dossier; returns the dossier as it is afterwards."""
    current = get(db, dossier_id)
    if expected_version is not None and expected_version != current["version"]:
        raise Conflict("Hồ sơ đã thay đổi kể từ khi anh/chị mở nó; vui lòng tải lại và thử lại.")
    return apply(db, current, context(db, settings, actor), command, **arguments)


def apply(db: Database, current: dict[str, Any], ctx: Context, command: Callable[..., Outcome],
          **arguments: Any) -> dict[str, Any]:
    working = copy.deepcopy(current)
    outcome = command(working, ctx, **arguments)
    changed = {k: v for k, v in working.items() if k not in NOT_COPIED and current.get(k) != v}
    if not (changed or outcome.log or outcome.events):
        return current  # nothing to record (a report the dossier has already moved past)
    push: dict[str, Any] = {}
    if outcome.log:
        push["process_log"] = {"$each": outcome.log}
    if working["status"] != current["status"]:
        push["status_history"] = {"$each": [{"status": working["status"], "at": ctx.now, "by": ctx.actor.subject}]}
    update: dict[str, Any] = {"$set": {**changed, "updated_at": ctx.now}, "$inc": {"version": 1}}
    if push:
        update["$push"] = push
    version = current["version"] + 1
    events = [_event(working, version, ctx, kind, details) for kind, details in outcome.events]
    result = Outbox(db[DOSSIERS]).update({"_id": current["_id"], "version": current["version"]}, update, events)
    if not result.modified_count:
        raise Conflict("Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thử lại.")
    return get(db, current["_id"])


def _event(d: dict[str, Any], version: int, ctx: Context, kind: str, details: dict[str, Any]) -> Event:
    payload = {
        "code": d["code"], "status": d["status"], "dossier_version": version, "at": ctx.now,
        "actor": ctx.actor.subject, "actor_name": ctx.actor.name,
        "procedure_code": d["procedure"]["code"], "procedure_name": d["procedure"]["name"],
        "receiving_agency_code": d["receiving_agency_code"], "competent_agency_code": d["competent_agency_code"],
        "owner_account_id": d["owner_account_id"], "applicant_name": d["applicant"]["full_name"],
        "contact": d["contact"], "rule_set": d["rule_set"], "appointment_due": d["appointment_due"],
        "result_return_method": d["result_return"]["method"], "details": details,
    }
    return new_event(f"dossier.{kind}", d["_id"], payload, producer=SERVICE)


def owner_of(db: Database, dossier_id: str) -> str | None:
    doc = db[DOSSIERS].find_one({"_id": dossier_id}, {"owner_account_id": 1})
    return doc.get("owner_account_id") if doc else None


def agencies_of(db: Database, dossier_id: str) -> set[str] | None:
    """Every agency that takes part: the desk, the competent agency, each step's unit, consulted units."""
    doc = db[DOSSIERS].find_one({"_id": dossier_id}, {"receiving_agency_code": 1, "competent_agency_code": 1,
                                                      "steps": 1, "consultations": 1})
    if doc is None:
        return None
    return ({doc["receiving_agency_code"], doc["competent_agency_code"]} | {s["agency"] for s in doc["steps"]}
            | {c["agency_code"] for c in doc.get("consultations", [])})
