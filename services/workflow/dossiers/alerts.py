"""Late handling: the scheduler finds work that is due soon or overdue, and announcements that move deadlines.

Every alert is recorded on the dossier in the same compare-and-set write that carries its event, so it is raised
once per due moment even if two schedulers ran at once; the scan itself runs on one replica at a time (the
loop's lease). If the due moment moves (a new step, an extension), a new alert may follow.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from pymongo.database import Database

from services.workflow.dossiers.lifecycle.deadlines import calendar_changed
from services.workflow.dossiers.model import ACTIVE, RETURN
from services.workflow.dossiers.service import SYSTEM, context_for, runner
from services.workflow.queues.service import due_bounds
from services.workflow.storage import DOSSIERS
from shared.clock import as_utc
from shared.domain.changes import Change, Context
from shared.domain.statuses import DossierStatus
from shared.runtime.loops import LEASES, Lease, Loop, Task
from shared.storage.aggregate import HIDDEN

log = logging.getLogger(__name__)

OVERDUE, DUE_SOON_ALERT = "overdue", "due-soon"


def due_alerts(d: dict[str, Any], ctx: Context, *, soon: datetime) -> Change:
    """The alerts this dossier needs now: the appointment, each running step, each unanswered consultation —
    due soon (within DUE_SOON_WORKING_HOURS office hours) or overdue. Each is raised once per due moment."""
    change = Change()
    alerts = d.setdefault("alerts", {})

    def raise_once(key: str, due: datetime, scope: str, **extra: Any) -> None:
        due = as_utc(due)
        kind = OVERDUE if due < ctx.now else DUE_SOON_ALERT if due < soon else None
        if kind is None or alerts.get(f"{kind}:{key}") == due:
            return
        alerts[f"{kind}:{key}"] = due
        change.emit(kind, scope=scope, due_at=due, **extra)

    if d["open"] and d["appointment_due"] and d["status"] != DossierStatus.RESULT_READY:
        raise_once("dossier", d["appointment_due"], "dossier")
    for step in d["steps"]:
        if step["state"] == ACTIVE and step["due_at"] and step["kind"] != RETURN:
            raise_once(f"step:{step['code']}", step["due_at"], "step", step=step["code"], agency_code=step["agency"],
                       assignee=step["assignee"], step_name=step["name"])
    for consultation in d["consultations"]:
        if consultation["answered_at"] is None:
            raise_once(f"consultation:{consultation['id']}", consultation["due_at"], "consultation",
                       agency_code=consultation["agency_code"])
    return change


def scan(db: Database, settings) -> int:
    """One round: every open dossier whose appointment, step or consultation is near or past. Returns how
    many alerts were raised by this scheduler."""
    ctx = context_for(db, settings, SYSTEM)
    soon = due_bounds(ctx.now, ctx.calendar, settings)
    dossiers = runner(db, settings, background=True)
    candidates = db[DOSSIERS].find({"open": True, "$or": [{"queue_due": {"$lt": soon}},
                                                         {"appointment_due": {"$lt": soon}},
                                                         {"consultations.answered_at": None,
                                                          "consultations.due_at": {"$lt": soon}}]}, HIDDEN)
    raised = 0
    for dossier in candidates:
        preview = due_alerts({**dossier, "alerts": dict(dossier.get("alerts", {}))}, ctx, soon=soon)
        if preview.events:
            _, change = dossiers.run(dossier["_id"], due_alerts, ctx, soon=soon)
            raised += len(change.events)
    return raised


def recompute_open_dossiers(db: Database, settings, reason: str) -> int:
    """After a calendar change, recount the deadlines of every open dossier; returns how many appointments
    moved (each with a ``dossier.deadline-changed`` event so the applicant is told)."""
    ctx = context_for(db, settings, SYSTEM)
    dossiers = runner(db, settings, background=True)
    moved = 0
    for dossier in db[DOSSIERS].find({"open": True, "clock.started_at": {"$ne": None}}, {"_id": 1}):
        _, change = dossiers.run(dossier["_id"], calendar_changed, ctx, reason=reason)
        moved += bool(change.events)
    return moved


def loop(db: Database, settings) -> Loop:
    def alerts() -> int:
        raised = scan(db, settings)
        if raised:
            log.info("raised %d due-soon/overdue alert(s)", raised)
        return raised

    every = settings.scheduler_interval_seconds
    return Loop("workflow scheduler", [Task("due-soon and overdue alerts", "alerts", alerts, every, leader_only=True)],
                service="workflow", lease=Lease(db[LEASES], "workflow-alerts", ttl_seconds=max(30.0, 3 * every)))


def run(db: Database, settings, stop: threading.Event) -> None:
    loop(db, settings).run(stop)
