"""The feedback scheduler: due-soon and overdue alerts on petitions, exactly as the workflow raises them on
dossiers (the same DUE_SOON_WORKING_HOURS, the same SCHEDULER_INTERVAL_SECONDS, one replica at a time behind a
lease). Each alert is recorded on the petition in the write that carries its event, so it is raised once per due
moment even if two schedulers ran at once."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from pymongo.database import Database

from services.feedback.petitions import rules
from services.feedback.petitions.service import SYSTEM, context_for, open_petitions, runner
from shared.calendar import TimeLimit, Unit, WorkingCalendar
from shared.runtime.loops import LEASES, Lease, Loop, Task

log = logging.getLogger(__name__)


def due_soon_bound(now: datetime, calendar: WorkingCalendar, settings) -> datetime:
    """The moment before which a due moment counts as 'due soon' (DUE_SOON_WORKING_HOURS of office time)."""
    return calendar.add(now, TimeLimit(settings.due_soon_working_hours, Unit.WORKING_HOURS), apply_cutoff=False).due


def scan(db: Database, settings) -> int:
    """One round over the open petitions; returns how many alerts were raised."""
    ctx = context_for(db, settings, SYSTEM)
    soon = due_soon_bound(ctx.now, ctx.calendar, settings)
    petitions = runner(db, settings, background=True)
    raised = 0
    for petition in open_petitions(db):
        preview = rules.due_alerts({**petition, "alerts": dict(petition.get("alerts", {}))}, ctx, soon=soon)
        if preview.events:
            _, change = petitions.run(petition["_id"], rules.due_alerts, ctx, soon=soon)
            raised += len(change.events)
    return raised


def loop(db: Database, settings) -> Loop:
    def alerts() -> int:
        raised = scan(db, settings)
        if raised:
            log.info("raised %d due-soon/overdue petition alert(s)", raised)
        return raised

    every = settings.scheduler_interval_seconds
    return Loop("feedback scheduler", [Task("petition due-soon and overdue alerts", "alerts", alerts, every,
                                            leader_only=True)],
                service="feedback", lease=Lease(db[LEASES], "feedback-alerts", ttl_seconds=max(30.0, 3 * every)))


def run(db: Database, settings, stop: threading.Event) -> None:
    loop(db, settings).run(stop)
