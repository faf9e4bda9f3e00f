"""The step engine: starting the next step (a parallel group at once), completing one, readying the result for
return, and the bookkeeping every command shares (status, process log, late marks, forms issued)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.workflow.dossiers.lifecycle.deadlines import step_deadline
from services.workflow.dossiers.model import (
    ACTIVE,
    DONE,
    EARLY,
    LATE,
    PENDING,
    RETURN,
    SKIPPED,
    finish_outcome,
)
from shared.clock import as_utc
from shared.domain.changes import Change, Context
from shared.domain.statuses import DossierStatus

S = DossierStatus


def start_next(d: dict[str, Any], ctx: Context, *, start: datetime,
               handed_by: dict[str, Any]) -> list[dict[str, Any]]:
    """Activates the next pending step (a whole parallel group at once, Decree 61/2018 Art. 19(6)) and records
    the hand-over from the unit that finished."""
    pending = [s for s in d["steps"] if s["state"] == PENDING and s["kind"] != RETURN]
    if not pending:
        return []
    first = pending[0]
    started = [s for s in pending if first["group"] and s["group"] == first["group"]] or [first]
    for step in started:
        step["state"] = ACTIVE
        set_step_start(step, ctx, start)
        d["handovers"].append(_handover(handed_by, step, ctx, start))
    return started


def set_step_start(step: dict[str, Any], ctx: Context, start: datetime) -> None:
    """A step (re)starts at ``start``: its due moment follows from its allotment on the calendar."""
    step["started_at"] = start
    step["due_at"] = step_deadline(step, ctx.calendar).due


def complete(d: dict[str, Any], step: dict[str, Any], ctx: Context, change: Change, *, note: str | None = None,
             skipped: bool = False) -> None:
    """The step is done (or skipped), by this actor now, early/on time/late against its due moment; a late
    step is reported (``dossier.step-late``: Circular 01/2018 Art. 13, the unit's indicator)."""
    step["state"] = SKIPPED if skipped else DONE
    step["completed_at"] = ctx.now
    step["completed_by"] = ctx.actor.subject
    step["completed_by_name"] = ctx.actor.name
    step["note"] = note
    due = as_utc(step["due_at"]) if step["due_at"] else None
    step["outcome"] = finish_outcome(ctx.now, due) if due else None
    if step["outcome"] == LATE:
        change.emit("step-late", step=step["code"], agency=step["agency"])


def skip_open_steps(d: dict[str, Any], *, keep_return: bool = False) -> None:
    for step in d["steps"]:
        if step["state"] in (ACTIVE, PENDING) and not (keep_return and step["kind"] == RETURN):
            step["state"] = SKIPPED


def ready_for_return(d: dict[str, Any], ctx: Context, change: Change) -> None:
    """Result ready (status 9): the desk returns it; the return step is not counted (Circular 01/2018 Art. 8)."""
    ret = next(s for s in d["steps"] if s["kind"] == RETURN)
    ret["state"] = ACTIVE
    ret["started_at"] = ctx.now
    ret["due_at"] = d["appointment_due"]
    last = [s for s in d["steps"] if s["state"] in (DONE, SKIPPED) and s["kind"] != RETURN][-1]
    d["handovers"].append(_handover(last, ret, ctx, ctx.now))
    ready_outcome = finish_outcome(ctx.now, as_utc(d["appointment_due"]))
    if ready_outcome == LATE:
        mark_late(d, "Kết quả được giải quyết sau ngày hẹn trả")
    d["result"] = {**(d["result"] or {}), "ready_at": ctx.now, "outcome": ready_outcome}
    set_status(d, S.RESULT_READY)
    # Decision 766 indicator 4.1: an electronic result is one with its result code and file link.
    electronic = bool(d["result"].get("result_code") and d["result"].get("file_url"))
    change.emit("result-ready", result_kind=d["result"]["kind"], outcome=ready_outcome,
                early=ready_outcome == EARLY, return_method=d["result_return"]["method"], electronic=electronic,
                result_code=d["result"].get("result_code") or d["result"].get("number"),
                file_url=d["result"].get("file_url"))


def _handover(handed_by: dict[str, Any], step: dict[str, Any], ctx: Context, counting_from: datetime) -> dict[str, Any]:
    """A hand-over happens now (the electronic dossier moves at once); the receiving unit's time may count from
    later: after the 15:00 cut-off, from the start of the next working day (Decree 61/2018 Art. 18)."""
    return {"from_agency": handed_by["agency"], "from_step": handed_by["code"], "from_officer": ctx.actor.subject,
            "from_officer_name": ctx.actor.name, "to_agency": step["agency"], "to_step": step["code"],
            "to_role": step["role"], "at": ctx.now, "counting_from": counting_from,
            "outcome": handed_by.get("outcome")}


# -- bookkeeping ---------------------------------------------------------------------------------------------

def set_status(d: dict[str, Any], status: DossierStatus) -> None:
    d["status"] = status.value


def mark_late(d: dict[str, Any], reason: str) -> None:
    d["counts_as_late"] = True
    if reason not in d["late_reasons"]:
        d["late_reasons"].append(reason)


def log(d: dict[str, Any], ctx: Context, action: str, step: dict[str, Any] | None = None) -> None:
    """Appends a process-log line (handler, unit, action, status, step start and legal end; Circular 22/2019
    Art. 4). The log is append-only: the runner pushes the new lines."""
    d["process_log"].append({
        "at": ctx.now, "handler": ctx.actor.subject, "handler_name": ctx.actor.name, "unit": ctx.actor.agency_code,
        "action": action, "status": d["status"], "step": step["code"] if step else None,
        "step_start": step["started_at"] if step else None, "step_due": step["due_at"] if step else None})


def issue_form(d: dict[str, Any], name: str, **fields: Any) -> None:
    """The dossier issues a form now; who issued it and when is stamped by the aggregate at the write."""
    d["forms"][name] = fields


def missing_components(d: dict[str, Any], presented: list[str]) -> list[str]:
    """Required components neither attached (by component code) nor presented on paper at the counter."""
    attached = {a.get("component_code") for a in d["attachments"]}
    return [c["name"] for c in d["procedure"]["components"]
            if c["required"] and c["code"] not in attached and c["code"] not in presented]
