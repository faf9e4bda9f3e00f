"""Reception at the one-stop desk: accept (Form 01 and the appointment), ask once for what is missing
(Form 02), take in what was supplied, or refuse (Form 03).

Why the workflow, not intake, decides reception: checking completeness and accepting is the first step of the
procedure's approved internal process (Circular 01/2018 Art. 8; domain.md §8.2, step 1 with its own allotment),
the appointment is the first deadline computed from the procedure version, the rule set and the calendar like
every later one, and the once-only supplementation rule spans reception and appraisal (Decision 766 counts a
second request as late). One state machine on one document keeps those checks atomic. Intake stays the channel:
it files dossiers (codes, attachments), and shows applicants and the public where they stand.
"""

from __future__ import annotations

import uuid
from typing import Any

from services.workflow.dossiers.lifecycle import steps
from services.workflow.dossiers.lifecycle.access import current_step, require_owner
from services.workflow.dossiers.lifecycle.deadlines import (
    legal_limit,
    plan,
    record_deadline_change,
    set_appointment,
)
from services.workflow.dossiers.lifecycle.stops import FILING, filing_fees_unsettled, stop_for_payment
from services.workflow.dossiers.model import (
    APPRAISAL,
    APPROVAL,
    INTER_AGENCY,
    PHASE_APPRAISAL,
    PHASE_RECEPTION,
    RECEPTION,
    REFUSAL_RESULT,
    REFUSED,
    REVIEW,
    active_steps,
    rules_of,
)
from shared.calendar import TimeLimit, Unit
from shared.clock import as_utc
from shared.domain.changes import Change, Context
from shared.domain.channels import Channel
from shared.domain.errors import Conflict, Rejected
from shared.domain.statuses import DossierStatus

S = DossierStatus

# Decree 61/2018 Art. 19(4): a dossier found incomplete during appraisal goes back within 3 working days of
# reception (unless sector law says otherwise).
APPRAISAL_SUPPLEMENT_WINDOW = TimeLimit(3, Unit.WORKING_DAYS)


def accept(d: dict[str, Any], ctx: Context, *, presented: list[str], note: str | None,
           receipt_requested: bool) -> Change:
    """Accept a complete dossier: status 2, the appointment and the receipt (Decree 61/2018 Art. 17(1)(c),
    17(2); Form 01). Immediate-result procedures get no receipt unless the applicant asks (Art. 17(4))."""
    reception = current_step(d, ctx, kinds=(RECEPTION,), statuses=(S.SUBMITTED,))
    missing = steps.missing_components(d, presented)
    if missing:
        raise Rejected("Hồ sơ chưa đủ thành phần: hãy yêu cầu bổ sung (một lần) hoặc từ chối.",
                       {"json": {"presented": [f"Thiếu: {name}." for name in missing]}})
    change = Change()
    # Decision 45/2016 Art. 7(4): a dossier brought by the public postal service was received when the
    # hand-over record was signed, not when the desk got round to checking it.
    received = as_utc(d["submitted_at"]) if d["channel"] == Channel.POST else ctx.now
    d["received_at"] = received
    d["clock"] = {"started_at": received, "stops": []}
    set_appointment(d, ctx.calendar.add(received, legal_limit(d)))
    plan(d, ctx)
    steps.complete(d, reception, ctx, change)
    handover = ctx.calendar.counting_start(ctx.now)[0]  # same working day, or next morning after 15:00 (Art. 18)
    steps.start_next(d, ctx, start=handover, handed_by=reception)
    steps.set_status(d, S.ACCEPTED)
    if not d["procedure"]["immediate_result"] or receipt_requested:
        steps.issue_form(d, "receipt", note=note)
    change.emit("accepted", appointment_due=d["appointment_due"], received_at=received,
                receipt=bool(d["forms"].get("receipt")))
    steps.log(d, ctx, "Tiếp nhận hồ sơ", reception)
    unpaid = filing_fees_unsettled(d)
    if unpaid:
        # Fees the procedure asks to pay online at filing (domain.md §2.9; Decree 61/2018 Art. 22(1)(c)) are
        # still unpaid: the dossier is received, and waits for them with the clock stopped, as for a financial
        # obligation (status 6); the payment resumes it.
        stop_for_payment(d, ctx, change, {"amount": unpaid, "description": "Phí, lệ phí nộp khi nộp hồ sơ",
                                          "notice_number": None, "collected_by": d["receiving_agency_code"]},
                         purpose=FILING)
        steps.log(d, ctx, "Chờ nộp phí, lệ phí trực tuyến")
    return change


def request_supplement(d: dict[str, Any], ctx: Context, *, items: list[dict[str, Any]],
                       override_reason: str | None) -> Change:
    """Ask the applicant, once, completely and precisely, for what is missing (Decree 61/2018 Art. 15(3),
    Art. 11(2)(c); Form 02). At reception this is status 5 from status 1. During appraisal it must happen within
    3 working days of reception and the clock restarts when the complete dossier arrives (Art. 19(4)). A second
    request needs a reason and counts the dossier as late (Decision 766, indicator 2.1)."""
    if d["status"] == S.SUBMITTED:
        step = current_step(d, ctx, kinds=(RECEPTION,), statuses=(S.SUBMITTED,))
        phase = PHASE_RECEPTION
    else:
        step = current_step(d, ctx, kinds=(APPRAISAL, INTER_AGENCY), statuses=(S.IN_PROGRESS,))
        phase = PHASE_APPRAISAL
        window = ctx.calendar.add(d["received_at"], APPRAISAL_SUPPLEMENT_WINDOW, apply_cutoff=False).due
        if ctx.now > window:
            raise Conflict("Đã quá 03 ngày làm việc kể từ ngày tiếp nhận: không còn được trả hồ sơ để bổ sung"
                           f"{rules_of(d).cite('appraisal_supplement')}.")
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
        steps.mark_late(d, "Yêu cầu bổ sung hồ sơ quá một lần (Quyết định 766/QĐ-TTg)")
    steps.issue_form(d, "supplement_request", request_id=request["id"])
    steps.set_status(d, S.SUPPLEMENT_REQUESTED)
    change = Change()
    change.emit("supplement-requested", phase=phase, items=items, request_id=request["id"])
    steps.log(d, ctx, "Yêu cầu bổ sung, hoàn thiện hồ sơ", step)
    return change


def supply(d: dict[str, Any], ctx: Context, *, note: str | None, attachments: list[dict[str, Any]]) -> Change:
    """The applicant hands in what was asked. At reception the dossier goes back to the desk (status 1); during
    appraisal processing resumes and the clock restarts from zero (Decree 61/2018 Art. 19(4))."""
    require_owner(d, ctx)
    if d["status"] != S.SUPPLEMENT_REQUESTED:
        raise Conflict("Hồ sơ không ở trạng thái chờ bổ sung.")
    request = d["supplementation"]["requests"][-1]
    request["supplied_at"] = ctx.now
    request["supplied_note"] = note
    d["attachments"] = d["attachments"] + attachments
    if request["phase"] == PHASE_RECEPTION:
        steps.set_status(d, S.SUBMITTED)
    else:
        replaced = d["appointment_due"]
        d["clock"] = {"started_at": ctx.now, "stops": []}
        set_appointment(d, ctx.calendar.add(ctx.now, legal_limit(d)))
        restart = ctx.calendar.counting_start(ctx.now)[0]
        for step in active_steps(d):
            steps.set_step_start(step, ctx, restart)
        steps.set_status(d, S.IN_PROGRESS)
        record_deadline_change(d, ctx, "Tính lại thời hạn từ khi nhận đủ hồ sơ bổ sung"
                                       + rules_of(d).cite("appraisal_supplement"), replaced)
    change = Change()
    change.emit("supplement-received", phase=request["phase"], request_id=request["id"],
                appointment_due=d["appointment_due"], file_ids=[a["file_id"] for a in attachments if a.get("file_id")])
    steps.log(d, ctx, "Người nộp bổ sung hồ sơ")
    return change


def refuse(d: dict[str, Any], ctx: Context, *, reasons: list[str]) -> Change:
    """Refuse: at reception status 3 (Decree 61/2018 Art. 17(1)(b); Form 03); after appraisal the refusal is
    the result, issued within the time limit and returned through the desk (Art. 19(8))."""
    change = Change()
    if d["status"] in (S.SUBMITTED, S.SUPPLEMENT_REQUESTED) and d["received_at"] is None:
        step = current_step(d, ctx, kinds=(RECEPTION,), statuses=(S.SUBMITTED, S.SUPPLEMENT_REQUESTED))
        steps.issue_form(d, "refusal", reasons=reasons, stage=PHASE_RECEPTION)
        d["closure"] = {"kind": REFUSED, "at": ctx.now, "by": ctx.actor.subject, "reasons": reasons}
        steps.skip_open_steps(d)
        steps.set_status(d, S.REFUSED)
        change.emit("refused", stage=PHASE_RECEPTION, reasons=reasons)
        steps.log(d, ctx, "Từ chối tiếp nhận hồ sơ", step)
        return change
    step = current_step(d, ctx, kinds=(APPRAISAL, REVIEW, APPROVAL, INTER_AGENCY), statuses=(S.IN_PROGRESS,))
    if d["appointment_due"] and ctx.now > as_utc(d["appointment_due"]):
        steps.mark_late(d, "Từ chối giải quyết sau thời hạn" + rules_of(d).cite("refusal_after_appraisal"))
    d["result"] = {"kind": REFUSAL_RESULT, "reasons": reasons, "at": ctx.now, "by": ctx.actor.subject,
                   "by_name": ctx.actor.name}
    steps.issue_form(d, "refusal", reasons=reasons, stage=PHASE_APPRAISAL)
    steps.skip_open_steps(d, keep_return=True)
    steps.complete(d, step, ctx, change, skipped=True)
    steps.ready_for_return(d, ctx, change)
    change.emit("refused", stage=PHASE_APPRAISAL, reasons=reasons)
    steps.log(d, ctx, "Từ chối giải quyết hồ sơ", step)
    return change
