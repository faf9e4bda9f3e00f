"""Late handling: the scheduler finds work that is due soon or overdue, and announcements that move
deadlines.

It is safe to run on several replicas at once: every alert is recorded on the dossier in the same
compare-and-set write that carries its event, so whichever replica writes first emits it and the others'
writes match nothing (they skip the dossier and look again next round). An alert is raised once per due
moment: if the due moment moves (a new step, an extension), a new alert may follow.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from pymongo.database import Database

from services.workflow.dossiers import lifecycle
from services.workflow.dossiers.model import ACTIVE, Context, Outcome
from services.workflow.dossiers.service import SYSTEM, apply, context
from services.workflow.queues.service import due_bounds
from services.workflow.storage import DOSSIERS
from shared.clock import as_utc
from shared.domain.errors import Conflict
from shared.observability import metrics
from shared.storage.outbox import OUTBOX_FIELDS

log = logging.getLogger(__name__)


def due_alerts(d: dict[str, Any], ctx: Context, *, soon: datetime) -> Outcome:
    """The alerts this dossier needs now: the appointment, each running step, each unanswered consultation —
    due soon (within DUE_SOON_WORKING_HOURS office hours) or overdue. Each is raised once per due moment."""
    out = Outcome()
    alerts = d.setdefault("alerts", {})

    def raise_once(key: str, due: datetime, scope: str, **extra: Any) -> None:
        due = as_utc(due)
        kind = "overdue" if due < ctx.now else "due-soon" if due < soon else None
        if kind is None or alerts.get(f"{kind}:{key}") == due:
            return
        alerts[f"{kind}:{key}"] = due
        out.emit(kind, scope=scope, due_at=due, **extra)

    if d["open"] and d["appointment_due"] and d["status"] not in (9,):
        raise_once("dossier", d["appointment_due"], "dossier")
    for step in d["steps"]:
        if step["state"] == ACTIVE and step["due_at"] and step["kind"] != "return":
            raise_once(f"step:{step['code']}", step["due_at"], "step", step=step["code"], agency_code=step["agency"],
                       assignee=step["assignee"], step_name=step["name"])
    for consultation in d["consultations"]:
        if consultation["answered_at"] is None:
            raise_once(f"consultation:{consultation['id']}", consultation["due_at"], "consultation",
                       agency_code=consultation["agency_code"])
    return out


def scan(db: Database, settings) -> int:
    """One round: every open dossier whose appointment, step or consultation is near or past. Returns how
    many alerts were raised by this replica."""
    ctx = context(db, settings, SYSTEM)
    soon = due_bounds(ctx.now, ctx.calendar, settings)
    candidates = db[DOSSIERS].find({"open": True, "$or": [{"queue_due": {"$lt": soon}},
                                                         {"appointment_due": {"$lt": soon}},
                                                         {"consultations.answered_at": None,
                                                          "consultations.due_at": {"$lt": soon}}]},
                                   {f: 0 for f in OUTBOX_FIELDS})
    raised = 0
    for dossier in candidates:
        preview = due_alerts({**dossier, "alerts": dict(dossier.get("alerts", {}))}, ctx, soon=soon)
        if not preview.events:
            continue
        try:
            apply(db, dossier, ctx, due_alerts, soon=soon)
            raised += len(preview.events)
        except Conflict:
            log.info("dossier %s changed meanwhile (or another scheduler alerted); next round", dossier["code"])
    return raised


def recompute_open_dossiers(db: Database, settings, reason: str) -> int:
    """After a calendar change, recount the deadlines of every open dossier; returns how many appointments
    moved (each with a ``dossier.deadline-changed`` event so the applicant is told)."""
    ctx = context(db, settings, SYSTEM)
    moved = 0
    hidden = {f: 0 for f in OUTBOX_FIELDS}
    for dossier in db[DOSSIERS].find({"open": True, "clock.started_at": {"$ne": None}}, hidden):
        for _ in range(3):
            try:
                after = apply(db, dossier, ctx, _recompute, reason=reason)
                moved += after["appointment_due"] != dossier["appointment_due"]
                break
            except Conflict:  # an officer acted meanwhile: recount on the fresh state
                dossier = db[DOSSIERS].find_one({"_id": dossier["_id"]}, hidden)
    return moved


def _recompute(d: dict[str, Any], ctx: Context, *, reason: str) -> Outcome:
    out = Outcome()
    if lifecycle.recompute_deadlines(d, ctx, reason):
        history = d["deadline_history"][-1]
        out.emit("deadline-changed", reason=reason, old_due=history["old_due"], new_due=history["new_due"],
                 calendar_version=ctx.calendar.version)
    return out


def run(db: Database, settings, stop: threading.Event) -> None:
    log.info("scheduler started: every %ss", settings.scheduler_interval_seconds)
    while not stop.is_set():
        try:
            with metrics.loop_round("workflow", "alerts"):
                raised = scan(db, settings)
            if raised:
                log.info("raised %d due-soon/overdue alert(s)", raised)
        except Exception:
            log.exception("scheduler round failed; next round")
        stop.wait(settings.scheduler_interval_seconds)
