"""Processing at the competent agency: assignment, completing steps (with the financial-obligation stop and the
result on the last counted step), consultations and verification appointments."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from services.workflow.dossiers.lifecycle import steps
from services.workflow.dossiers.lifecycle.access import authorised_step, current_step, require_officer_of
from services.workflow.dossiers.lifecycle.stops import stop_for_payment
from services.workflow.dossiers.model import (
    ACTIVE,
    APPRAISAL,
    APPROVAL_RESULT,
    ASSIGNMENT,
    FINANCIAL_OBLIGATION,
    INTER_AGENCY,
    PENDING,
    RETURN,
    active_steps,
)
from shared.auth.roles import Role
from shared.calendar import TimeLimit
from shared.clock import as_utc, vn_date, vn_datetime
from shared.domain.changes import Change, Context
from shared.domain.errors import Conflict, Rejected
from shared.domain.statuses import DossierStatus

S = DossierStatus


def assign(d: dict[str, Any], ctx: Context, *, assignee: str, assignee_name: str | None) -> Change:
    """The head of the competent unit assigns a handler (Decree 61/2018 Art. 19(1)); processing starts
    (status 4)."""
    step = current_step(d, ctx, kinds=(ASSIGNMENT,), statuses=(S.ACCEPTED, S.IN_PROGRESS))
    change = Change()
    steps.complete(d, step, ctx, change)
    started = steps.start_next(d, ctx, start=ctx.now, handed_by=step)
    for nxt in started:
        nxt["assignee"], nxt["assignee_name"] = assignee, assignee_name
    steps.set_status(d, S.IN_PROGRESS)
    first = started[0] if started else None
    change.emit("assigned", assignee=assignee, assignee_name=assignee_name, step=first["code"] if first else None,
                step_name=first["name"] if first else None, step_due_at=first["due_at"] if first else None)
    steps.log(d, ctx, f"Phân công cho {assignee_name or assignee}", step)
    return change


def complete_step(d: dict[str, Any], ctx: Context, *, step_code: str | None, note: str | None,
                  next_assignee: str | None, next_assignee_name: str | None,
                  result: dict[str, Any] | None, obligation: dict[str, Any] | None) -> Change:
    """The handler of the current step is done; the dossier moves to the next unit, every hand-over recorded
    for the processing control slip (Circular 01/2018 Form 05 / Circular 03/2025 Form 06). Finishing the last
    counted step makes the result ready (status 9). Finishing a financial-obligation step asks the applicant to
    pay taxes and fees: status 6, the clock stopped until payment."""
    if d["status"] not in (S.ACCEPTED, S.IN_PROGRESS):
        raise Conflict(f"Không chuyển bước được khi hồ sơ ở trạng thái {DossierStatus(d['status']).vietnamese}.")
    candidates = [s for s in active_steps(d) if step_code in (None, s["code"]) and s["kind"] != RETURN]
    if not candidates:
        raise Conflict("Không có bước đang xử lý nào như vậy.")
    step = authorised_step(candidates, ctx)
    change = Change()
    if d["status"] == S.ACCEPTED:
        steps.set_status(d, S.IN_PROGRESS)  # the competent unit is at work (no assignment step in this process)
    if result:
        _check_signed(d, ctx, result["signed_at"])
        d["result"] = {"kind": APPROVAL_RESULT, **result, "at": ctx.now, "by": ctx.actor.subject,
                       "by_name": ctx.actor.name}
    if step["kind"] == FINANCIAL_OBLIGATION:
        if not obligation:
            raise Rejected("Cần số tiền và nội dung nghĩa vụ tài chính.", {"json": {"obligation": ["Bắt buộc."]}})
        steps.complete(d, step, ctx, change, note=note)
        stop_for_payment(d, ctx, change, obligation)
        steps.log(d, ctx, "Yêu cầu thực hiện nghĩa vụ tài chính", step)
        return change
    steps.complete(d, step, ctx, change, note=note)
    if any(s["state"] == ACTIVE and s["kind"] != RETURN for s in d["steps"]):
        change.emit("step-completed", step=step["code"], outcome=step["outcome"])
        steps.log(d, ctx, step["name"], step)
        return change  # other steps of a parallel group still running
    remaining = [s for s in d["steps"] if s["state"] == PENDING and s["counted"]]
    if not remaining:
        if not d["result"]:
            raise Rejected("Bước cuối cần thông tin kết quả (số, người ký, ngày ký).", {"json": {"result": [
                "Bắt buộc khi hoàn thành bước cuối."]}})
        steps.ready_for_return(d, ctx, change)
    else:
        started = steps.start_next(d, ctx, start=ctx.now, handed_by=step)
        for nxt in started:
            if next_assignee:
                nxt["assignee"], nxt["assignee_name"] = next_assignee, next_assignee_name
    change.emit("step-completed", step=step["code"], outcome=step["outcome"])
    steps.log(d, ctx, step["name"], step)
    return change


def _check_signed(d: dict[str, Any], ctx: Context, signed_at: datetime) -> None:
    """A result document is signed while the dossier is being handled: not before it was filed, not in the
    future. People write the moment to the minute, so the minute of the reception itself is allowed."""
    filed = as_utc(d["received_at"] or d["submitted_at"])
    if as_utc(signed_at) < filed.replace(second=0, microsecond=0):
        raise Rejected("Ngày ký kết quả không thể trước khi hồ sơ được tiếp nhận.",
                       {"json": {"result": {"signed_at": [
                           f"Phải từ {vn_datetime(filed):%H:%M %d/%m/%Y} (khi tiếp nhận hồ sơ) trở đi."]}}})
    if as_utc(signed_at) > ctx.now:
        raise Rejected("Ngày ký kết quả không thể ở tương lai.",
                       {"json": {"result": {"signed_at": ["Không được sau thời điểm hiện tại."]}}})


def consult(d: dict[str, Any], ctx: Context, *, agency_code: str, agency_name: str, question: str,
            limit: TimeLimit) -> Change:
    """Ask another unit's opinion, with a deadline; the question and the answer are kept (Decree 61/2018
    Art. 19(5); Decree 118/2025 Art. 19)."""
    step = authorised_step([s for s in active_steps(d) if s["kind"] != RETURN], ctx)
    consultation = {"id": uuid.uuid4().hex[:12], "agency_code": agency_code, "agency_name": agency_name,
                    "question": question,
                    "asked_at": ctx.now, "asked_by": ctx.actor.subject, "asked_by_name": ctx.actor.name,
                    "due_at": ctx.calendar.add(ctx.now, limit, apply_cutoff=False).due, "limit": limit.to_document(),
                    "answer": None, "answered_at": None, "answered_by": None, "step": step["code"]}
    d["consultations"].append(consultation)
    change = Change()
    change.emit("consultation-requested", consultation_id=consultation["id"], agency_code=agency_code,
                question=question, due_at=consultation["due_at"])
    steps.log(d, ctx, f"Lấy ý kiến {agency_name}", step)
    return change


def answer_consultation(d: dict[str, Any], ctx: Context, *, consultation_id: str, answer: str) -> Change:
    consultation = next((c for c in d["consultations"] if c["id"] == consultation_id), None)
    if consultation is None:
        raise Conflict("Không có yêu cầu lấy ý kiến này.")
    if consultation["answered_at"]:
        raise Conflict("Yêu cầu lấy ý kiến này đã được trả lời.")
    require_officer_of(ctx, {consultation["agency_code"]}, (Role.SPECIALIST, Role.AGENCY_HEAD))
    consultation.update(answer=answer, answered_at=ctx.now, answered_by=ctx.actor.subject,
                        answered_by_name=ctx.actor.name, late=ctx.now > as_utc(consultation["due_at"]))
    change = Change()
    change.emit("consultation-answered", consultation_id=consultation_id, late=consultation["late"])
    steps.log(d, ctx, f"{consultation.get('agency_name') or 'Cơ quan được lấy ý kiến'} trả lời ý kiến")
    return change


def schedule_verification(d: dict[str, Any], ctx: Context, *, at: datetime, place: str,
                          participants: list[str], content: str) -> Change:
    """A verification with the applicant present: time, place, participants and content entered in the
    system (Decree 61/2018 Art. 19(3))."""
    step = authorised_step([s for s in active_steps(d) if s["kind"] in (APPRAISAL, INTER_AGENCY)], ctx)
    if as_utc(at) <= ctx.now or as_utc(at) > ctx.now + timedelta(days=366):
        raise Rejected("Thời điểm xác minh phải trong tương lai, không quá một năm.",
                       {"json": {"at": ["Phải sau thời điểm hiện tại và trong vòng một năm."]}})
    verification = {"id": uuid.uuid4().hex[:12], "at": at, "place": place, "participants": participants,
                    "content": content, "scheduled_by": ctx.actor.subject, "scheduled_at": ctx.now}
    d["verifications"].append(verification)
    change = Change()
    change.emit("verification-scheduled", verification_id=verification["id"], at=at, place=place)
    steps.log(d, ctx, f"Hẹn xác minh lúc {vn_date(at):%d/%m/%Y}", step)
    return change
