"""Handling a petition (phản ánh, kiến nghị), as commands on its document, with the deadlines of the Decision
766/QĐ-TTg specification (domain.md §6.2, indicator 5.2) on the shared calendar:

- the agency concerned takes it up or refuses it (with the reason) within **2 working days** of receipt;
- it may ask the sender, once or more, for what is missing within **5 working days** of receipt; the time the
  sender takes to answer is not counted;
- it answers within **15 working days** of receipt (plus the time waited for the sender);
- an answer it decides to publish is published within **2 working days**.

A petition is handled on time when it was refused by its decision deadline or answered by its answer deadline
(indicator 5.2). The sender may rate the answer once (indicator 5.3: unsatisfied answers count against the agency).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.feedback.petitions.aggregate import waiting_for
from shared.calendar import ClockStop
from shared.clock import as_utc
from shared.domain import evaluation as ev
from shared.domain.changes import Change, Context
from shared.domain.errors import Conflict

OVERDUE, DUE_SOON = "overdue", "due-soon"


def deadlines(received_at: datetime, calendar) -> dict[str, datetime]:
    """The deadlines of a petition received at ``received_at`` (counted from that moment, in office time)."""
    return {
        "decide_due": calendar.add(received_at, ev.DECIDE_LIMIT, apply_cutoff=False).due,
        "info_due": calendar.add(received_at, ev.INFO_LIMIT, apply_cutoff=False).due,
        "answer_due": calendar.add(received_at, ev.ANSWER_LIMIT, apply_cutoff=False).due,
    }


def _log(p: dict[str, Any], ctx: Context, action: str) -> None:
    p["history"].append({"at": ctx.now, "by": ctx.actor.subject, "by_name": ctx.actor.name, "action": action,
                         "status": p["status"]})


def _require(p: dict[str, Any], *statuses: str, doing: str) -> None:
    if p["status"] not in statuses:
        raise Conflict(f"Không thể {doing} khi phản ánh, kiến nghị ở trạng thái "
                       f"«{ev.PETITION_STATUSES[p['status']]}».")


def received(p: dict[str, Any], ctx: Context) -> None:
    """A new petition's first history line (the document is created with its ``petition.received`` event)."""
    _log(p, ctx, "Tiếp nhận phản ánh, kiến nghị")


def accept(p: dict[str, Any], ctx: Context) -> Change:
    """The agency concerned takes the petition up (within 2 working days of receipt)."""
    _require(p, ev.RECEIVED, doing="tiếp nhận xử lý")
    p["status"] = ev.IN_PROGRESS
    p["accepted"] = {"at": ctx.now, "by": ctx.actor.subject, "on_time": ctx.now <= as_utc(p["decide_due"])}
    _log(p, ctx, "Tiếp nhận xử lý")
    change = Change()
    change.emit("accepted")
    return change


def refuse(p: dict[str, Any], ctx: Context, *, reason: str) -> Change:
    """The agency refuses to handle it (not its competence, no content, already answered…), saying why — within 2
    working days of receipt (Decision 766 specification)."""
    _require(p, ev.RECEIVED, ev.IN_PROGRESS, doing="từ chối")
    p["status"] = ev.REFUSED
    p["handled_at"] = ctx.now
    p["refusal"] = {"at": ctx.now, "by": ctx.actor.subject, "by_name": ctx.actor.name, "reason": reason,
                    "on_time": ctx.now <= as_utc(p["decide_due"])}
    _log(p, ctx, "Từ chối xử lý")
    change = Change()
    change.emit("refused", reason=reason)
    return change


def request_info(p: dict[str, Any], ctx: Context, *, request: str) -> Change:
    """Ask the sender for what is missing, within 5 working days of receipt (Decision 766 specification); the
    answer clock stops until the sender answers."""
    _require(p, ev.RECEIVED, ev.IN_PROGRESS, doing="yêu cầu bổ sung thông tin")
    if ctx.now > as_utc(p["info_due"]):
        raise Conflict("Đã quá 05 ngày làm việc kể từ khi tiếp nhận: không còn được yêu cầu bổ sung thông tin "
                       "(Quyết định 766/QĐ-TTg, chỉ tiêu 5.2).")
    if p["status"] == ev.RECEIVED:
        p["accepted"] = {"at": ctx.now, "by": ctx.actor.subject, "on_time": ctx.now <= as_utc(p["decide_due"])}
    p["status"] = ev.INFO_REQUESTED
    p["info_requests"].append({"at": ctx.now, "by": ctx.actor.subject, "by_name": ctx.actor.name, "request": request,
                               "supplied_at": None, "note": None})
    p["clock_stops"].append({"start": ctx.now, "end": None, "reason": "chờ người gửi bổ sung thông tin"})
    _log(p, ctx, "Yêu cầu bổ sung thông tin")
    change = Change()
    change.emit("info-requested", request=request)
    return change


def supply_info(p: dict[str, Any], ctx: Context, *, note: str) -> Change:
    """The sender answers; the answer deadline moves by the time waited (the clock ran again)."""
    _require(p, ev.INFO_REQUESTED, doing="bổ sung thông tin")
    p["info_requests"][-1].update(supplied_at=ctx.now, note=note)
    p["clock_stops"][-1]["end"] = ctx.now
    stops = [ClockStop(as_utc(s["start"]), as_utc(s["end"]), s["reason"]) for s in p["clock_stops"]]
    p["answer_due"] = ctx.calendar.add(as_utc(p["received_at"]), ev.ANSWER_LIMIT, stops=stops,
                                       apply_cutoff=False).due
    p["status"] = ev.IN_PROGRESS
    _log(p, ctx, "Người gửi bổ sung thông tin")
    change = Change()
    change.emit("info-supplied", note=note)
    return change


def answer(p: dict[str, Any], ctx: Context, *, text: str, conclusion: str, publish: bool) -> Change:
    """The agency answers the sender, within 15 working days of receipt (the wait for the sender not counted);
    an answer to publish is published within 2 working days (Decision 766 specification)."""
    _require(p, ev.RECEIVED, ev.IN_PROGRESS, doing="trả lời")
    on_time = ctx.now <= as_utc(p["answer_due"])
    if p["status"] == ev.RECEIVED:
        p["accepted"] = {"at": ctx.now, "by": ctx.actor.subject, "on_time": ctx.now <= as_utc(p["decide_due"])}
    p["status"] = ev.ANSWERED
    p["handled_at"] = ctx.now
    p["answer"] = {"at": ctx.now, "by": ctx.actor.subject, "by_name": ctx.actor.name, "text": text,
                   "conclusion": conclusion, "publish": publish, "on_time": on_time}
    if publish:
        p["publish_due"] = ctx.calendar.add(ctx.now, ev.PUBLISH_LIMIT, apply_cutoff=False).due
    _log(p, ctx, "Trả lời phản ánh, kiến nghị")
    change = Change()
    change.emit("answered", answer=text, conclusion=conclusion, publish=publish, on_time=on_time)
    return change


def publish(p: dict[str, Any], ctx: Context) -> Change:
    """The answer is made public (within 2 working days of the answer when the agency decided to publish)."""
    _require(p, ev.ANSWERED, doing="công khai")
    p["status"] = ev.PUBLISHED
    p["published"] = {"at": ctx.now, "by": ctx.actor.subject,
                      "on_time": p["publish_due"] is None or ctx.now <= as_utc(p["publish_due"])}
    _log(p, ctx, "Công khai kết quả trả lời")
    change = Change()
    change.emit("published")
    return change


def rate(p: dict[str, Any], ctx: Context, *, satisfied: bool, comment: str | None) -> Change:
    """The sender rates the answer (or the refusal), once (Decision 766 indicator 5.3)."""
    _require(p, ev.ANSWERED, ev.PUBLISHED, ev.REFUSED, doing="đánh giá")
    if p.get("rating"):
        raise Conflict("Phản ánh, kiến nghị này đã được đánh giá; mỗi phản ánh chỉ được đánh giá một lần.")
    p["rating"] = {"at": ctx.now, "satisfied": satisfied, "comment": comment}
    _log(p, ctx, "Người gửi đánh giá kết quả " + ("hài lòng" if satisfied else "không hài lòng"))
    change = Change()
    change.emit("rated", satisfied=satisfied, comment=comment)
    return change


def due_alerts(p: dict[str, Any], ctx: Context, *, soon: datetime) -> Change:
    """Due-soon and overdue alerts on what the petition waits for, like the dossiers' (raised once per due
    moment; a new deadline may raise a new one)."""
    change = Change()
    stage, due = waiting_for(p)
    if stage is None or due is None:
        return change
    due = as_utc(due)
    kind = OVERDUE if due < ctx.now else DUE_SOON if due < soon else None
    key = f"{kind}:{stage}"
    if kind is None or p["alerts"].get(key) == due:
        return change
    p["alerts"][key] = due
    change.emit(kind, stage=stage, due_at=due)
    return change
