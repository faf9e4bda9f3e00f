"""The dossier's legal lifecycle, as plain functions: each command checks who may do it and whether the law
allows it now, changes an in-memory copy of the dossier and says which events follow. The service applies the
result in one compare-and-set write together with those events (outbox).

Why the workflow, not intake, decides reception: checking completeness and accepting is the first step of the
procedure's approved internal process (Circular 01/2018 Art. 8; domain.md §8.2, step 1 with its own
allotment), the appointment date is the first deadline computed from the procedure version, the rule set and
the calendar like every later one, and the once-only supplementation rule spans reception and appraisal
(Decision 766 counts a second request as late). One state machine on one document keeps those checks atomic.
Intake stays the channel: it files dossiers (codes, attachments), and shows applicants and the public where
they stand.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from services.workflow.dossiers.model import (
    ACTIVE,
    DONE,
    EARLY,
    LATE,
    PENDING,
    PHASE_APPRAISAL,
    PHASE_RECEPTION,
    Context,
    Outcome,
    active_steps,
    finish_outcome,
)
from shared.auth.roles import PrincipalKind, Role
from shared.calendar import ClockStop, Deadline, TimeLimit, Unit
from shared.clock import as_utc, vn_date
from shared.domain.channels import Channel
from shared.domain.errors import Conflict, Forbidden, Rejected
from shared.domain.rulesets import rule_set_by_id
from shared.domain.statuses import FINAL, DossierStatus

S = DossierStatus

# Decree 61/2018 Art. 19(4): a dossier found incomplete during appraisal goes back within 3 working days of
# reception (unless sector law says otherwise).
APPRAISAL_SUPPLEMENT_WINDOW = TimeLimit(3, Unit.WORKING_DAYS)


# -- creating the dossier from its filing ------------------------------------------------------------------

def new_dossier(event_dossier_id: str, filing: dict[str, Any], procedure: dict[str, Any]) -> dict[str, Any]:
    """The workflow's dossier for a filed dossier (status 1), with the procedure version it was filed under."""
    steps = []
    for definition in procedure["process"]:
        agency = {"receiving": filing["receiving_agency_code"],
                  "competent": procedure["competent_agency_code"]}.get(definition["agency"], definition["agency"])
        steps.append({**definition, "agency": agency, "state": PENDING, "assignee": None, "assignee_name": None,
                      "started_at": None, "due_at": None, "planned_due_at": None,
                      "completed_at": None, "completed_by": None, "outcome": None})
    snapshot = {k: procedure[k] for k in ("code", "version", "name", "field", "time_limit", "components", "fees",
                                          "online", "post_allowed", "result_type", "immediate_result")}
    dossier = {
        "_id": event_dossier_id,
        "code": filing["code"],
        "channel": filing["channel"],
        "status": S.SUBMITTED.value,
        "rule_set": filing["rule_set"],
        "procedure": snapshot,
        "receiving_agency_code": filing["receiving_agency_code"],
        "competent_agency_code": procedure["competent_agency_code"],
        "owner_account_id": filing["owner_account_id"],
        "applicant": filing["applicant"],
        "submitter": filing.get("submitter"),
        "contact": filing["contact"],
        "result_return": filing["result_return"],
        "attachments": filing["attachments"],
        "submitted_at": filing["submitted_at"],
        "received_at": None,
        "appointment": None,
        "appointment_due": None,
        "steps": steps,
        "clock": {"started_at": None, "stops": []},
        "supplementation": {"requests": [], "reception_count": 0, "total": 0},
        "consultations": [],
        "verifications": [],
        "payment": None,
        "extension": None,
        "result": None,
        "returned": None,
        "closure": None,
        "handovers": [],
        "deadline_history": [],
        "forms": {},
        "counts_as_late": False,
        "late_reasons": [],
        "alerts": {},
    }
    return dossier


def open_reception(d: dict[str, Any], ctx: Context) -> None:
    """The desk's step starts when the dossier is filed: its allotment runs from then (after 15:00, from the
    next working day)."""
    reception = d["steps"][0]
    reception["state"] = ACTIVE
    reception["started_at"] = d["submitted_at"]
    reception["due_at"] = step_deadline(reception, ctx.calendar).due
    set_queue(d)


# -- reception (the one-stop desk) --------------------------------------------------------------------------

def accept(d: dict[str, Any], ctx: Context, *, presented: list[str], note: str | None,
           receipt_requested: bool) -> Outcome:
    """Accept a complete dossier: status 2, the appointment and the receipt (Decree 61/2018 Art. 17(1)(c),
    17(2); Form 01). Immediate-result procedures get no receipt unless the applicant asks (Art. 17(4))."""
    reception = _current_step(d, ctx, kinds=("reception",), statuses=(S.SUBMITTED,))
    missing = missing_components(d, presented)
    if missing:
        raise Rejected("Hồ sơ chưa đủ thành phần: hãy yêu cầu bổ sung (một lần) hoặc từ chối.",
                       {"json": {"presented": [f"Thiếu: {name}." for name in missing]}})
    out = Outcome()
    now = ctx.now
    # Decision 45/2016 Art. 7(4): a dossier brought by the public postal service was received when the
    # hand-over record was signed, not when the desk got round to checking it.
    received = as_utc(d["submitted_at"]) if d["channel"] == Channel.POST else now
    d["received_at"] = received
    d["clock"] = {"started_at": received, "stops": []}
    procedure = d["procedure"]
    limit = TimeLimit.from_document(procedure["time_limit"])
    set_appointment(d, ctx.calendar.add(received, limit))
    _plan(d, ctx)
    _complete(d, reception, ctx, out, action="Tiếp nhận hồ sơ, hẹn trả kết quả")
    handover = ctx.calendar.counting_start(now)[0]  # same working day, or next morning after 15:00 (Art. 18)
    _start_next(d, ctx, out, start=handover, handed_by=reception)
    _set_status(d, S.ACCEPTED)
    if not procedure["immediate_result"] or receipt_requested:
        d["forms"]["receipt"] = {"issued_at": now, "by": ctx.actor.subject, "by_name": ctx.actor.name,
                                 "note": note}
    out.emit("accepted", appointment_due=d["appointment_due"], received_at=received,
             receipt=bool(d["forms"].get("receipt")))
    out.log.append(_log(d, ctx, "Tiếp nhận hồ sơ", reception))
    return out


def request_supplement(d: dict[str, Any], ctx: Context, *, items: list[dict[str, Any]],
                       override_reason: str | None) -> Outcome:
    """Ask the applicant, once, completely and precisely, for what is missing (Decree 61/2018 Art. 15(3),
    Art. 11(2)(c); Form 02). At reception this is status 5 from status 1. During appraisal it must happen within
    3 working days of reception and the clock restarts when the complete dossier arrives (Art. 19(4)). A second
    request needs a reason and counts the dossier as late (Decision 766, indicator 2.1)."""
    if d["status"] == S.SUBMITTED:
        step = _current_step(d, ctx, kinds=("reception",), statuses=(S.SUBMITTED,))
        phase = PHASE_RECEPTION
    else:
        step = _current_step(d, ctx, kinds=("appraisal", "inter_agency"), statuses=(S.IN_PROGRESS,))
        phase = PHASE_APPRAISAL
        window = ctx.calendar.add(d["received_at"], APPRAISAL_SUPPLEMENT_WINDOW, apply_cutoff=False).due
        if ctx.now > window:
            raise Conflict("Đã quá 03 ngày làm việc kể từ ngày tiếp nhận: không còn được trả hồ sơ để bổ sung "
                           "(Nghị định 61/2018/NĐ-CP Điều 19 khoản 4).")
    if d["supplementation"]["total"] >= 1 and not override_reason:
        raise Conflict("Hồ sơ đã được yêu cầu bổ sung một lần: chỉ yêu cầu thêm khi có lý do (override_reason), "
                       "và hồ sơ sẽ bị tính là trễ hạn (Quyết định 766/QĐ-TTg).")
    request = {"id": uuid.uuid4().hex[:12], "phase": phase, "at": ctx.now, "by": ctx.actor.subject,
               "by_name": ctx.actor.name, "items": items, "override_reason": override_reason, "supplied_at": None,
               "step": step["code"]}
    d["supplementation"]["requests"].append(request)
    d["supplementation"]["total"] += 1
    if phase == PHASE_RECEPTION:
        d["supplementation"]["reception_count"] += 1
    if d["supplementation"]["total"] > 1:
        _mark_late(d, "Yêu cầu bổ sung hồ sơ quá một lần (Quyết định 766/QĐ-TTg)")
    d["forms"]["supplement_request"] = {"issued_at": ctx.now, "by": ctx.actor.subject, "by_name": ctx.actor.name,
                                        "request_id": request["id"]}
    _set_status(d, S.SUPPLEMENT_REQUESTED)
    out = Outcome()
    out.emit("supplement-requested", phase=phase, items=items, request_id=request["id"])
    out.log.append(_log(d, ctx, "Yêu cầu bổ sung, hoàn thiện hồ sơ", step))
    return out


def supply(d: dict[str, Any], ctx: Context, *, note: str | None, attachments: list[dict[str, Any]]) -> Outcome:
    """The applicant hands in what was asked. At reception the dossier goes back to the desk (status 1); during
    appraisal processing resumes and the clock restarts from zero (Decree 61/2018 Art. 19(4))."""
    _require_owner(d, ctx)
    if d["status"] != S.SUPPLEMENT_REQUESTED:
        raise Conflict("Hồ sơ không ở trạng thái chờ bổ sung.")
    request = d["supplementation"]["requests"][-1]
    request["supplied_at"] = ctx.now
    request["supplied_note"] = note
    d["attachments"] = d["attachments"] + attachments
    out = Outcome()
    if request["phase"] == PHASE_RECEPTION:
        _set_status(d, S.SUBMITTED)
    else:
        d["clock"] = {"started_at": ctx.now, "stops": []}
        limit = TimeLimit.from_document(d["procedure"]["time_limit"])
        set_appointment(d, ctx.calendar.add(ctx.now, limit))
        for step in active_steps(d):
            _restart(step, ctx, ctx.calendar.counting_start(ctx.now)[0])
        _set_status(d, S.IN_PROGRESS)
        _record_deadline_change(d, ctx, "Tính lại thời hạn từ khi nhận đủ hồ sơ bổ sung "
                                        "(Nghị định 61/2018/NĐ-CP Điều 19 khoản 4)")
    out.emit("supplement-received", phase=request["phase"], request_id=request["id"],
             appointment_due=d["appointment_due"], file_ids=[a["file_id"] for a in attachments if a.get("file_id")])
    out.log.append(_log(d, ctx, "Người nộp bổ sung hồ sơ", None))
    return out


def refuse(d: dict[str, Any], ctx: Context, *, reasons: list[str]) -> Outcome:
    """Refuse: at reception status 3 (Decree 61/2018 Art. 17(1)(b); Form 03); after appraisal the refusal is
    the result, issued within the time limit and returned through the desk (Art. 19(8))."""
    out = Outcome()
    if d["status"] in (S.SUBMITTED, S.SUPPLEMENT_REQUESTED) and d["received_at"] is None:
        step = _current_step(d, ctx, kinds=("reception",), statuses=(S.SUBMITTED, S.SUPPLEMENT_REQUESTED))
        d["forms"]["refusal"] = {"issued_at": ctx.now, "by": ctx.actor.subject, "by_name": ctx.actor.name,
                                 "reasons": reasons, "stage": PHASE_RECEPTION}
        d["closure"] = {"kind": "refused", "at": ctx.now, "by": ctx.actor.subject, "reasons": reasons}
        for s in active_steps(d):
            s["state"] = "skipped"
        _set_status(d, S.REFUSED)
        out.emit("refused", stage=PHASE_RECEPTION, reasons=reasons)
        out.log.append(_log(d, ctx, "Từ chối tiếp nhận hồ sơ", step))
        return out
    step = _current_step(d, ctx, kinds=("appraisal", "review", "approval", "inter_agency"),
                         statuses=(S.IN_PROGRESS,))
    if d["appointment_due"] and ctx.now > as_utc(d["appointment_due"]):
        _mark_late(d, "Từ chối giải quyết sau thời hạn (Nghị định 61/2018/NĐ-CP Điều 19 khoản 8)")
    d["result"] = {"kind": "refusal", "reasons": reasons, "at": ctx.now, "by": ctx.actor.subject,
                   "by_name": ctx.actor.name}
    d["forms"]["refusal"] = {"issued_at": ctx.now, "by": ctx.actor.subject, "by_name": ctx.actor.name,
                             "reasons": reasons, "stage": PHASE_APPRAISAL}
    for s in d["steps"]:
        if s["state"] in (ACTIVE, PENDING) and s["kind"] != "return":
            s["state"] = "skipped"
    _complete(d, step, ctx, out, action="Từ chối giải quyết hồ sơ", skip_state=True)
    _ready_for_return(d, ctx, out)
    out.emit("refused", stage=PHASE_APPRAISAL, reasons=reasons)
    out.log.append(_log(d, ctx, "Từ chối giải quyết hồ sơ", step))
    return out


# -- processing ----------------------------------------------------------------------------------------------

def assign(d: dict[str, Any], ctx: Context, *, assignee: str, assignee_name: str | None) -> Outcome:
    """The head of the competent unit assigns a handler (Decree 61/2018 Art. 19(1)); processing starts
    (status 4)."""
    step = _current_step(d, ctx, kinds=("assignment",), statuses=(S.ACCEPTED, S.IN_PROGRESS))
    out = Outcome()
    _complete(d, step, ctx, out, action="Phân công xử lý")
    started = _start_next(d, ctx, out, start=ctx.now, handed_by=step)
    for nxt in started:
        nxt["assignee"], nxt["assignee_name"] = assignee, assignee_name
    _set_status(d, S.IN_PROGRESS)
    first = started[0] if started else None
    out.emit("assigned", assignee=assignee, assignee_name=assignee_name, step=first["code"] if first else None,
             step_name=first["name"] if first else None, step_due_at=first["due_at"] if first else None)
    out.log.append(_log(d, ctx, f"Phân công cho {assignee_name or assignee}", step))
    return out


def complete_step(d: dict[str, Any], ctx: Context, *, step_code: str | None, note: str | None,
                  next_assignee: str | None, next_assignee_name: str | None,
                  result: dict[str, Any] | None, obligation: dict[str, Any] | None) -> Outcome:
    """The handler of the current step is done; the dossier moves to the next unit, every hand-over recorded
    for the processing control slip (Circular 01/2018 Form 05 / Circular 03/2025 Form 06). Finishing the last
    counted step makes the result ready (status 9). Finishing a financial-obligation step asks the applicant to
    pay taxes and fees: status 6, the clock stopped until payment."""
    if d["status"] not in (S.ACCEPTED, S.IN_PROGRESS):
        raise Conflict(f"Không chuyển bước được khi hồ sơ ở trạng thái {DossierStatus(d['status']).vietnamese}.")
    candidates = [s for s in active_steps(d) if step_code in (None, s["code"]) and s["kind"] != "return"]
    if not candidates:
        raise Conflict("Không có bước đang xử lý nào như vậy.")
    step = _authorised_step(candidates, ctx)
    out = Outcome()
    if d["status"] == S.ACCEPTED:
        _set_status(d, S.IN_PROGRESS)  # the competent unit is at work (no assignment step in this process)
    if result:
        d["result"] = {"kind": "approval", **result, "at": ctx.now, "by": ctx.actor.subject,
                       "by_name": ctx.actor.name}
    if step["kind"] == "financial_obligation":
        if not obligation:
            raise Rejected("Cần số tiền và nội dung nghĩa vụ tài chính.", {"json": {"obligation": ["Bắt buộc."]}})
        _complete(d, step, ctx, out, action=step["name"], note=note)
        d["payment"] = {**obligation, "requested_at": ctx.now, "requested_by": ctx.actor.subject, "paid_at": None}
        d["clock"]["stops"].append(ClockStop(ctx.now, None, "chờ thực hiện nghĩa vụ tài chính").to_document())
        _set_status(d, S.AWAITING_PAYMENT)
        out.emit("payment-requested", **obligation)
        out.log.append(_log(d, ctx, "Yêu cầu thực hiện nghĩa vụ tài chính", step))
        return out
    _complete(d, step, ctx, out, action=step["name"], note=note)
    if any(s["state"] == ACTIVE and s["kind"] != "return" for s in d["steps"]):
        out.emit("step-completed", step=step["code"], outcome=step["outcome"])
        out.log.append(_log(d, ctx, step["name"], step))
        return out  # other steps of a parallel group still running
    remaining = [s for s in d["steps"] if s["state"] == PENDING and s["counted"]]
    if not remaining:
        if not d["result"]:
            raise Rejected("Bước cuối cần thông tin kết quả (số, người ký, ngày ký).", {"json": {"result": [
                "Bắt buộc khi hoàn thành bước cuối."]}})
        _ready_for_return(d, ctx, out)
    else:
        started = _start_next(d, ctx, out, start=ctx.now, handed_by=step)
        for nxt in started:
            if next_assignee:
                nxt["assignee"], nxt["assignee_name"] = next_assignee, next_assignee_name
    out.emit("step-completed", step=step["code"], outcome=step["outcome"])
    out.log.append(_log(d, ctx, step["name"], step))
    return out


def record_payment(d: dict[str, Any], ctx: Context, *, voucher: str, paid_at: datetime | None) -> Outcome:
    """The applicant paid (receipt or voucher recorded): the clock runs again and processing resumes; the
    deadline moves by exactly the office time the wait covered."""
    if d["status"] != S.AWAITING_PAYMENT:
        raise Conflict("Hồ sơ không ở trạng thái chờ thực hiện nghĩa vụ tài chính.")
    _require_officer_of(ctx, {d["receiving_agency_code"], d["competent_agency_code"]},
                        (Role.COUNTER_OFFICER, Role.SPECIALIST, Role.AGENCY_HEAD))
    paid = paid_at or ctx.now
    d["payment"] = {**d["payment"], "paid_at": paid, "voucher": voucher, "recorded_by": ctx.actor.subject}
    d["clock"]["stops"][-1]["end"] = paid
    if not (d["extension"] or {}).get("new_due"):
        limit = TimeLimit.from_document(d["procedure"]["time_limit"])
        set_appointment(d, ctx.calendar.add(d["clock"]["started_at"], limit, stops=_stops(d)))
        _record_deadline_change(d, ctx, "Cộng thời gian chờ thực hiện nghĩa vụ tài chính")
    out = Outcome()
    previous = [s for s in d["steps"] if s["kind"] == "financial_obligation" and s["state"] == DONE][-1]
    _start_next(d, ctx, out, start=ctx.now, handed_by=previous)
    _set_status(d, S.IN_PROGRESS)
    out.emit("payment-recorded", voucher=voucher, appointment_due=d["appointment_due"])
    out.log.append(_log(d, ctx, "Ghi nhận đã thực hiện nghĩa vụ tài chính", None))
    return out


def consult(d: dict[str, Any], ctx: Context, *, agency_code: str, question: str, limit: TimeLimit) -> Outcome:
    """Ask another unit's opinion, with a deadline; the question and the answer are kept (Decree 61/2018
    Art. 19(5))."""
    step = _authorised_step([s for s in active_steps(d) if s["kind"] != "return"], ctx)
    consultation = {"id": uuid.uuid4().hex[:12], "agency_code": agency_code, "question": question,
                    "asked_at": ctx.now, "asked_by": ctx.actor.subject, "asked_by_name": ctx.actor.name,
                    "due_at": ctx.calendar.add(ctx.now, limit, apply_cutoff=False).due, "limit": limit.to_document(),
                    "answer": None, "answered_at": None, "answered_by": None, "step": step["code"]}
    d["consultations"].append(consultation)
    out = Outcome()
    out.emit("consultation-requested", consultation_id=consultation["id"], agency_code=agency_code,
             question=question, due_at=consultation["due_at"])
    out.log.append(_log(d, ctx, f"Lấy ý kiến {agency_code}", step))
    return out


def answer_consultation(d: dict[str, Any], ctx: Context, *, consultation_id: str, answer: str) -> Outcome:
    consultation = next((c for c in d["consultations"] if c["id"] == consultation_id), None)
    if consultation is None:
        raise Conflict("Không có yêu cầu lấy ý kiến này.")
    if consultation["answered_at"]:
        raise Conflict("Yêu cầu lấy ý kiến này đã được trả lời.")
    _require_officer_of(ctx, {consultation["agency_code"]}, (Role.SPECIALIST, Role.AGENCY_HEAD))
    consultation.update(answer=answer, answered_at=ctx.now, answered_by=ctx.actor.subject,
                        answered_by_name=ctx.actor.name, late=ctx.now > as_utc(consultation["due_at"]))
    out = Outcome()
    out.emit("consultation-answered", consultation_id=consultation_id, late=consultation["late"])
    out.log.append(_log(d, ctx, f"{consultation['agency_code']} trả lời ý kiến", None))
    return out


def schedule_verification(d: dict[str, Any], ctx: Context, *, at: datetime, place: str,
                          participants: list[str], content: str) -> Outcome:
    """A verification with the applicant present: time, place, participants and content entered in the
    system (Decree 61/2018 Art. 19(3))."""
    step = _authorised_step([s for s in active_steps(d) if s["kind"] in ("appraisal", "inter_agency")], ctx)
    verification = {"id": uuid.uuid4().hex[:12], "at": at, "place": place, "participants": participants,
                    "content": content, "scheduled_by": ctx.actor.subject, "scheduled_at": ctx.now}
    d["verifications"].append(verification)
    out = Outcome()
    out.emit("verification-scheduled", verification_id=verification["id"], at=at, place=place)
    out.log.append(_log(d, ctx, f"Hẹn xác minh lúc {vn_date(at):%d/%m/%Y}", step))
    return out


def extend(d: dict[str, Any], ctx: Context, *, reason: str, new_due: datetime) -> Outcome:
    """A late dossier: the competent agency apologises in writing and proposes a new date (Form 04) no later
    than one day before the deadline; the appointment can be moved only once; the desk changes the date and the
    applicant is told (Decree 61/2018 Art. 19(9), Art. 12(5))."""
    if d["status"] not in (S.ACCEPTED, S.IN_PROGRESS, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT):
        raise Conflict("Chỉ gia hạn hồ sơ đang giải quyết.")
    _require_officer_of(ctx, {d["competent_agency_code"]}, (Role.AGENCY_HEAD,))
    if d["extension"]:
        raise Conflict("Hồ sơ đã được hẹn lại một lần; không được hẹn lại lần nữa "
                       "(Nghị định 61/2018/NĐ-CP Điều 19 khoản 9).")
    old_due = as_utc(d["appointment_due"])
    if ctx.now > old_due - timedelta(days=1):
        raise Conflict("Văn bản xin lỗi và hẹn lại phải gửi chậm nhất 01 ngày trước ngày hẹn trả kết quả "
                       "(Nghị định 61/2018/NĐ-CP Điều 19 khoản 9).")
    if new_due <= old_due:
        raise Rejected("Ngày hẹn mới phải sau ngày hẹn cũ.", {"json": {"new_due": ["Phải sau ngày hẹn hiện tại."]}})
    if not ctx.calendar.is_working_day(vn_date(new_due)):
        raise Rejected("Ngày hẹn mới phải là ngày làm việc.", {"json": {"new_due": [
            f"{vn_date(new_due):%d/%m/%Y}: {', '.join(ctx.calendar.day(vn_date(new_due)).reasons)}."]}})
    d["extension"] = {"at": ctx.now, "by": ctx.actor.subject, "by_name": ctx.actor.name, "reason": reason,
                      "old_due": old_due, "new_due": new_due}
    d["appointment"] = {**d["appointment"], "due": new_due, "extended": True}
    d["appointment_due"] = new_due
    d["forms"]["apology"] = {"issued_at": ctx.now, "by": ctx.actor.subject, "by_name": ctx.actor.name,
                             "reason": reason, "old_due": old_due, "new_due": new_due}
    d["deadline_history"].append({"at": ctx.now, "reason": f"Hẹn lại: {reason}", "old_due": old_due,
                                  "new_due": new_due, "calendar_version": ctx.calendar.version})
    out = Outcome()
    out.emit("appointment-extended", reason=reason, old_due=old_due, new_due=new_due)
    out.log.append(_log(d, ctx, "Xin lỗi và hẹn lại ngày trả kết quả", None))
    return out


def notify_early_return(d: dict[str, Any], ctx: Context, *, note: str | None) -> Outcome:
    """The result is ready before the appointment: the applicant is told in advance (Decree 61/2018
    Art. 20(4)) — only then may it be returned early."""
    if d["status"] != S.RESULT_READY:
        raise Conflict("Kết quả chưa sẵn sàng.")
    _require_officer_of(ctx, {d["receiving_agency_code"]}, (Role.COUNTER_OFFICER,))
    d["returned"] = {**(d["returned"] or {}), "early_notice_at": ctx.now, "early_notice_by": ctx.actor.subject}
    out = Outcome()
    out.emit("early-return-notified", note=note, appointment_due=d["appointment_due"])
    out.log.append(_log(d, ctx, "Thông báo trả kết quả sớm", None))
    return out


def return_result(d: dict[str, Any], ctx: Context, *, method: str, recipient: str | None,
                  returned_at: datetime | None) -> Outcome:
    """The result goes back to the applicant (status 10) with the method and the time (Decree 61/2018
    Art. 20). Before the appointment day only if the applicant was told in advance (Art. 20(4))."""
    if d["status"] != S.RESULT_READY:
        raise Conflict("Kết quả chưa sẵn sàng để trả.")
    step = _current_step(d, ctx, kinds=("return",), statuses=(S.RESULT_READY,))
    at = returned_at or ctx.now
    early = vn_date(at) < vn_date(as_utc(d["appointment_due"]))
    if early and not (d["returned"] or {}).get("early_notice_at"):
        raise Conflict("Trả kết quả trước ngày hẹn cần thông báo trước cho người nộp hồ sơ "
                       "(Nghị định 61/2018/NĐ-CP Điều 20 khoản 4).")
    return _record_return(d, step, ctx, method=method, recipient=recipient, at=at)


def _record_return(d: dict[str, Any], step: dict[str, Any], ctx: Context, *, method: str, recipient: str | None,
                   at: datetime) -> Outcome:
    d["returned"] = {**(d["returned"] or {}), "at": at, "method": method, "recipient": recipient,
                     "by": ctx.actor.subject, "outcome": finish_outcome(at, as_utc(d["appointment_due"]))}
    out = Outcome()
    _complete(d, step, ctx, out, action="Trả kết quả")
    _set_status(d, S.RESULT_RETURNED)
    out.emit("result-returned", method=method, outcome=d["returned"]["outcome"])
    out.log.append(_log(d, ctx, "Trả kết quả" + (" qua bưu chính công ích" if method == "post" else ""), step))
    return out


# -- the result by post (Decision 45/2016 Art. 9-10; Circular 17/2017 Art. 5(2)) ---------------------------------
# The postal service reports; these record it on the dossier. They are idempotent (an event seen twice, or
# one overtaken by a later one, changes nothing) because the postal events arrive through Kafka.

def result_posted(d: dict[str, Any], ctx: Context, *, tracking_code: str | None, accepted_at: datetime) -> Outcome:
    """The postal staff took the result. The applicant is told, with the tracking code, by the postal
    notice — the advance notice Decree 61/2018 Art. 20(4) asks for if it arrives before the appointment."""
    out = Outcome()
    if d["status"] != S.RESULT_READY or (d["returned"] or {}).get("posted_at"):
        return out
    returned = {**(d["returned"] or {}), "posted_at": accepted_at, "tracking_code": tracking_code}
    returned.setdefault("early_notice_at", accepted_at)
    d["returned"] = returned
    out.log.append(_log(d, ctx, f"Giao kết quả cho bưu chính công ích, số hiệu bưu gửi {tracking_code}", None))
    return out


def result_delivered_by_post(d: dict[str, Any], ctx: Context, *, delivered_at: datetime,
                             recipient: str | None) -> Outcome:
    """The postal staff delivered the result, after checking the recipient's identity (Circular 17/2017
    Art. 5(2)(d)): returned (status 10), at the delivery time."""
    if d["status"] != S.RESULT_READY:
        return Outcome()
    step = next((s for s in d["steps"] if s["state"] == ACTIVE and s["kind"] == "return"), None)
    if step is None:
        return Outcome()
    return _record_return(d, step, ctx, method="post", recipient=recipient, at=delivered_at)


def result_back_from_post(d: dict[str, Any], ctx: Context, *, attempts: int, at: datetime, lost: bool) -> Outcome:
    """Undeliverable after two attempts two working days apart (Circular 17/2017 Art. 5(2)(h)), or lost in
    carriage: the dossier shows it, and the result is to be handed over at the desk (or re-issued)."""
    out = Outcome()
    if d["status"] != S.RESULT_READY or (d["returned"] or {}).get("postal_failure"):
        return out
    d["returned"] = {**(d["returned"] or {}), "postal_failure": "lost" if lost else "returned",
                     "postal_failure_at": at, "postal_attempts": attempts}
    action = ("Bưu chính báo thất lạc kết quả; cần cấp lại và bồi thường theo quy định" if lost else
              f"Bưu chính phát không thành công ({attempts} lần); kết quả chuyển hoàn về Bộ phận Một cửa")
    out.log.append(_log(d, ctx, action, None))
    return out


def withdraw(d: dict[str, Any], ctx: Context, *, reason: str) -> Outcome:
    """The applicant asks to stop (Decree 118/2025 Art. 21; Circular 03/2025 Art. 7): allowed while no decision
    or result exists; under Decree 118 a stop notice is issued, under Decree 61 the withdrawal is recorded
    (status 7)."""
    _require_owner(d, ctx)
    return _close(d, ctx, status=S.WITHDRAWN, reason=reason, kind="withdrawn",
                  action="Công dân yêu cầu rút hồ sơ")


def stop(d: dict[str, Any], ctx: Context, *, reason: str) -> Outcome:
    """The competent agency stops processing (status 8), e.g. at the applicant's written request received at
    the desk, or when the law no longer allows it to continue; a stop notice under Decree 118."""
    _require_officer_of(ctx, {d["competent_agency_code"], d["receiving_agency_code"]}, (Role.AGENCY_HEAD,))
    return _close(d, ctx, status=S.STOPPED, reason=reason, kind="stopped", action="Dừng xử lý hồ sơ")


def _close(d: dict[str, Any], ctx: Context, *, status: DossierStatus, reason: str, kind: str,
           action: str) -> Outcome:
    if DossierStatus(d["status"]) in FINAL or d["status"] == S.RESULT_READY or d["result"]:
        raise Conflict("Hồ sơ đã có kết quả hoặc đã kết thúc: không dừng được (Thông tư 03/2025/TT-VPCP Điều 7).")
    for step in d["steps"]:
        if step["state"] in (ACTIVE, PENDING):
            step["state"] = "skipped"
    for stop_ in d["clock"]["stops"]:
        stop_["end"] = stop_["end"] or ctx.now
    d["closure"] = {"kind": kind, "at": ctx.now, "by": ctx.actor.subject, "reason": reason}
    if rule_set_by_id(d["rule_set"]).stop_notice:
        d["forms"]["stop_notice"] = {"issued_at": ctx.now, "by": ctx.actor.subject, "reason": reason}
    _set_status(d, status)
    out = Outcome()
    out.emit(kind, reason=reason, stop_notice=bool(d["forms"].get("stop_notice")))
    out.log.append(_log(d, ctx, action, None))
    return out


# -- deadlines ---------------------------------------------------------------------------------------------

def set_appointment(d: dict[str, Any], deadline: Deadline) -> None:
    d["appointment"] = {**deadline.to_document(), "extended": False}
    d["appointment_due"] = deadline.due


def recompute_deadlines(d: dict[str, Any], ctx: Context, reason: str) -> bool:
    """After a calendar change: the appointment (unless it was moved by an apology, which is a promise) and
    the running steps' due moments, counted again from the same starts. Returns whether the appointment
    moved."""
    moved = False
    if d["clock"]["started_at"] and not (d["extension"] or {}).get("new_due"):
        limit = TimeLimit.from_document(d["procedure"]["time_limit"])
        fresh = ctx.calendar.add(d["clock"]["started_at"], limit, stops=_stops(d))
        if fresh.due != as_utc(d["appointment_due"]):
            old = as_utc(d["appointment_due"])
            set_appointment(d, fresh)
            d["deadline_history"].append({"at": ctx.now, "reason": reason, "old_due": old, "new_due": fresh.due,
                                          "calendar_version": ctx.calendar.version})
            moved = True
    for step in active_steps(d):
        _set_step_due(step, ctx, as_utc(step["started_at"]))
    _plan(d, ctx)
    set_queue(d)
    return moved


def _record_deadline_change(d: dict[str, Any], ctx: Context, reason: str) -> None:
    d["deadline_history"].append({"at": ctx.now, "reason": reason, "old_due": None, "new_due": d["appointment_due"],
                                  "calendar_version": ctx.calendar.version})


def _stops(d: dict[str, Any]) -> list[ClockStop]:
    return [ClockStop.from_document(s) for s in d["clock"]["stops"] if s.get("end")]


def _plan(d: dict[str, Any], ctx: Context) -> None:
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
        step["planned_due_at"] = ctx.calendar.add(d["clock"]["started_at"], TimeLimit(end, unit), stops=_stops(d)).due


def step_deadline(step: dict[str, Any], calendar) -> Deadline:
    """A step's due moment with its explanation, from when it started (the desk's step counts from the
    filing, after 15:00 from the next working day; later steps from their hand-over, which already applied it).
    Only ``due_at`` is stored; the explanation is recomputed when shown, keeping dossiers small."""
    allotted = TimeLimit.from_document(step["allotted"])
    if allotted.unit is Unit.SAME_DAY:
        allotted = TimeLimit(0, Unit.WORKING_HOURS)
    return calendar.add(step["started_at"], allotted, apply_cutoff=step["kind"] == "reception")


def _set_step_due(step: dict[str, Any], ctx: Context, start: datetime) -> None:
    step["started_at"] = start
    step["due_at"] = step_deadline(step, ctx.calendar).due


# -- steps ---------------------------------------------------------------------------------------------------

def _start_next(d: dict[str, Any], ctx: Context, out: Outcome, *, start: datetime,
                handed_by: dict[str, Any]) -> list[dict[str, Any]]:
    """Activates the next pending step (a whole parallel group at once, Decree 61/2018 Art. 19(6)) and records
    the hand-over from the unit that finished."""
    pending = [s for s in d["steps"] if s["state"] == PENDING and s["kind"] != "return"]
    if not pending:
        return []
    first = pending[0]
    started = [s for s in pending if first["group"] and s["group"] == first["group"]] or [first]
    for step in started:
        step["state"] = ACTIVE
        step["started_at"] = start
        _set_step_due(step, ctx, start)
        d["handovers"].append({
            "from_agency": handed_by["agency"], "from_step": handed_by["code"], "from_officer": ctx.actor.subject,
            "from_officer_name": ctx.actor.name, "to_agency": step["agency"], "to_step": step["code"],
            "to_role": step["role"], "at": start, "outcome": handed_by.get("outcome"),
        })
    set_queue(d)
    return started


def _restart(step: dict[str, Any], ctx: Context, start: datetime) -> None:
    _set_step_due(step, ctx, start)


def _complete(d: dict[str, Any], step: dict[str, Any], ctx: Context, out: Outcome, *, action: str,
              note: str | None = None, skip_state: bool = False) -> None:
    step["state"] = "skipped" if skip_state else DONE
    step["completed_at"] = ctx.now
    step["completed_by"] = ctx.actor.subject
    step["completed_by_name"] = ctx.actor.name
    step["note"] = note
    due = as_utc(step["due_at"]) if step["due_at"] else None
    step["outcome"] = finish_outcome(ctx.now, due) if due else None
    if step["outcome"] == LATE:
        out.emit("step-late", step=step["code"], agency=step["agency"])
    set_queue(d)


def _ready_for_return(d: dict[str, Any], ctx: Context, out: Outcome) -> None:
    """Result ready (status 9): the desk returns it; the return step is not counted (Circular 01/2018 Art. 8)."""
    ret = next(s for s in d["steps"] if s["kind"] == "return")
    ret["state"] = ACTIVE
    ret["started_at"] = ctx.now
    ret["due_at"] = d["appointment_due"]
    last = [s for s in d["steps"] if s["state"] in (DONE, "skipped") and s["kind"] != "return"][-1]
    d["handovers"].append({"from_agency": last["agency"], "from_step": last["code"], "from_officer": ctx.actor.subject,
                           "from_officer_name": ctx.actor.name, "to_agency": ret["agency"], "to_step": ret["code"],
                           "to_role": ret["role"], "at": ctx.now, "outcome": last.get("outcome")})
    ready_outcome = finish_outcome(ctx.now, as_utc(d["appointment_due"]))
    if ready_outcome == LATE:
        _mark_late(d, "Kết quả được giải quyết sau ngày hẹn trả")
    d["result"] = {**(d["result"] or {}), "ready_at": ctx.now, "outcome": ready_outcome}
    _set_status(d, S.RESULT_READY)
    set_queue(d)
    out.emit("result-ready", result_kind=d["result"]["kind"], outcome=ready_outcome,
             early=ready_outcome == EARLY, return_method=d["result_return"]["method"])


# -- who may act ---------------------------------------------------------------------------------------------

def _current_step(d: dict[str, Any], ctx: Context, *, kinds: tuple[str, ...],
                  statuses: tuple[DossierStatus, ...]) -> dict[str, Any]:
    if d["status"] not in statuses:
        raise Conflict(f"Không thực hiện được khi hồ sơ ở trạng thái {DossierStatus(d['status']).vietnamese}.")
    if kinds == ("reception",):
        step = d["steps"][0]
        _require_officer_of(ctx, {step["agency"]}, (Role(step["role"]),))
        return step
    return _authorised_step([s for s in d["steps"] if s["state"] == ACTIVE and s["kind"] in kinds], ctx)


def _authorised_step(candidates: list[dict[str, Any]], ctx: Context) -> dict[str, Any]:
    """The active step this officer may act on: their role, their agency, and the assignee if one was named."""
    if not candidates:
        raise Conflict("Hồ sơ không có bước nào đang chờ thao tác này.")
    principal = ctx.actor
    if principal.kind is not PrincipalKind.OFFICER:
        raise Forbidden("Chỉ cán bộ xử lý bước này mới thực hiện được.")
    for step in candidates:
        if step["agency"] == principal.agency_code and principal.has_role(step["role"]) and (
                step["assignee"] in (None, principal.subject)):
            return step
    step = candidates[0]
    raise Forbidden(f"Bước {step['name']!r} do {step['role']} của cơ quan {step['agency']} xử lý"
                    + (" (đã phân công cho người khác)." if step["assignee"] else "."))


def _require_officer_of(ctx: Context, agencies: set[str], roles: tuple[Role, ...]) -> None:
    principal = ctx.actor
    if principal.kind is not PrincipalKind.OFFICER or principal.agency_code not in agencies \
            or not principal.has_role(*roles):
        raise Forbidden("Cán bộ không có thẩm quyền thực hiện thao tác này với hồ sơ.")


def _require_owner(d: dict[str, Any], ctx: Context) -> None:
    if ctx.actor.kind is not PrincipalKind.APPLICANT or ctx.actor.subject != d["owner_account_id"]:
        raise Forbidden("Chỉ người nộp hồ sơ thực hiện được thao tác này.")


# -- bookkeeping ----------------------------------------------------------------------------------------------

def missing_components(d: dict[str, Any], presented: list[str]) -> list[str]:
    """Required components neither attached (by component code) nor presented on paper at the counter."""
    attached = {a.get("component_code") for a in d["attachments"]}
    return [c["name"] for c in d["procedure"]["components"]
            if c["required"] and c["code"] not in attached and c["code"] not in presented]


def _set_status(d: dict[str, Any], status: DossierStatus) -> None:
    d["status"] = status.value
    set_queue(d)


def _mark_late(d: dict[str, Any], reason: str) -> None:
    d["counts_as_late"] = True
    if reason not in d["late_reasons"]:
        d["late_reasons"].append(reason)


def _log(d: dict[str, Any], ctx: Context, action: str, step: dict[str, Any] | None) -> dict[str, Any]:
    """A process-log line (handler, unit, action, status, step start and legal end; TT22/2019 Art. 4)."""
    return {"at": ctx.now, "handler": ctx.actor.subject, "handler_name": ctx.actor.name,
            "unit": ctx.actor.agency_code, "action": action, "status": d["status"],
            "step": step["code"] if step else None, "step_start": step["started_at"] if step else None,
            "step_due": step["due_at"] if step else None}


def set_queue(d: dict[str, Any]) -> None:
    """What the dossier waits for, and whom: the fields the queues filter and sort on."""
    status = DossierStatus(d["status"])
    active = [s for s in d["steps"] if s["state"] == ACTIVE]
    if status in (S.SUBMITTED,):
        reception = d["steps"][0]
        queue = (reception["agency"], reception["role"], None, reception["due_at"] or d["submitted_at"])
    elif status in FINAL:
        queue = (None, None, None, None)
    elif status in (S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT):
        queue = (d["receiving_agency_code"], "applicant", None, d["appointment_due"])
    elif active:
        first = min(active, key=lambda s: s["due_at"] or datetime.max.replace(tzinfo=UTC))
        queue = (first["agency"], first["role"], first["assignee"], first["due_at"])
    else:
        queue = (None, None, None, None)
    d["queue_agency"], d["queue_role"], d["queue_assignee"], d["queue_due"] = queue
    d["open"] = status not in FINAL
