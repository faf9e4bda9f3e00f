"""Hand-made event histories of dossiers, as intake, the workflow and the feedback service publish them, for the
read model's tests: every moment is given by the test (derived from the business clock), every event has a valid
payload of its registered schema, ``dossier_version`` grows with each workflow event."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.clock import utc_now, vn_date
from shared.domain.rulesets import rule_set_for
from shared.events import Event, event_type, new_event

PROCEDURE = "1.001806"


def load(event: Event) -> dict[str, Any]:
    return event_type(event.type).load(event.payload, event.schema_version)


def agency_published(code: str, province: str = "79", name: str | None = None, level: str = "province",
                     revision: int = 1) -> Event:
    return new_event("catalogue.agency-published", None, {
        "code": code, "name": name or f"Cơ quan {code}", "level": level, "province_code": province,
        "one_stop": True, "revision": revision}, producer="workflow", aggregate_id=code)


def procedure_published(code: str = PROCEDURE, *, competent: str, receiving: list[str], version: int = 1,
                        limit: str = "10", unit: str = "working_days", fees: int = 0, online: str = "full",
                        result_type: str = "paper", whole_at_desk: bool = False) -> Event:
    agency = "receiving" if whole_at_desk else "competent"
    # in force long before any history a test builds (those are set within the last year or two of the clock)
    in_force_since = vn_date(utc_now() - timedelta(days=3 * 366)).isoformat()
    payload = {
        "code": code, "name": f"Thủ tục {code}", "field": "Lao động", "competent_agency_code": competent,
        "receiving_agency_codes": receiving, "time_limit": {"value": limit, "unit": unit},
        "fees": [{"name": "Lệ phí", "amount": fees}] if fees else [],
        "components": [{"code": "don", "name": "Đơn đề nghị", "originals": 1, "copies": 0, "required": True}],
        "online": online, "post_allowed": True, "result_type": result_type,
        "process": [
            {"code": "tiep-nhan", "name": "Tiếp nhận", "kind": "reception", "role": "counter_officer",
             "agency": "receiving", "allotted": {"value": "0.5", "unit": "working_days"}},
            {"code": "tham-dinh", "name": "Thẩm định", "kind": "appraisal", "role": "specialist", "agency": agency,
             "allotted": {"value": "9.5", "unit": "working_days"}},
            {"code": "tra", "name": "Trả kết quả", "kind": "return", "role": "counter_officer",
             "agency": "receiving", "allotted": {"value": "0", "unit": "working_days"}, "counted": False}],
        "version": version, "status": "published", "valid_from": in_force_since, "valid_until": None,
        "published_at": utc_now(), "revision": 1}
    return new_event("catalogue.procedure-published", None, payload, producer="workflow",
                     aggregate_id=f"{code}@{version}")


class History:
    """One dossier's events. ``h = History(at, competent=..., receiving=...)`` files it; the methods add the
    workflow's (and the feedback service's) events at the moments given."""

    def __init__(self, submitted_at: datetime, *, competent: str, receiving: str | None = None,
                 channel: str = "online", procedure: str = PROCEDURE, version: int = 1, attachments: int = 1,
                 result_return: str = "online") -> None:
        self.id = str(uuid.uuid4())
        self.competent, self.receiving = competent, receiving or competent
        self.procedure, self.version = procedure, version
        self.code = f"{self.receiving}-{vn_date(submitted_at):%y%m%d}-{uuid.uuid4().int % 10000:04d}"
        self.status, self.due, self.dossier_version = 1, None, 1
        self.events: list[Event] = []
        contact = {"email": "an@example.vn"}
        payload = {
            "code": self.code, "channel": channel, "status": 1, "procedure_code": procedure,
            "procedure_version": version, "procedure_name": f"Thủ tục {procedure}",
            "receiving_agency_code": self.receiving, "competent_agency_code": competent,
            "receiving_agency_name": f"Cơ quan {self.receiving}", "competent_agency_name": f"Cơ quan {competent}",
            "submitted_at": submitted_at, "rule_set": rule_set_for(vn_date(submitted_at)).id,
            "owner_account_id": None, "filed_by": "officer-1",
            "applicant": {"kind": "citizen", "full_name": "Nguyễn Văn An", "id_number": "001203004567"},
            "submitter": None, "contact": contact, "result_return": {"method": result_return},
            "attachments": [{"component": "Đơn", "file_name": "don.pdf", "media_type": "application/pdf",
                             "size_bytes": 100, "sha256": "ab" * 32, "copy_kind": "original"}] * attachments}
        self.events.append(self._stamp(new_event("dossier.submitted", self.id, payload, producer="intake"),
                                       submitted_at))

    @staticmethod
    def _stamp(event: Event, at: datetime) -> Event:
        return Event(type=event.type, dossier_id=event.dossier_id, payload=event.payload, producer=event.producer,
                     schema_version=event.schema_version, event_id=event.event_id, occurred_at=at,
                     aggregate_id=event.aggregate_id)

    def _workflow(self, kind: str, at: datetime, status: int, details: dict[str, Any], *, actor: str = "officer-1",
                  actor_name: str = "Trần Văn Bình") -> History:
        self.dossier_version += 1
        self.status = status
        payload = {
            "code": self.code, "status": status, "dossier_version": self.dossier_version, "at": at, "actor": actor,
            "actor_name": actor_name, "procedure_code": self.procedure, "procedure_name": f"Thủ tục {self.procedure}",
            "receiving_agency_code": self.receiving, "competent_agency_code": self.competent,
            "receiving_agency_name": f"Cơ quan {self.receiving}", "competent_agency_name": f"Cơ quan {self.competent}",
            "owner_account_id": None, "applicant_name": "Nguyễn Văn An", "contact": {"email": "an@example.vn"},
            "rule_set": rule_set_for(vn_date(at)).id, "appointment_due": self.due, "result_return_method": "online",
            "details": details}
        self.events.append(self._stamp(new_event(f"dossier.{kind}", self.id, payload, producer="workflow"), at))
        return self

    def accepted(self, at: datetime, due: datetime, *, actor: str = "desk-1", actor_name: str = "Lê Thu") -> History:
        self.due = due
        return self._workflow("accepted", at, 2, {"received_at": at, "appointment_due": due, "receipt": True},
                              actor=actor, actor_name=actor_name)

    def assigned(self, at: datetime, assignee: str = "specialist-1", name: str = "Phạm Minh") -> History:
        return self._workflow("assigned", at, 4, {"assignee": assignee, "assignee_name": name, "step": "tham-dinh"},
                              actor="head-1", actor_name="Đỗ Hùng")

    def step_completed(self, at: datetime, outcome: str = "on_time", actor: str = "specialist-1") -> History:
        return self._workflow("step-completed", at, self.status, {"step": "tham-dinh", "outcome": outcome},
                              actor=actor, actor_name="Phạm Minh")

    def supplement_requested(self, at: datetime, phase: str = "appraisal") -> History:
        return self._workflow("supplement-requested", at, 5, {"phase": phase, "items": [
            {"name": "Bản sao", "reason": "Thiếu"}], "request_id": uuid.uuid4().hex[:12]})

    def supplement_received(self, at: datetime, new_due: datetime | None = None, phase: str = "appraisal") -> History:
        request = [e for e in self.events if e.type == "dossier.supplement-requested"][-1]
        if new_due is not None:
            self.due = new_due
        return self._workflow("supplement-received", at, 4 if phase == "appraisal" else 1, {
            "phase": phase, "request_id": request.payload["details"]["request_id"], "appointment_due": new_due})

    def payment_requested(self, at: datetime) -> History:
        return self._workflow("payment-requested", at, 6, {"amount": 50000, "description": "Lệ phí"})

    def payment_recorded(self, at: datetime, new_due: datetime) -> History:
        self.due = new_due
        return self._workflow("payment-recorded", at, 4, {"voucher": "BL-1", "appointment_due": new_due})

    def extended(self, at: datetime, new_due: datetime) -> History:
        old, self.due = self.due, new_due
        return self._workflow("appointment-extended", at, self.status, {"reason": "Cần xác minh", "old_due": old,
                                                                       "new_due": new_due})

    def result_ready(self, at: datetime, *, electronic: bool = True, kind: str = "approval",
                     outcome: str = "on_time") -> History:
        return self._workflow("result-ready", at, 9, {"result_kind": kind, "outcome": outcome, "early": False,
                                                      "return_method": "online", "electronic": electronic},
                              actor="head-1", actor_name="Đỗ Hùng")

    def returned(self, at: datetime, method: str = "online") -> History:
        return self._workflow("result-returned", at, 10, {"method": method, "outcome": "on_time"},
                              actor="desk-1", actor_name="Lê Thu")

    def refused_at_reception(self, at: datetime) -> History:
        return self._workflow("refused", at, 3, {"stage": "reception", "reasons": ["Không thuộc thẩm quyền"]},
                              actor="desk-1", actor_name="Lê Thu")

    def withdrawn(self, at: datetime) -> History:
        return self._workflow("withdrawn", at, 7, {"reason": "Rút hồ sơ", "stop_notice": True})

    def rated(self, at: datetime, *, satisfied: bool = True, channel: str = "web", **answers: str) -> History:
        payload = {"dossier_code": self.code, "procedure_code": self.procedure,
                   "receiving_agency_code": self.receiving, "competent_agency_code": self.competent,
                   "channel": channel, "rated_at": at, "recorded_by": "applicant", "recorded_by_name": None,
                   "answers": {"time_vs_deadline": "on_time", "contacts": "none", "bodies_contacted": "desk_only",
                               "staff_attitude": "good", **answers},
                   "satisfied": satisfied, "comment": None}
        self.events.append(self._stamp(new_event("rating.recorded", self.id, payload, producer="feedback"), at))
        return self


def petition_events(code: str, *, agency: str, received_at: datetime, decide_due: datetime, answer_due: datetime,
                    answered_at: datetime | None = None, on_time: bool = True, conclusion: str = "explained",
                    rated: bool | None = None, dossier: History | None = None, follows_up: str | None = None,
                    refused_at: datetime | None = None) -> list[Event]:
    """A petition's events: received, then answered or refused, then rated (``rated``: satisfied or not)."""
    petition_id = str(uuid.uuid4())
    base = {"code": code, "agency_code": agency, "subject": "dossier" if dossier else "procedure",
            "category": "rules", "procedure_code": PROCEDURE, "dossier_id": dossier.id if dossier else None,
            "dossier_code": dossier.code if dossier else None, "officer_name": None, "title": "Phản ánh",
            "sender_name": "Lê Mai", "sender_account_id": None, "contact": {"email": "mai@example.vn"},
            "follows_up": follows_up, "received_at": received_at, "decide_due": decide_due, "info_due": decide_due,
            "answer_due": answer_due, "publish_due": None, "handled_at": None, "actor": None, "actor_name": None}
    out = [("received", "received", received_at, {"attachments": 0, "anonymous": True}, None)]
    if answered_at is not None:
        out.append(("answered", "answered", answered_at, {"answer": "Đã xử lý", "conclusion": conclusion,
                                                          "publish": False, "on_time": on_time}, answered_at))
    if refused_at is not None:
        out.append(("refused", "refused", refused_at, {"reason": "Không thuộc thẩm quyền"}, refused_at))
    if rated is not None:
        handled = answered_at or refused_at
        out.append(("rated", out[-1][1], handled, {"satisfied": rated, "comment": None}, handled))
    events, handled_at = [], None
    for revision, (kind, status, at, details, handled) in enumerate(out, 1):
        handled_at = handled or handled_at
        payload = {**base, "status": status, "revision": revision, "at": at, "handled_at": handled_at,
                   "details": details}
        events.append(History._stamp(new_event(f"petition.{kind}", None, payload, producer="feedback",
                                               aggregate_id=petition_id), at))
    return events
