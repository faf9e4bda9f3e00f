"""Who is told what about an event: the templates it calls for, the recipients and channels, and the
personalisation. A plain function of the event — no database, no sending — so the rules read in one place.

Applicants are reached on every channel their contact allows: e-mail, SMS (unless they opted out, which
never stops a legally required notice) and the in-app inbox of their account. Officers are told in the
officer console's inbox: the assignee when there is one, otherwise everyone of the agency
(``agency:<code>``). Their due-soon, overdue and assignment alerts are not messages of their own: they are
entries of the recipient's digest of the period (``services/notify/digests/``), sent as one message when the
period ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.notify.digests.service import ASSIGNED, DUE_SOON, OVERDUE, DigestItem
from services.notify.templates.library import EMAIL, IN_APP, SMS, Template, get_template
from shared.clock import vn_datetime
from shared.domain import evaluation as ev
from shared.domain.channels import Channel, ResultReturnMethod
from shared.domain.statuses import DossierStatus
from shared.events import Event

AGENCY_INBOX = "agency:"


@dataclass(frozen=True)
class About:
    """What the messages of one event are about (kept on each notification: listing and access)."""

    dossier_id: str | None
    dossier_code: str | None
    agency_codes: tuple[str, ...]
    owner_account_id: str | None


@dataclass(frozen=True)
class Planned:
    template: Template
    channel: str
    recipient: str
    personalisation: dict[str, str]


@dataclass
class Plan:
    about: About
    messages: list[Planned] = field(default_factory=list)
    digest: list[DigestItem] = field(default_factory=list)

    def to_applicant(self, template_id: str, contact: dict[str, Any], personalisation: dict[str, str]) -> None:
        template = get_template(template_id)
        if contact.get("email") and EMAIL in template.channels:
            self.messages.append(Planned(template, EMAIL, contact["email"], personalisation))
        if contact.get("phone") and SMS in template.channels and (template.required or not contact.get("sms_opt_out")):
            self.messages.append(Planned(template, SMS, contact["phone"], personalisation))
        if self.about.owner_account_id:
            self.messages.append(Planned(template, IN_APP, self.about.owner_account_id, personalisation))

    def to_officers(self, template_id: str, recipient: str, personalisation: dict[str, str]) -> None:
        self.messages.append(Planned(get_template(template_id), IN_APP, recipient, personalisation))

    def to_officers_digest(self, kind: str, recipient: str, entry: dict[str, Any]) -> None:
        """An entry of the recipient's digest (the channel officers are told on: their inbox)."""
        self.digest.append(DigestItem(kind, recipient, IN_APP, {"dossier_id": self.about.dossier_id, **entry}))


def agency_inbox(agency_code: str) -> str:
    return f"{AGENCY_INBOX}{agency_code}"


def moment(value: datetime | None) -> str:
    """``"17:00 ngày 26/11/2026"``, Hà Nội time, as forms and messages write a moment."""
    if value is None:
        return "chưa xác định"
    local = vn_datetime(value)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def money(amount: int) -> str:
    return f"{amount:,} đồng".replace(",", ".")


def numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def plan(event: Event, payload: dict[str, Any], portal_url: str) -> Plan:
    """The messages an event calls for (possibly none)."""
    if event.type in _PETITION_PLANNERS:
        result = Plan(About(payload.get("dossier_id"), payload.get("dossier_code"), (payload["agency_code"],),
                            payload.get("sender_account_id")))
        _PETITION_PLANNERS[event.type](result, payload, _petition_common(payload, portal_url))
        return result
    if event.type in _PAYMENT_PLANNERS:
        agencies = (payload["agency_code"], payload["competent_agency_code"])
        result = Plan(About(event.dossier_id, payload["dossier_code"], agencies, payload.get("owner_account_id")))
        _PAYMENT_PLANNERS[event.type](result, payload, _payment_common(payload, portal_url))
        return result
    if event.type in _SYNC_PLANNERS:
        result = Plan(About(event.dossier_id, payload["code"],
                            (payload["receiving_agency_code"], payload["competent_agency_code"]), None))
        _SYNC_PLANNERS[event.type](result, payload, {"code": payload["code"]})
        return result
    if event.type in _SHIPMENT_PLANNERS:
        result = Plan(About(event.dossier_id, payload["dossier_code"], (payload["agency_code"],),
                            payload.get("owner_account_id")))
        if payload["direction"] == "result_delivery":  # a pickup is told through the dossier it becomes
            _SHIPMENT_PLANNERS[event.type](result, payload, _shipment_common(payload, portal_url))
        return result
    builder = _PLANNERS.get(event.type)
    about = About(event.dossier_id, payload["code"],
                  (payload["receiving_agency_code"], payload["competent_agency_code"]),
                  payload.get("owner_account_id"))
    result = Plan(about)
    if builder is not None:
        builder(result, payload, {**_common(payload, portal_url),
                                  "pay_url": f"{portal_url.rstrip('/')}/ho-so/{event.dossier_id}"})
    return result


def _common(payload: dict[str, Any], portal_url: str) -> dict[str, str]:
    """The fields every dossier message may use."""
    method = payload.get("result_return_method") or (payload.get("result_return") or {}).get("method")
    name = payload.get("applicant_name") or payload.get("applicant", {}).get("full_name", "")
    return {
        "applicant_name": name,
        "code": payload["code"],
        "procedure_name": payload["procedure_name"],
        "agency_code": payload["receiving_agency_code"],
        # events before names were added carry only the code: then the desk is named by what it is
        "receiving_agency_name": payload.get("receiving_agency_name") or "Bộ phận Một cửa nơi nộp hồ sơ",
        "status_name": DossierStatus(payload["status"]).vietnamese,
        "appointment": moment(payload.get("appointment_due")),
        "result_return": ResultReturnMethod(method).vietnamese if method else "chưa chọn",
        "lookup_url": f"{portal_url.rstrip('/')}/lookup/{payload['code']}",
        "rating_url": f"{portal_url.rstrip('/')}/danh-gia/{payload['code']}",
    }


# -- one function per event type ----------------------------------------------------------------------------

def _submitted(plan_: Plan, payload: dict[str, Any], common: dict[str, str]) -> None:
    # Online filings get the automatic acknowledgement (Decree 45/2020 Art. 11); a dossier brought by the post
    # is told its filing time, the hand-over (Decision 45/2016 Art. 7(4)). One handed in at the counter gets
    # its receipt when it is accepted.
    template, how = {Channel.ONLINE: ("dossier-submitted", "nộp trực tuyến"),
                     Channel.POST: ("dossier-received-by-post", "gửi qua bưu chính")}.get(payload["channel"],
                                                                                          (None, None))
    if template is None:
        return
    plan_.to_applicant(template, payload["contact"], {**common, "submitted": moment(payload["submitted_at"])})
    plan_.to_officers("officer-agency-work", agency_inbox(payload["receiving_agency_code"]),
                      {**common, "reason": f"Hồ sơ {how}, chờ kiểm tra và tiếp nhận."})


def _accepted(plan_: Plan, payload, common) -> None:
    plan_.to_applicant("dossier-accepted", payload["contact"], common)
    plan_.to_officers("officer-agency-work", agency_inbox(payload["competent_agency_code"]),
                      {**common, "reason": f"Đã tiếp nhận, hẹn trả kết quả {common['appointment']}; chờ phân công."})


def _supplement_requested(plan_: Plan, payload, common) -> None:
    items = payload["details"]["items"]
    plan_.to_applicant("dossier-supplement-requested", payload["contact"], {
        **common,
        "items_text": numbered([f"{item['name']}: {item['reason']}" for item in items]),
        "items_inline": "; ".join(item["name"] for item in items),
    })


def _supplement_received(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    again = (f" Thời gian hẹn trả kết quả: {moment(details['appointment_due'])}."
             if details.get("appointment_due") else "")
    plan_.to_applicant("dossier-status", payload["contact"], {
        **common, "status_name": "Đã nhận hồ sơ bổ sung",
        "reason": "Cơ quan đã nhận các giấy tờ Ông/Bà bổ sung; hồ sơ tiếp tục được giải quyết." + again})
    # Decree 61/2018 Art. 15(4)(b) and 19(4): the desk checks a supplement at reception, the competent agency
    # one asked for during appraisal.
    desk = payload["receiving_agency_code"] if details["phase"] == "reception" else payload["competent_agency_code"]
    plan_.to_officers("officer-supplement-received", agency_inbox(desk),
                      {**common, "reason": "Tổ chức, cá nhân đã bổ sung giấy tờ theo yêu cầu."})


def _refused(plan_: Plan, payload, common) -> None:
    reasons = payload["details"]["reasons"]
    plan_.to_applicant("dossier-refused", payload["contact"],
                       {**common, "reasons_text": numbered(reasons), "reasons_inline": "; ".join(reasons)})


def _assigned(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    plan_.to_applicant("dossier-status", payload["contact"],
                       {**common, "reason": "Hồ sơ đã được phân công cho chuyên viên xử lý."})
    plan_.to_officers_digest(ASSIGNED, details["assignee"], {
        "code": common["code"], "procedure_name": common["procedure_name"],
        "step_name": details.get("step_name") or "Xử lý hồ sơ",
        "due_at": details.get("step_due_at") or payload.get("appointment_due"), "at": payload["at"]})


def _payment_requested(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    plan_.to_applicant("dossier-payment-requested", payload["contact"],
                       {**common, "amount": money(details["amount"]), "description": details["description"]})


def _payment_recorded(plan_: Plan, payload, common) -> None:
    voucher = payload["details"]["voucher"]
    plan_.to_applicant("dossier-status", payload["contact"], {
        **common, "reason": f"Đã ghi nhận việc thực hiện nghĩa vụ tài chính (chứng từ {voucher}); "
                            f"hồ sơ tiếp tục được giải quyết."})


def _consultation_requested(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    plan_.to_officers("officer-consultation-requested", agency_inbox(details["agency_code"]),
                      {**common, "question": details["question"], "due": moment(details["due_at"])})


def _appointment_extended(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    plan_.to_applicant("dossier-apology", payload["contact"], {
        **common, "reason": details["reason"], "old_appointment": moment(details["old_due"]),
        "new_appointment": moment(details["new_due"])})


def _deadline_changed(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    plan_.to_applicant("dossier-deadline-changed", payload["contact"],
                       {**common, "reason": details["reason"], "new_appointment": moment(details["new_due"])})


def _result_ready(plan_: Plan, payload, common) -> None:
    plan_.to_applicant("dossier-result-ready", payload["contact"], common)


def _early_return(plan_: Plan, payload, common) -> None:
    plan_.to_applicant("dossier-early-return", payload["contact"],
                       {**common, "appointment": moment(payload["details"]["appointment_due"])})


def _result_returned(plan_: Plan, payload, common) -> None:
    method = ResultReturnMethod(payload["details"]["method"]).vietnamese
    plan_.to_applicant("dossier-result-returned", payload["contact"], {**common, "method": method.lower()})
    plan_.to_applicant("rating-request", payload["contact"], common)


def _closed(closure: str) -> Callable[[Plan, dict, dict], None]:
    def build(plan_: Plan, payload, common) -> None:
        plan_.to_applicant("dossier-closed", payload["contact"],
                           {**common, "closure": closure, "reason": payload["details"]["reason"]})
    return build


def _due_alert(kind: str) -> Callable[[Plan, dict, dict], None]:
    def build(plan_: Plan, payload, common) -> None:
        details = payload["details"]
        what = {"dossier": "Thời gian hẹn trả kết quả", "consultation": "Trả lời xin ý kiến"}.get(details["scope"])
        recipient = details.get("assignee") or agency_inbox(details.get("agency_code")
                                                            or payload["competent_agency_code"])
        plan_.to_officers_digest(kind, recipient, {
            "code": common["code"], "procedure_name": common["procedure_name"],
            "step_name": details.get("step_name") or what or "", "due_at": details["due_at"], "at": payload["at"]})
    return build


# -- the result by post (shipment events of the postal service) ------------------------------------------------

def _day(value: str | None) -> str:
    return f"ngày {date.fromisoformat(value):%d/%m/%Y}" if value else "chưa xác định"


def _shipment_common(payload: dict[str, Any], portal_url: str) -> dict[str, str]:
    code = payload["dossier_code"] or ""
    return {"applicant_name": payload["applicant_name"], "code": code, "procedure_name": payload["procedure_name"],
            "agency_name": payload.get("agency_name") or "cơ quan đã gửi kết quả",
            "tracking_code": payload.get("tracking_code") or "", "expected_delivery": _day(payload.get("expected_by")),
            "lookup_url": f"{portal_url.rstrip('/')}/lookup/{code}"}


def _result_posted(plan_: Plan, payload, common) -> None:
    plan_.to_applicant("result-posted", payload["contact"], common)


def _delivery_failed(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    plan_.to_applicant("postal-delivery-failed", payload["contact"], {
        **common, "attempt": str(details["attempt"]), "delivery_note": details.get("note") or "Không gặp người nhận",
        "next_attempt": _day(details.get("next_attempt_on")) if details.get("next_attempt_on") else "không còn"})


def _returned_to_agency(plan_: Plan, payload, common) -> None:
    plan_.to_applicant("postal-returned", payload["contact"], common)
    plan_.to_officers("officer-postal-returned", agency_inbox(payload["agency_code"]), {
        **common, "delivery_note": f"phát không thành công {payload['details']['attempts']} lần, đã chuyển hoàn"})


# -- petitions (phản ánh, kiến nghị; the feedback service's events) --------------------------------------------
# The answer goes to the sender, on every channel their contact allows; the agency concerned is told in its inbox
# of new petitions, of information supplied, of its deadlines (as for dossiers) and of an unsatisfied sender.

def _petition_common(payload: dict[str, Any], portal_url: str) -> dict[str, str]:
    return {"sender_name": payload["sender_name"], "petition_code": payload["code"],
            "petition_title": payload["title"], "agency_name": payload["agency_code"],
            "received": moment(payload["received_at"]), "decide_due": moment(payload["decide_due"]),
            "answer_due": moment(payload.get("answer_due")),
            "petition_url": f"{portal_url.rstrip('/')}/phan-anh/{payload['code']}"}


def _petition_received(plan_: Plan, payload, common) -> None:
    plan_.to_applicant("petition-received", payload["contact"], common)
    plan_.to_officers("officer-petition-received", agency_inbox(payload["agency_code"]), common)


def _petition_info_requested(plan_: Plan, payload, common) -> None:
    plan_.to_applicant("petition-info-requested", payload["contact"],
                       {**common, "request": payload["details"]["request"]})


def _petition_info_supplied(plan_: Plan, payload, common) -> None:
    plan_.to_officers("officer-petition-info-supplied", agency_inbox(payload["agency_code"]), common)


def _petition_refused(plan_: Plan, payload, common) -> None:
    plan_.to_applicant("petition-refused", payload["contact"], {**common, "reason": payload["details"]["reason"]})


def _petition_answered(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    plan_.to_applicant("petition-answered", payload["contact"], {
        **common, "answer": details["answer"], "conclusion": ev.CONCLUSIONS[details["conclusion"]]})


def _petition_rated(plan_: Plan, payload, common) -> None:
    satisfied = payload["details"]["satisfied"]
    plan_.to_officers("officer-petition-rated", agency_inbox(payload["agency_code"]),
                      {**common, "satisfied": "hài lòng" if satisfied else "không hài lòng"})


def _petition_due(template_id: str) -> Callable[[Plan, dict, dict], None]:
    def build(plan_: Plan, payload, common) -> None:
        details = payload["details"]
        plan_.to_officers(template_id, agency_inbox(payload["agency_code"]),
                          {**common, "stage": ev.STAGES[details["stage"]], "due": moment(details["due_at"])})
    return build


_PETITION_PLANNERS: dict[str, Callable[[Plan, dict, dict], None]] = {
    "petition.received": _petition_received,
    "petition.info-requested": _petition_info_requested,
    "petition.info-supplied": _petition_info_supplied,
    "petition.refused": _petition_refused,
    "petition.answered": _petition_answered,
    "petition.rated": _petition_rated,
    "petition.due-soon": _petition_due("officer-petition-due-soon"),
    "petition.overdue": _petition_due("officer-petition-overdue"),
}


# -- fees and online payment (events of the payments service) -----------------------------------------------------

def _payment_common(payload: dict[str, Any], portal_url: str) -> dict[str, str]:
    code = payload["dossier_code"]
    lines = [f"{line['name']}: {money(line['amount'])}" for line in payload["lines"]]
    return {"applicant_name": payload["applicant_name"], "code": code, "procedure_name": payload["procedure_name"],
            "amount": money(payload["amount"]), "description": payload["description"],
            "lines_text": numbered(lines), "lines_inline": "; ".join(lines),
            "lookup_url": f"{portal_url.rstrip('/')}/lookup/{code}"}


def _charge_requested(plan_: Plan, payload, common) -> None:
    # A financial obligation is announced by the workflow with the status-6 notice (dossier.payment-requested);
    # the fees due at filing are announced here, with what to pay line by line.
    if payload["purpose"] == "filing":
        plan_.to_applicant("payment-requested", payload["contact"],
                           {**common, "pay_url": payload["details"]["pay_url"]})


def _charge_receipt(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    plan_.to_applicant("payment-received", payload["contact"], {
        **common, "amount": money(details["amount"]), "receipt_number": details["receipt_number"],
        "transaction_no": details.get("transaction_no") or "—"})


def _charge_failed(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    outcome = {"cancelled": "đã bị hủy", "expired": "đã hết hạn thanh toán"}.get(details["reason"],
                                                                                "không thành công")
    plan_.to_applicant("payment-not-completed", payload["contact"],
                       {**common, "order_id": details["order_id"], "payment_outcome": outcome})


def _charge_waived(plan_: Plan, payload, common) -> None:
    plan_.to_applicant("payment-waived", payload["contact"], common)


def _charge_refunded(plan_: Plan, payload, common) -> None:
    details = payload["details"]
    plan_.to_applicant("payment-refunded", payload["contact"],
                       {**common, "amount": money(details["amount"]), "reason": details["reason"]})


def _charge_alert(plan_: Plan, payload, common) -> None:
    plan_.to_officers("officer-payment-alert", agency_inbox(payload["agency_code"]),
                      {**common, "alert_note": payload["details"]["note"]})


_PAYMENT_PLANNERS: dict[str, Callable[[Plan, dict, dict], None]] = {
    "payment.requested": _charge_requested,
    "payment.receipt-issued": _charge_receipt,
    "payment.failed": _charge_failed,
    "payment.waived": _charge_waived,
    "payment.refunded": _charge_refunded,
    "payment.alert": _charge_alert,
}


# -- the National Public Service Portal (events of the sync service) ---------------------------------------------

def _sync_failed(plan_: Plan, payload, common) -> None:
    plan_.to_officers("officer-sync-failed", agency_inbox(payload["receiving_agency_code"]),
                      {**common, "sync_error": payload["error"], "attempts": str(payload["attempts"])})


_SYNC_PLANNERS: dict[str, Callable[[Plan, dict, dict], None]] = {"sync.dossier-sync-failed": _sync_failed}


_SHIPMENT_PLANNERS: dict[str, Callable[[Plan, dict, dict], None]] = {
    "shipment.picked-up": _result_posted,
    "shipment.delivery-failed": _delivery_failed,
    "shipment.returned": _returned_to_agency,
}


_PLANNERS: dict[str, Callable[[Plan, dict, dict], None]] = {
    "dossier.submitted": _submitted,
    "dossier.accepted": _accepted,
    "dossier.supplement-requested": _supplement_requested,
    "dossier.supplement-received": _supplement_received,
    "dossier.refused": _refused,
    "dossier.assigned": _assigned,
    "dossier.payment-requested": _payment_requested,
    "dossier.payment-recorded": _payment_recorded,
    "dossier.consultation-requested": _consultation_requested,
    "dossier.appointment-extended": _appointment_extended,
    "dossier.deadline-changed": _deadline_changed,
    "dossier.result-ready": _result_ready,
    "dossier.early-return-notified": _early_return,
    "dossier.result-returned": _result_returned,
    "dossier.withdrawn": _closed("Rút hồ sơ theo yêu cầu của tổ chức, cá nhân"),
    "dossier.stopped": _closed("Dừng xử lý hồ sơ"),
    "dossier.due-soon": _due_alert(DUE_SOON),   # one digest per officer and period, not a message per dossier
    "dossier.overdue": _due_alert(OVERDUE),
}

PLANNED_EVENT_TYPES = (frozenset(_PLANNERS) | frozenset(_SHIPMENT_PLANNERS) | frozenset(_PETITION_PLANNERS)
                       | frozenset(_PAYMENT_PLANNERS) | frozenset(_SYNC_PLANNERS))
