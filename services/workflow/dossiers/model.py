"""The workflow's dossier: what the state machine works on, and the small vocabulary around it.

A dossier document holds the procedure version it was received under (a snapshot: catalogue edits never
reach it), its steps with their own due moments, the clock (start and stops), every supplementation request,
consultation, verification appointment, extension, result and return, the hand-overs between units (the
processing control slip is rendered from them) and an append-only process log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.auth.tokens import Principal
from shared.calendar import WorkingCalendar
from shared.clock import as_utc, vn_date

# step states
PENDING, ACTIVE, DONE, SKIPPED = "pending", "active", "done", "skipped"

# how a unit or the whole dossier finished against its due moment (Circular 01/2018 Art. 13, indicators 1-2)
EARLY, ON_TIME, LATE = "early", "on_time", "late"
OUTCOME_NAMES = {EARLY: "Trước hạn", ON_TIME: "Đúng hạn", LATE: "Quá hạn"}

# where an open dossier stands against the due moment of what it waits for (queue filters and badges)
DUE_SOON = "due_soon"

PHASE_RECEPTION, PHASE_APPRAISAL = "reception", "appraisal"


@dataclass
class Context:
    """Who acts, when, and the calendar deadlines are counted on."""

    actor: Principal
    now: datetime
    calendar: WorkingCalendar
    settings: Any


@dataclass
class Outcome:
    """What a command did besides changing the document: events to publish and lines for the process log."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)

    def emit(self, kind: str, **details: Any) -> None:
        self.events.append((kind, details))


def active_steps(dossier: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in dossier["steps"] if s["state"] == ACTIVE]


def step_by_code(dossier: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((s for s in dossier["steps"] if s["code"] == code), None)


def due_state_at(due: datetime | None, now: datetime, soon: datetime) -> str | None:
    """Late once the due moment has passed, due soon when it comes before ``soon`` (DUE_SOON_WORKING_HOURS of
    office time from now), else on time."""
    if due is None:
        return None
    due = as_utc(due)
    return LATE if due < now else DUE_SOON if due < soon else ON_TIME


def finish_outcome(finished: datetime, due: datetime) -> str:
    """Early if finished on an earlier day than the due one, on time if by the due moment, late after it (day
    granularity, as desks report "trước hạn / đúng hạn / quá hạn")."""
    if finished > due:
        return LATE
    return EARLY if vn_date(finished) < vn_date(due) else ON_TIME
