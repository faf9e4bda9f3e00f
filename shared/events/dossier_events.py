"""The workflow's dossier events (topic ``workflow.dossiers``), one schema per type.

Every payload carries what most consumers need without asking anyone — code, status, version of the dossier,
when and by whom, the agencies, the applicant's name and contact, the appointment — plus ``details`` specific
to the type. ``dossier_version`` increases with every change of the dossier, so a read copy applies an event
only if it is newer than what it holds (replays and duplicates change nothing).
"""

from __future__ import annotations

from marshmallow import Schema

from shared.domain import fields as f
from shared.domain.schemas import ContactSchema

# Details ------------------------------------------------------------------------------------------------


class SupplementItemSchema(f.VnSchema):
    component_code = f.String(allow_none=True, load_default=None, validate=f.length(max=40))
    name = f.String(required=True, validate=f.length(max=300))
    reason = f.String(required=True, validate=f.length(max=1000))


class Accepted(f.VnSchema):
    received_at = f.AwareDateTime(required=True)
    appointment_due = f.AwareDateTime(required=True)
    receipt = f.Boolean(required=True)


class SupplementRequested(f.VnSchema):
    phase = f.String(required=True)
    items = f.List(f.Nested(SupplementItemSchema), required=True)
    request_id = f.String(required=True)


class SupplementReceived(f.VnSchema):
    phase = f.String(required=True)
    request_id = f.String(required=True)
    appointment_due = f.AwareDateTime(allow_none=True, load_default=None)
    file_ids = f.List(f.String(), load_default=list)  # uploads at intake handed in with the supplement


class Refused(f.VnSchema):
    stage = f.String(required=True)
    reasons = f.List(f.String(), required=True)


class Assigned(f.VnSchema):
    assignee = f.String(required=True)
    assignee_name = f.String(allow_none=True, load_default=None)
    step = f.String(allow_none=True, load_default=None)
    step_name = f.String(allow_none=True, load_default=None)
    step_due_at = f.AwareDateTime(allow_none=True, load_default=None)


class StepCompleted(f.VnSchema):
    step = f.String(required=True)
    outcome = f.String(allow_none=True, load_default=None)


class StepLate(f.VnSchema):
    step = f.String(required=True)
    agency = f.String(required=True)


class PaymentRequested(f.VnSchema):
    amount = f.Integer(required=True)
    description = f.String(required=True)
    notice_number = f.String(allow_none=True, load_default=None)
    collected_by = f.String(allow_none=True, load_default=None)
    purpose = f.String(load_default="obligation", validate=f.one_of(("filing", "obligation")), metadata={
        "description": "obligation: taxes and fees determined during processing; filing: the fees due at filing "
                       "were still unpaid when the desk accepted the dossier"})
    charge_id = f.String(allow_none=True, load_default=None, metadata={"description": "the payments service's"})


class PaymentRecorded(f.VnSchema):
    voucher = f.String(required=True)
    appointment_due = f.AwareDateTime(allow_none=True, load_default=None)
    purpose = f.String(load_default="obligation", validate=f.one_of(("filing", "obligation")))
    via = f.String(load_default="counter", validate=f.one_of(("counter", "online")), metadata={
        "description": "recorded by an officer (receipt or voucher shown), or paid online (the gateway confirmed)"})
    charge_id = f.String(allow_none=True, load_default=None)


class ConsultationRequested(f.VnSchema):
    consultation_id = f.String(required=True)
    agency_code = f.String(required=True)
    question = f.String(required=True)
    due_at = f.AwareDateTime(required=True)


class ConsultationAnswered(f.VnSchema):
    consultation_id = f.String(required=True)
    late = f.Boolean(required=True)


class VerificationScheduled(f.VnSchema):
    verification_id = f.String(required=True)
    at = f.AwareDateTime(required=True)
    place = f.String(required=True)


class AppointmentExtended(f.VnSchema):
    reason = f.String(required=True)
    old_due = f.AwareDateTime(required=True)
    new_due = f.AwareDateTime(required=True)


class DeadlineChanged(f.VnSchema):
    reason = f.String(required=True)
    old_due = f.AwareDateTime(allow_none=True, load_default=None)
    new_due = f.AwareDateTime(required=True)
    calendar_version = f.String(required=True)


class ResultReady(f.VnSchema):
    result_kind = f.String(required=True)
    outcome = f.String(required=True)
    early = f.Boolean(required=True)
    return_method = f.String(required=True)
    electronic = f.Boolean(allow_none=True, load_default=None, metadata={
        "description": "an electronic result was issued: result code and file link (Decision 766 indicator 4.1); "
                       "absent in events made before it was recorded"})
    result_code = f.String(allow_none=True, load_default=None, metadata={
        "description": "MaKetQua: the result's code (or its number) for the National Portal"})
    file_url = f.String(allow_none=True, load_default=None, metadata={
        "description": "DuongDanTepTinKetQua: the electronic result's link, when there is one"})


class EarlyReturnNotified(f.VnSchema):
    note = f.String(allow_none=True, load_default=None)
    appointment_due = f.AwareDateTime(required=True)


class ResultReturned(f.VnSchema):
    method = f.String(required=True)
    outcome = f.String(required=True)


class Closed(f.VnSchema):
    reason = f.String(required=True)
    stop_notice = f.Boolean(required=True)


class DueAlert(f.VnSchema):
    scope = f.String(required=True, validate=f.one_of(("dossier", "step", "consultation")))
    due_at = f.AwareDateTime(required=True)
    step = f.String(allow_none=True, load_default=None)
    agency_code = f.String(allow_none=True, load_default=None)
    assignee = f.String(allow_none=True, load_default=None)
    step_name = f.String(allow_none=True, load_default=None)


# Payload ----------------------------------------------------------------------------------------------------

class _DossierChange(f.VnSchema):
    code = f.String(required=True)
    status = f.Integer(required=True)
    dossier_version = f.Integer(required=True)
    at = f.AwareDateTime(required=True)
    actor = f.String(allow_none=True, load_default=None)
    actor_name = f.String(allow_none=True, load_default=None)
    procedure_code = f.String(required=True)
    procedure_name = f.String(required=True)
    receiving_agency_code = f.String(required=True)
    competent_agency_code = f.String(required=True)
    owner_account_id = f.String(allow_none=True, load_default=None)
    applicant_name = f.String(required=True)
    contact = f.Nested(ContactSchema, required=True)
    rule_set = f.String(required=True)
    appointment_due = f.AwareDateTime(allow_none=True, load_default=None)
    result_return_method = f.String(allow_none=True, load_default=None)


class _DossierChangeV2(_DossierChange):
    """v2 adds the agencies' names: people read names, never codes."""

    receiving_agency_name = f.String(allow_none=True, required=True)
    competent_agency_name = f.String(allow_none=True, required=True)


def _payload(name: str, details: type[Schema]) -> dict[int, type[Schema]]:
    """The payload's schema at each version (v1 events are still read: their names come out as None)."""
    return {1: type(f"{name}V1", (_DossierChange,), {"details": f.Nested(details, required=True)}),
            2: type(f"{name}V2", (_DossierChangeV2,), {"details": f.Nested(details, required=True)})}


DOSSIER_EVENTS: dict[str, tuple[dict[int, type[Schema]], str]] = {
    "dossier.accepted": (_payload("DossierAccepted", Accepted), "accepted at the desk (status 2), appointment set"),
    "dossier.supplement-requested": (_payload("DossierSupplementRequested", SupplementRequested),
                                     "the applicant is asked for what is missing (status 5)"),
    "dossier.supplement-received": (_payload("DossierSupplementReceived", SupplementReceived),
                                    "the applicant handed in the supplement"),
    "dossier.refused": (_payload("DossierRefused", Refused), "refused at reception (status 3) or after appraisal"),
    "dossier.assigned": (_payload("DossierAssigned", Assigned), "a handler was assigned; processing (status 4)"),
    "dossier.step-completed": (_payload("DossierStepCompleted", StepCompleted), "a unit finished its step"),
    "dossier.step-late": (_payload("DossierStepLate", StepLate), "a unit finished its step after its due moment"),
    "dossier.payment-requested": (_payload("DossierPaymentRequested", PaymentRequested),
                                  "taxes and fees to pay; the clock stops (status 6)"),
    "dossier.payment-recorded": (_payload("DossierPaymentRecorded", PaymentRecorded), "paid; processing resumes"),
    "dossier.consultation-requested": (_payload("DossierConsultationRequested", ConsultationRequested),
                                       "another unit's opinion is asked, with a deadline"),
    "dossier.consultation-answered": (_payload("DossierConsultationAnswered", ConsultationAnswered),
                                      "the consulted unit answered"),
    "dossier.verification-scheduled": (_payload("DossierVerificationScheduled", VerificationScheduled),
                                       "a verification appointment was set"),
    "dossier.appointment-extended": (_payload("DossierAppointmentExtended", AppointmentExtended),
                                     "apology and new appointment (Form 04)"),
    "dossier.deadline-changed": (_payload("DossierDeadlineChanged", DeadlineChanged),
                                 "the appointment moved: calendar announcement, clock restart or stop"),
    "dossier.result-ready": (_payload("DossierResultReady", ResultReady), "the result is ready (status 9)"),
    "dossier.early-return-notified": (_payload("DossierEarlyReturnNotified", EarlyReturnNotified),
                                      "the applicant is told the result can be collected before the appointment"),
    "dossier.result-returned": (_payload("DossierResultReturned", ResultReturned), "result returned (status 10)"),
    "dossier.withdrawn": (_payload("DossierWithdrawn", Closed), "withdrawn at the applicant's request (status 7)"),
    "dossier.stopped": (_payload("DossierStopped", Closed), "processing stopped (status 8)"),
    "dossier.due-soon": (_payload("DossierDueSoon", DueAlert), "a deadline is near"),
    "dossier.overdue": (_payload("DossierOverdue", DueAlert), "a deadline passed"),
}
