"""Queues: open dossiers waiting for an agency (or a person), sorted by the due moment of what they wait
for, one keyset page at a time, read from the dossiers' slim queue entries (``entries.py``; indexes:
storage.ensure_indexes), and an agency's finished dossiers by outcome (early, on time, late)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.database import Database

from services.workflow.dossiers.model import DUE_SOON, EARLY, LATE, ON_TIME, due_state_at
from services.workflow.queues.entries import QUEUE, row
from services.workflow.storage import DOSSIERS
from shared.calendar import TimeLimit, Unit, WorkingCalendar
from shared.storage import keyset

QUEUE_SORT = ["queue_due", "_id"]
FINISHED_SORT = ["updated_at", "_id"]
FINISHED_FIELDS = {"code": 1, "status": 1, "channel": 1, "procedure.code": 1, "procedure.name": 1,
                   "applicant.full_name": 1, "appointment_due": 1, "submitted_at": 1, "counts_as_late": 1,
                   "result.outcome": 1, "updated_at": 1, "version": 1}  # what ``row`` reads


def due_bounds(now: datetime, calendar: WorkingCalendar, settings) -> datetime:
    """The moment before which a due moment counts as 'due soon'."""
    return calendar.add(now, TimeLimit(settings.due_soon_working_hours, Unit.WORKING_HOURS), apply_cutoff=False).due


def open_queue(db: Database, query: dict[str, Any], *, due_state: str | None, now: datetime, soon: datetime,
               limit: int, after_values: list[Any] | None):
    query = {**query, "queue_due": {"$ne": None}}
    if due_state == LATE:
        query["queue_due"] = {"$lt": now}
    elif due_state == DUE_SOON:
        query["queue_due"] = {"$gte": now, "$lt": soon}
    elif due_state == ON_TIME:
        query["queue_due"] = {"$gte": soon}
    items, last = keyset.page(db[QUEUE], query, QUEUE_SORT, limit=limit, after_values=after_values)
    for item in items:
        item["due_state"] = due_state_at(item["queue_due"], now, soon)
    return items, last


def agency_queue(db: Database, agency_code: str, *, status: int | None, procedure: str | None, role: str | None,
                 due_state: str | None, now: datetime, soon: datetime, limit: int, after_values: list[Any] | None):
    query: dict[str, Any] = {"queue_agency": agency_code}
    if status is not None:
        query["status"] = status
    if procedure:
        query["procedure_code"] = procedure
    if role:
        query["queue_role"] = role
    return open_queue(db, query, due_state=due_state, now=now, soon=soon, limit=limit, after_values=after_values)


def personal_queue(db: Database, officer_id: str, *, due_state: str | None, now: datetime, soon: datetime,
                   limit: int, after_values: list[Any] | None):
    return open_queue(db, {"queue_assignee": officer_id}, due_state=due_state, now=now, soon=soon, limit=limit,
                      after_values=after_values)


def finished(db: Database, agency_code: str, *, outcome: str | None, limit: int, after_values: list[Any] | None):
    """The agency's finished dossiers, latest first; ``outcome`` early/on_time/late against the appointment
    (Circular 01/2018 Art. 13, indicator 1)."""
    query: dict[str, Any] = {"open": False, "$or": [{"receiving_agency_code": agency_code},
                                                    {"competent_agency_code": agency_code}]}
    if outcome in (EARLY, ON_TIME, LATE):
        query["result.outcome"] = outcome
    docs, last = keyset.page(db[DOSSIERS], query, FINISHED_SORT, limit=limit, after_values=after_values,
                             descending=True, projection=FINISHED_FIELDS)
    return [{"_id": d["_id"], "version": d["version"], **row(d), "outcome": (d.get("result") or {}).get("outcome")}
            for d in docs], last


def agency_counts(db: Database, agency_code: str, *, now: datetime, soon: datetime) -> dict[str, Any]:
    """How many open dossiers wait for the agency, by status and by due state (late, due soon, on time): the
    numbers next to the queue's filters."""
    by_status: dict[int, int] = {}
    by_due = {LATE: 0, DUE_SOON: 0, ON_TIME: 0}
    for item in db[QUEUE].find({"queue_agency": agency_code, "queue_due": {"$ne": None}},
                               {"status": 1, "queue_due": 1}):
        by_status[item["status"]] = by_status.get(item["status"], 0) + 1
        by_due[due_state_at(item["queue_due"], now, soon)] += 1
    return {"total": sum(by_status.values()), "by_status": {str(k): v for k, v in sorted(by_status.items())},
            "by_due_state": by_due}
