"""The result: telling the applicant it is ready early, handing it over (status 10), and what the public postal
service reports about a result sent by post (Decision 45/2016 Art. 9-10; Circular 17/2017 Art. 5(2))."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.workflow.dossiers.lifecycle import steps
from services.workflow.dossiers.lifecycle.access import current_step, require_officer_of
from services.workflow.dossiers.model import ACTIVE, RETURN, finish_outcome, rules_of
from shared.auth.roles import Role
from shared.clock import as_utc, vn_date
from shared.domain.changes import Change, Context
from shared.domain.channels import ResultReturnMethod
from shared.domain.errors import Conflict
from shared.domain.statuses import DossierStatus

S = DossierStatus


def notify_early_return(d: dict[str, Any], ctx: Context, *, note: str | None) -> Change:
    """The result is ready before the appointment: the applicant is told in advance (Decree 61/2018
    Art. 20(4)) — only then may it be returned early."""
    if d["status"] != S.RESULT_READY:
        raise Conflict("Kết quả chưa sẵn sàng.")
    require_officer_of(ctx, {d["receiving_agency_code"]}, (Role.COUNTER_OFFICER,))
    d["returned"] = {**(d["returned"] or {}), "early_notice_at": ctx.now, "early_notice_by": ctx.actor.subject}
    change = Change()
    change.emit("early-return-notified", note=note, appointment_due=d["appointment_due"])
    steps.log(d, ctx, "Thông báo trả kết quả sớm")
    return change


def return_result(d: dict[str, Any], ctx: Context, *, method: str, recipient: str | None,
                  returned_at: datetime | None) -> Change:
    """The result goes back to the applicant (status 10) with the method and the time (Decree 61/2018
    Art. 20). Before the appointment day only if the applicant was told in advance (Art. 20(4))."""
    if d["status"] != S.RESULT_READY:
        raise Conflict("Kết quả chưa sẵn sàng để trả.")
    step = current_step(d, ctx, kinds=(RETURN,), statuses=(S.RESULT_READY,))
    at = returned_at or ctx.now
    early = vn_date(at) < vn_date(as_utc(d["appointment_due"]))
    if early and not (d["returned"] or {}).get("early_notice_at"):
        raise Conflict("Trả kết quả trước ngày hẹn cần thông báo trước cho người nộp hồ sơ"
                       f"{rules_of(d).cite('early_return')}.")
    return _record_return(d, step, ctx, method=method, recipient=recipient, at=at)


def _record_return(d: dict[str, Any], step: dict[str, Any], ctx: Context, *, method: str, recipient: str | None,
                   at: datetime) -> Change:
    d["returned"] = {**(d["returned"] or {}), "at": at, "method": method, "recipient": recipient,
                     "by": ctx.actor.subject, "outcome": finish_outcome(at, as_utc(d["appointment_due"]))}
    change = Change()
    steps.complete(d, step, ctx, change)
    steps.set_status(d, S.RESULT_RETURNED)
    change.emit("result-returned", method=method, outcome=d["returned"]["outcome"])
    steps.log(d, ctx, "Trả kết quả" + (" qua bưu chính công ích" if method == ResultReturnMethod.POST else ""), step)
    return change


# -- the result by post --------------------------------------------------------------------------------------
# The postal service reports; these record it on the dossier. They are idempotent (an event seen twice, or one
# overtaken by a later one, changes nothing) because the postal events arrive through Kafka.

def result_posted(d: dict[str, Any], ctx: Context, *, tracking_code: str | None, accepted_at: datetime) -> Change:
    """The postal staff took the result. The applicant is told, with the tracking code, by the postal
    notice — the advance notice Decree 61/2018 Art. 20(4) asks for if it arrives before the appointment."""
    if d["status"] != S.RESULT_READY or (d["returned"] or {}).get("posted_at"):
        return Change.stale()
    returned = {**(d["returned"] or {}), "posted_at": accepted_at, "tracking_code": tracking_code}
    returned.setdefault("early_notice_at", accepted_at)
    d["returned"] = returned
    steps.log(d, ctx, f"Giao kết quả cho bưu chính công ích, số hiệu bưu gửi {tracking_code}")
    return Change()


def result_delivered_by_post(d: dict[str, Any], ctx: Context, *, delivered_at: datetime,
                             recipient: str | None) -> Change:
    """The postal staff delivered the result, after checking the recipient's identity (Circular 17/2017
    Art. 5(2)(d)): returned (status 10), at the delivery time."""
    if d["status"] != S.RESULT_READY:
        return Change.stale()
    step = next((s for s in d["steps"] if s["state"] == ACTIVE and s["kind"] == RETURN), None)
    if step is None:
        return Change.stale()
    return _record_return(d, step, ctx, method=ResultReturnMethod.POST.value, recipient=recipient, at=delivered_at)


def result_back_from_post(d: dict[str, Any], ctx: Context, *, attempts: int, at: datetime, lost: bool) -> Change:
    """Undeliverable after two attempts two working days apart (Circular 17/2017 Art. 5(2)(h)), or lost in
    carriage: the dossier shows it, and the result is to be handed over at the desk (or re-issued)."""
    if d["status"] != S.RESULT_READY or (d["returned"] or {}).get("postal_failure"):
        return Change.stale()
    d["returned"] = {**(d["returned"] or {}), "postal_failure": "lost" if lost else "returned",
                     "postal_failure_at": at, "postal_attempts": attempts}
    action = ("Bưu chính báo thất lạc kết quả; cần cấp lại và bồi thường theo quy định" if lost else
              f"Bưu chính phát không thành công ({attempts} lần); kết quả chuyển hoàn về Bộ phận Một cửa")
    steps.log(d, ctx, action)
    return Change()
