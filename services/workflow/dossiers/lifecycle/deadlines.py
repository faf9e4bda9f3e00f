"""Deadline arithmetic on a dossier, all on the one calendar: the desk's step from the filing, each step from
its hand-over, the appointment from reception, the planned schedule of the internal process, and what a
calendar change moves. Only due moments are stored; explanations are recomputed when shown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.workflow.dossiers.model import ACTIVE, RECEPTION, active_steps
from shared.calendar import ClockStop, Deadline, TimeLimit, Unit
from shared.clock import as_utc
from shared.domain.changes import Change, Context


def step_deadline(step: dict[str, Any], calendar) -> Deadline:
    """A step's due moment with its explanation, from when it started.

    The desk's own step (reception) counts from the filing, in office time, from the first moment the desk can
    work on the dossier: outside office hours, on a day off or after the 15:00 hand-over cut-off, from the start
    of the next working day (Decree 61/2018 Art. 18; Decree 118/2025 Art. 18; domain.md §2.4–2.5). A dossier filed
    on a Thursday evening, at the weekend or on the eve of a holiday is therefore never late at the desk before
    the desk has had its allotted working time for it. Later steps count from their hand-over, which already
    applied the rule. A same-day allotment ends with the working day counting starts on."""
    allotted = TimeLimit.from_document(step["allotted"])
    return calendar.add(step["started_at"], allotted, apply_cutoff=step["kind"] == RECEPTION)


def open_reception(d: dict[str, Any], ctx: Context) -> None:
    """The desk's step starts when the dossier is filed (see :func:`step_deadline` for when it is due)."""
    reception = d["steps"][0]
    reception["state"] = ACTIVE
    reception["started_at"] = d["submitted_at"]
    reception["due_at"] = step_deadline(reception, ctx.calendar).due


def set_appointment(d: dict[str, Any], deadline: Deadline) -> None:
    d["appointment"] = {**deadline.to_document(), "extended": False}
    d["appointment_due"] = deadline.due


def legal_limit(d: dict[str, Any]) -> TimeLimit:
    return TimeLimit.from_document(d["procedure"]["time_limit"])


def ended_stops(d: dict[str, Any]) -> list[ClockStop]:
    return [ClockStop.from_document(s) for s in d["clock"]["stops"] if s.get("end")]


def record_deadline_change(d: dict[str, Any], ctx: Context, reason: str, old_due) -> None:
    d["deadline_history"].append({"at": ctx.now, "reason": reason, "old_due": old_due,
                                  "new_due": d["appointment_due"], "calendar_version": ctx.calendar.version})


def plan(d: dict[str, Any], ctx: Context) -> None:
    """Planned due moment of each counted step from the start of the clock, allotments added in order (a
    parallel group once): the schedule the approved internal process promises."""
    unit = Unit(d["procedure"]["time_limit"]["unit"])
    unit = Unit.WORKING_HOURS if unit is Unit.SAME_DAY else unit
    elapsed, group_end = Decimal(0), {}
    for step in d["steps"]:
        if not step["counted"]:
            continue
        value = Decimal(step["allotted"]["value"])
        if step["group"]:
            start = group_end.setdefault(step["group"], elapsed)
            end = start + value
            elapsed = max(elapsed, end)
        else:
            end = elapsed = elapsed + value
        step["planned_due_at"] = ctx.calendar.add(d["clock"]["started_at"], TimeLimit(end, unit),
                                                  stops=ended_stops(d)).due


def recompute_deadlines(d: dict[str, Any], ctx: Context, reason: str) -> bool:
    """After a calendar change: the appointment (unless it was moved by an apology, which is a promise) and
    the running steps' due moments, counted again from the same starts. Returns whether the appointment
    moved."""
    moved = False
    if d["clock"]["started_at"] and not (d["extension"] or {}).get("new_due"):
        fresh = ctx.calendar.add(d["clock"]["started_at"], legal_limit(d), stops=ended_stops(d))
        if fresh.due != as_utc(d["appointment_due"]):
            old = as_utc(d["appointment_due"])
            set_appointment(d, fresh)
            record_deadline_change(d, ctx, reason, old)
            moved = True
    for step in active_steps(d):
        step["due_at"] = step_deadline(step, ctx.calendar).due
    if d["clock"]["started_at"]:
        plan(d, ctx)
    return moved


def calendar_changed(d: dict[str, Any], ctx: Context, *, reason: str) -> Change:
    """The calendar changed (an announcement): the deadlines are counted again on it, and if the appointment
    moved the applicant is told why (``dossier.deadline-changed``)."""
    change = Change()
    if recompute_deadlines(d, ctx, reason):
        history = d["deadline_history"][-1]
        change.emit("deadline-changed", reason=reason, old_due=history["old_due"], new_due=history["new_due"],
                    calendar_version=ctx.calendar.version)
    return change
