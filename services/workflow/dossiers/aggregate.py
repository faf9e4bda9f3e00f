"""The dossier as an aggregate: how every change to it is written (:mod:`shared.storage.aggregate`).

Derived once per write, whatever the command: what the dossier waits for and whom (the queue fields, copied to
the dossier's queue entry after the write: ``queues/entries.py``), whether
it is open, the next alerts it is owed (``watch.py``: what the scheduler's scan queries), the status history,
and the stamp of every form a command issued. The process log and the status
history are append-only. Every event about a dossier carries the same summary of it (``DossierEventV1``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.workflow import SERVICE
from services.workflow.dossiers.document import Dossier
from services.workflow.dossiers.model import ACTIVE
from services.workflow.dossiers.watch import set_next_alerts
from services.workflow.queues.entries import QUEUE_VIEW
from services.workflow.storage import DOSSIERS
from shared.domain.changes import Context
from shared.domain.statuses import FINAL, DossierStatus
from shared.events import Event, new_event
from shared.storage.aggregate import Aggregate
from shared.storage.documents import Declared

S = DossierStatus
WAITING_FOR_APPLICANT = "applicant"  # queue role of a dossier waiting for the applicant (papers, payment)

DECLARED = Declared(DOSSIERS, Dossier, "the workflow's dossiers: state, steps, deadlines, forms, process log")


class Dossiers(Aggregate):
    declared = DECLARED
    noun = "Hồ sơ"
    append_only = ("process_log", "status_history")
    views = (QUEUE_VIEW,)  # the queues read a slim entry per open dossier (queues/entries.py)

    def derive(self, before: dict[str, Any] | None, after: dict[str, Any], ctx: Context) -> None:
        set_queue(after)
        set_next_alerts(after)
        if before is not None and before["status"] != after["status"]:
            after["status_history"].append({"status": after["status"], "at": ctx.now, "by": ctx.actor.subject})
        issued_before = (before or {}).get("forms", {})
        for name, form in after["forms"].items():
            if issued_before.get(name) != form:  # issued (or issued again) by this command
                form.update(issued_at=ctx.now, by=ctx.actor.subject, by_name=ctx.actor.name)

    def event(self, d: dict[str, Any], version: int, name: str, details: dict[str, Any], ctx: Context) -> Event:
        payload = {
            "code": d["code"], "status": d["status"], "dossier_version": version, "at": ctx.now,
            "actor": ctx.actor.subject, "actor_name": ctx.actor.name,
            "procedure_code": d["procedure"]["code"], "procedure_name": d["procedure"]["name"],
            "receiving_agency_code": d["receiving_agency_code"], "competent_agency_code": d["competent_agency_code"],
            "receiving_agency_name": d.get("receiving_agency_name"),
            "competent_agency_name": d.get("competent_agency_name"),
            "owner_account_id": d["owner_account_id"], "applicant_name": d["applicant"]["full_name"],
            "contact": d["contact"], "rule_set": d["rule_set"], "appointment_due": d["appointment_due"],
            "result_return_method": d["result_return"]["method"], "details": details,
        }
        return new_event(f"dossier.{name}", d["_id"], payload, producer=SERVICE)


def set_queue(d: dict[str, Any]) -> None:
    """What the dossier waits for, and whom: the fields the queues filter and sort on."""
    status = DossierStatus(d["status"])
    active = [s for s in d["steps"] if s["state"] == ACTIVE]
    if status is S.SUBMITTED:
        reception = d["steps"][0]
        queue = (reception["agency"], reception["role"], None, reception["due_at"] or d["submitted_at"])
    elif status in FINAL:
        queue = (None, None, None, None)
    elif status in (S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT):
        queue = (d["receiving_agency_code"], WAITING_FOR_APPLICANT, None, d["appointment_due"])
    elif active:
        first = min(active, key=lambda s: s["due_at"] or datetime.max.replace(tzinfo=UTC))
        queue = (first["agency"], first["role"], first["assignee"], first["due_at"])
    else:
        queue = (None, None, None, None)
    d["queue_agency"], d["queue_role"], d["queue_assignee"], d["queue_due"] = queue
    d["open"] = status not in FINAL
