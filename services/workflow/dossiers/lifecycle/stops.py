"""The processing clock stopped and moved: waiting for the applicant's financial obligations (status 6) and
its end, and the one extension with an apology (Form 04)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.workflow.dossiers.lifecycle import steps
from services.workflow.dossiers.lifecycle.access import require_officer_of
from services.workflow.dossiers.lifecycle.deadlines import (
    ended_stops,
    legal_limit,
    record_deadline_change,
    set_appointment,
)
from services.workflow.dossiers.model import DONE, FINANCIAL_OBLIGATION, rules_of
from shared.auth.roles import Role
from shared.calendar import ClockStop
from shared.clock import as_utc, vn_date
from shared.domain.changes import Change, Context
from shared.domain.errors import Conflict, Rejected
from shared.domain.statuses import DossierStatus

S = DossierStatus
AWAITING_PAYMENT_REASON = "chờ thực hiện nghĩa vụ tài chính"
OBLIGATION, FILING = "obligation", "filing"   # what the applicant is asked to pay (payments' purposes)
ONLINE, COUNTER = "online", "counter"         # how the payment became known


def stop_for_payment(d: dict[str, Any], ctx: Context, change: Change, obligation: dict[str, Any], *,
                     purpose: str = OBLIGATION) -> None:
    """The applicant is asked to pay taxes and fees: status 6, and the clock stops until they are paid — the
    time it waits is not counted (domain.md §7.3; Decree 766 spec). ``purpose``: a financial obligation
    determined during processing, or the fees due at filing still unpaid when the desk accepted the dossier
    (domain.md §2.9): payment waiting stops the clock the same way."""
    d["payment"] = {**obligation, "purpose": purpose, "resume_status": d["status"], "requested_at": ctx.now,
                    "requested_by": ctx.actor.subject, "paid_at": None}
    d["clock"]["stops"].append(ClockStop(ctx.now, None, AWAITING_PAYMENT_REASON).to_document())
    steps.set_status(d, S.AWAITING_PAYMENT)
    change.emit("payment-requested", purpose=purpose, **obligation)


def record_payment(d: dict[str, Any], ctx: Context, *, voucher: str, paid_at: datetime | None) -> Change:
    """The applicant paid at the desk or by transfer (receipt or voucher recorded; Decree 61/2018 Art.
    22(1)(a)-(b)): the clock runs again and processing resumes; the deadline moves by exactly the office time
    the wait covered."""
    if d["status"] != S.AWAITING_PAYMENT:
        raise Conflict("Hồ sơ không ở trạng thái chờ thực hiện nghĩa vụ tài chính.")
    require_officer_of(ctx, {d["receiving_agency_code"], d["competent_agency_code"]},
                       (Role.COUNTER_OFFICER, Role.SPECIALIST, Role.AGENCY_HEAD))
    change = Change()
    _resume(d, ctx, change, voucher=voucher, paid=paid_at or ctx.now, via=COUNTER)
    return change


def settle_payment(d: dict[str, Any], ctx: Context, *, charge_id: str, purpose: str, status: str, amount: int,
                   voucher: str | None, paid_at: datetime | None, online: bool) -> Change:
    """The payments service says a charge is settled — paid through the gateway (Decree 61/2018 Art.
    22(1)(c), 25(2)(d)) or waived by exemptions: recorded on the dossier; if the dossier waits for exactly this
    payment (status 6), the clock runs again as when an officer records it (:func:`record_payment`). Said
    twice, it changes nothing."""
    fees = d.setdefault("fees", [])
    entry = {"charge_id": charge_id, "purpose": purpose, "status": status, "amount": amount, "voucher": voucher,
             "paid_at": paid_at, "online": online}
    if entry in fees:
        return Change.duplicate()
    d["fees"] = [f for f in fees if f["charge_id"] != charge_id] + [entry]
    change = Change()
    waiting = d["status"] == S.AWAITING_PAYMENT and not (d["payment"] or {}).get("paid_at")
    if waiting and (d["payment"] or {}).get("purpose", OBLIGATION) == purpose:
        _resume(d, ctx, change, voucher=voucher or "Miễn phí, lệ phí", paid=paid_at or ctx.now,
                via=ONLINE if online else COUNTER, charge_id=charge_id)
    return change


def filing_fees_unsettled(d: dict[str, Any]) -> int:
    """What the procedure version asks to pay online at filing (before exemptions), when the payments service
    has not said it is paid or waived; 0 when nothing is owed."""
    owed = sum(fee["amount"] for fee in d["procedure"].get("fees") or [] if fee.get("when") == FILING)
    settled = any(f["purpose"] == FILING and f["status"] in ("paid", "waived") for f in d.get("fees") or [])
    return 0 if settled else owed


def _resume(d: dict[str, Any], ctx: Context, change: Change, *, voucher: str, paid: datetime, via: str,
            charge_id: str | None = None) -> None:
    """The wait for payment ends at ``paid`` (never before it began): the appointment moves by the office time
    the wait covered (unless an apology already fixed it), and the dossier goes back to where it was — the step
    after the financial obligation, or the desk's acceptance for the fees due at filing."""
    purpose = d["payment"].get("purpose", OBLIGATION)
    stop = d["clock"]["stops"][-1]
    d["payment"] = {**d["payment"], "paid_at": paid, "voucher": voucher, "recorded_by": ctx.actor.subject, "via": via}
    stop["end"] = max(as_utc(paid), as_utc(stop["start"]))
    if not (d["extension"] or {}).get("new_due"):
        replaced = d["appointment_due"]
        set_appointment(d, ctx.calendar.add(d["clock"]["started_at"], legal_limit(d), stops=ended_stops(d)))
        record_deadline_change(d, ctx, "Cộng thời gian chờ thực hiện nghĩa vụ tài chính", replaced)
    if purpose == OBLIGATION:
        previous = [s for s in d["steps"] if s["kind"] == FINANCIAL_OBLIGATION and s["state"] == DONE][-1]
        steps.start_next(d, ctx, start=ctx.now, handed_by=previous)
        steps.set_status(d, S.IN_PROGRESS)
    else:
        steps.set_status(d, S(d["payment"].get("resume_status") or S.ACCEPTED))
    change.emit("payment-recorded", voucher=voucher, appointment_due=d["appointment_due"], purpose=purpose, via=via,
                charge_id=charge_id)
    steps.log(d, ctx, "Ghi nhận đã thực hiện nghĩa vụ tài chính" if purpose == OBLIGATION
              else "Ghi nhận đã nộp phí, lệ phí")


def extend(d: dict[str, Any], ctx: Context, *, reason: str, new_due: datetime) -> Change:
    """A late dossier: the competent agency apologises in writing and proposes a new date (Form 04) no later
    than one day before the deadline; the appointment can be moved only once; the desk changes the date and the
    applicant is told (Decree 61/2018 Art. 19(9), Art. 12(5))."""
    if d["status"] not in (S.ACCEPTED, S.IN_PROGRESS, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT):
        raise Conflict("Chỉ gia hạn hồ sơ đang giải quyết.")
    require_officer_of(ctx, {d["competent_agency_code"]}, (Role.AGENCY_HEAD,))
    if d["extension"]:
        raise Conflict(f"Hồ sơ đã được hẹn lại một lần; không được hẹn lại lần nữa{rules_of(d).cite('extension')}.")
    old_due = as_utc(d["appointment_due"])
    if ctx.now > old_due - timedelta(days=1):
        raise Conflict("Văn bản xin lỗi và hẹn lại phải gửi chậm nhất 01 ngày trước ngày hẹn trả kết quả"
                       f"{rules_of(d).cite('extension')}.")
    if new_due <= old_due:
        raise Rejected("Ngày hẹn mới phải sau ngày hẹn cũ.", {"json": {"new_due": ["Phải sau ngày hẹn hiện tại."]}})
    if not ctx.calendar.is_working_day(vn_date(new_due)):
        raise Rejected("Ngày hẹn mới phải là ngày làm việc.", {"json": {"new_due": [
            f"{vn_date(new_due):%d/%m/%Y}: {', '.join(ctx.calendar.day(vn_date(new_due)).reasons)}."]}})
    d["extension"] = {"at": ctx.now, "by": ctx.actor.subject, "by_name": ctx.actor.name, "reason": reason,
                      "old_due": old_due, "new_due": new_due}
    d["appointment"] = {**d["appointment"], "due": new_due, "extended": True}
    d["appointment_due"] = new_due
    steps.issue_form(d, "apology", reason=reason, old_due=old_due, new_due=new_due)
    d["deadline_history"].append({"at": ctx.now, "reason": f"Hẹn lại: {reason}", "old_due": old_due,
                                  "new_due": new_due, "calendar_version": ctx.calendar.version})
    change = Change()
    change.emit("appointment-extended", reason=reason, old_due=old_due, new_due=new_due)
    steps.log(d, ctx, "Xin lỗi và hẹn lại ngày trả kết quả")
    return change
