"""Late handling: the scheduler finds work that is due soon or overdue, and announcements that move deadlines.

Every alert is recorded on the dossier in the same compare-and-set write that carries its event, so it is raised
once per due moment even if two schedulers ran at once; the scan itself runs on one replica at a time (the
loop's lease). If the due moment moves (a new step, an extension), a new alert may follow.

A round reads only the dossiers still owed an alert: every write derives the earliest due moments not yet
alerted (``watch.py``), indexed, so the late backlog already alerted costs nothing however large it grows.

The same loop runs the queue entries' reconcile sweep (``queues/entries.py``, ``shared/storage/views.py``).
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import threading
from datetime import datetime
from typing import Any

from pymongo.database import Database

from services.workflow.dossiers.lifecycle.deadlines import calendar_changed, recompute_deadlines
from services.workflow.dossiers.model import ACTIVE
from services.workflow.dossiers.service import SYSTEM, context_for, runner
from services.workflow.dossiers.watch import DUE_SOON_ALERT, NEXT_OVERDUE, OVERDUE, owed_query, raised, watched
from services.workflow.queues.entries import QUEUE_VIEW
from services.workflow.queues.service import due_bounds
from services.workflow.storage import DOSSIERS
from shared.calendar import Announcement
from shared.clock import as_utc, utc_now
from shared.domain.changes import Change, Context
from shared.runtime.loops import LEASES, Lease, Loop, Task
from shared.storage.aggregate import HIDDEN, housekeeping

log = logging.getLogger(__name__)

RECOUNTED = {"open": True, "clock.started_at": {"$ne": None}}  # the dossiers a calendar change recounts
PREVIEW_LIMIT = 500
BACKFILL = 200                # dossiers a round of derive_missing_next_alerts writes
BACKFILL_EVERY = 3600.0       # seconds between its rounds once caught up (it drains a backlog at once)
RECONCILE_EVERY = 900.0       # seconds between sweeps of the queue entries (a stopped writer leaves one behind)


@housekeeping
def due_alerts(d: dict[str, Any], ctx: Context, *, soon: datetime) -> Change:
    """The alerts this dossier needs now: the appointment, each running step, each unanswered consultation —
    due soon (within DUE_SOON_WORKING_HOURS office hours) or overdue. Each is raised once per due moment."""
    change = Change()
    alerts = d.setdefault("alerts", {})
    for key, due, scope, extra in watched(d):
        kind = OVERDUE if due < ctx.now else DUE_SOON_ALERT if due < soon else None
        if kind is None or raised(alerts, kind, key, due):
            continue
        alerts[f"{kind}:{key}"] = due
        change.emit(kind, scope=scope, due_at=due, **extra)
    return change


def scan(db: Database, settings) -> int:
    """One round: the open dossiers with an alert owed now, found by their derived ``next_due_soon_at`` /
    ``next_overdue_at`` (``watch.py``), so a round reads only the dossiers it alerts — never the late backlog
    already alerted. Returns how many alerts were raised by this scheduler."""
    ctx = context_for(db, settings, SYSTEM)
    soon = due_bounds(ctx.now, ctx.calendar, settings)
    dossiers = runner(db, settings, background=True)
    raised_here = 0
    for dossier in db[DOSSIERS].find(owed_query(ctx.now, soon), HIDDEN):
        preview = due_alerts({**dossier, "alerts": dict(dossier.get("alerts", {}))}, ctx, soon=soon)
        if preview.events:
            _, change = dossiers.run(dossier["_id"], due_alerts, ctx, soon=soon)
            raised_here += len(change.events)
    return raised_here


@housekeeping
def _derive_only(d: dict[str, Any], ctx: Context) -> Change:
    """No change of its own: the write derives the fields (``Dossiers.derive``)."""
    return Change()


def derive_missing_next_alerts(db: Database, settings) -> int:
    """Open dossiers written before the scan read ``next_overdue_at`` get it (and the rest of the derived
    fields) by a write that changes nothing else, a batch per round; afterwards this finds none."""
    ctx = context_for(db, settings, SYSTEM)
    dossiers = runner(db, settings, background=True)
    missing = list(db[DOSSIERS].find({"open": True, NEXT_OVERDUE: {"$exists": False}}, {"_id": 1}).limit(BACKFILL))
    for dossier in missing:
        dossiers.run(dossier["_id"], _derive_only, ctx)
    return len(missing)


def recompute_open_dossiers(db: Database, settings, reason: str) -> int:
    """After a calendar change, recount the deadlines of every open dossier; returns how many appointments
    moved (each with a ``dossier.deadline-changed`` event so the applicant is told)."""
    ctx = context_for(db, settings, SYSTEM)
    dossiers = runner(db, settings, background=True)
    moved = 0
    for dossier in db[DOSSIERS].find(RECOUNTED, {"_id": 1}):
        _, change = dossiers.run(dossier["_id"], calendar_changed, ctx, reason=reason)
        moved += bool(change.events)
    return moved


def preview_calendar_change(db: Database, settings, announcement: Announcement) -> dict[str, Any]:
    """What publishing ``announcement`` would move, before it is saved: the open dossiers whose appointment or
    running step's due moment would change, each old and new. The same dossiers as
    :func:`recompute_open_dossiers`, counted by the same arithmetic (``deadlines.recompute_deadlines``) on a copy
    of each dossier, with the calendar as it would be. Nothing is written."""
    ctx = context_for(db, settings, SYSTEM)
    future = dataclasses.replace(ctx, calendar=ctx.calendar.with_announcement(announcement))
    moved: list[dict[str, Any]] = []
    for dossier in db[DOSSIERS].find(RECOUNTED, HIDDEN):
        after = copy.deepcopy(dossier)
        recompute_deadlines(after, future, reason="")
        changes = []
        if _moment(after["appointment_due"]) != _moment(dossier["appointment_due"]):
            changes.append({"scope": "appointment", "name": "Hẹn trả kết quả", "old_due": dossier["appointment_due"],
                            "new_due": after["appointment_due"]})
        for old, new in zip(dossier["steps"], after["steps"], strict=True):
            if old["state"] == ACTIVE and _moment(old["due_at"]) != _moment(new["due_at"]):
                changes.append({"scope": "step", "name": old["name"], "agency_code": old["agency"],
                                "old_due": old["due_at"], "new_due": new["due_at"]})
        if changes:
            moved.append({"_id": dossier["_id"], "code": dossier["code"], "status": dossier["status"],
                          "procedure_name": dossier["procedure"]["name"],
                          "receiving_agency_code": dossier["receiving_agency_code"], "changes": changes})
    moved.sort(key=lambda m: min(as_utc(c["old_due"]) for c in m["changes"]))
    return {"calendar_version": future.calendar.version, "total": len(moved), "dossiers": moved[:PREVIEW_LIMIT]}


def _moment(value: datetime | None) -> datetime | None:
    return as_utc(value) if value else None


def loop(db: Database, settings) -> Loop:
    def alerts() -> int:
        raised = scan(db, settings)
        if raised:
            log.info("raised %d due-soon/overdue alert(s)", raised)
        return raised

    every = settings.scheduler_interval_seconds
    return Loop("workflow scheduler", [
        Task("derive the next alerts of dossiers written before them", "derive-alerts",
             lambda: derive_missing_next_alerts(db, settings), BACKFILL_EVERY, draining=True, leader_only=True),
        Task("due-soon and overdue alerts", "alerts", alerts, every, leader_only=True),
        Task("queue entries missing or behind their dossiers", "queue-reconcile",
             lambda: QUEUE_VIEW.reconcile(db, DOSSIERS, utc_now()), RECONCILE_EVERY, leader_only=True)],
                service="workflow", lease=Lease(db[LEASES], "workflow-alerts", ttl_seconds=max(30.0, 3 * every)))


def run(db: Database, settings, stop: threading.Event) -> None:
    loop(db, settings).run(stop)
