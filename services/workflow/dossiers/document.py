"""The workflow's dossier document: its declared shape, and the dossier made for a filed dossier.

A dossier holds the procedure version it was received under (a snapshot: catalogue edits never reach it), its
steps with their own due moments, the clock (start and stops), every supplementation request, consultation,
verification appointment, extension, result and return, the hand-overs between units (the processing control
slip is rendered from them) and an append-only process log. Values that come from intake as they were filed
(applicant, contact, attachments) keep the shape of the ``dossier.submitted`` event that carried them.
"""

from __future__ import annotations

from typing import Any

from services.workflow.dossiers.model import PENDING
from shared.domain.statuses import DossierStatus
from shared.storage import documents as d
from shared.storage.documents import optional


class Step(d.Shape):
    code = d.Text()
    name = d.Text()
    kind = d.Text()
    role = d.Text()
    agency = d.Text()
    agency_name = optional(d.Text())  # what people read (None if the registry did not know it)
    allotted = d.Map()
    counted = d.Bool()
    group = d.Text()
    state = d.Text()
    assignee = d.Text()
    assignee_name = d.Text()
    started_at = d.Moment()
    due_at = d.Moment()
    planned_due_at = d.Moment()
    completed_at = d.Moment()
    completed_by = d.Text()
    completed_by_name = optional(d.Text())
    note = optional(d.Text())
    outcome = d.Text()


class ClockStop(d.Shape):
    start = d.Moment()
    end = d.Moment()
    reason = d.Text()


class Clock(d.Shape):
    started_at = d.Moment()
    stops = d.List(d.Nested(ClockStop))


class SupplementRequest(d.Shape):
    id = d.Text()
    phase = d.Text()
    step = d.Text()
    at = d.Moment()
    by = d.Text()
    by_name = d.Text()
    items = d.List(d.Map())
    override_reason = d.Text()
    supplied_at = d.Moment()
    supplied_note = optional(d.Text())


class Supplementation(d.Shape):
    requests = d.List(d.Nested(SupplementRequest))
    reception_count = d.Int()
    total = d.Int()


class Consultation(d.Shape):
    id = d.Text()
    agency_code = d.Text()
    agency_name = optional(d.Text())
    question = d.Text()
    step = d.Text()
    asked_at = d.Moment()
    asked_by = d.Text()
    asked_by_name = d.Text()
    due_at = d.Moment()
    limit = d.Map()
    answer = d.Text()
    answered_at = d.Moment()
    answered_by = d.Text()
    answered_by_name = optional(d.Text())
    late = optional(d.Bool())


class Verification(d.Shape):
    id = d.Text()
    at = d.Moment()
    place = d.Text()
    participants = d.List(d.Text())
    content = d.Text()
    scheduled_by = d.Text()
    scheduled_at = d.Moment()


class Handover(d.Shape):
    from_agency = d.Text()
    from_step = d.Text()
    from_officer = d.Text()
    from_officer_name = d.Text()
    to_agency = d.Text()
    to_step = d.Text()
    to_role = d.Text()
    at = d.Moment()                      # when it happened
    counting_from = optional(d.Moment())  # when the receiving unit's time starts (later after the cut-off)
    outcome = d.Text()


class DeadlineChange(d.Shape):
    at = d.Moment()
    reason = d.Text()
    old_due = d.Moment()
    new_due = d.Moment()
    calendar_version = d.Text()


class LogLine(d.Shape):
    """A process-log line: handler, unit, action, status, step start and legal end (Circular 22/2019 Art. 4)."""

    at = d.Moment()
    handler = d.Text()
    handler_name = d.Text()
    unit = d.Text()
    action = d.Text()
    status = d.Int()
    step = d.Text()
    step_start = d.Moment()
    step_due = d.Moment()


class StatusChange(d.Shape):
    status = d.Int()
    at = d.Moment()
    by = d.Text()


class Dossier(d.Aggregate):
    code = d.Text()
    channel = d.Text()
    status = d.Int(allow_none=False)
    rule_set = d.Text()
    procedure = d.Map()          # the snapshot of the procedure version (catalogue ProcedureSchema's JSON form)
    receiving_agency_code = d.Text()
    competent_agency_code = d.Text()
    receiving_agency_name = optional(d.Text())  # what people read; absent on dossiers filed before names
    competent_agency_name = optional(d.Text())
    owner_account_id = d.Text()
    applicant = d.Map()          # as filed (ApplicantSchema)
    submitter = d.Map()
    contact = d.Map()
    result_return = d.Map()
    attachments = d.List(d.Map())
    submitted_at = d.Moment()
    received_at = d.Moment()
    appointment = d.Map()        # a Deadline document (the appointment with its explanation) and ``extended``
    appointment_due = d.Moment()
    steps = d.List(d.Nested(Step))
    clock = d.Nested(Clock)
    supplementation = d.Nested(Supplementation)
    consultations = d.List(d.Nested(Consultation))
    verifications = d.List(d.Nested(Verification))
    payment = d.Map()
    fees = optional(d.List(d.Map()))   # charges the payments service settled: paid online, waived (payment.*)
    extension = d.Map()
    result = d.Map()
    returned = d.Map()
    closure = d.Map()
    handovers = d.List(d.Nested(Handover))
    deadline_history = d.List(d.Nested(DeadlineChange))
    forms = d.Map()              # form name → its stamp (issued_at, by, by_name) and fields
    counts_as_late = d.Bool()
    late_reasons = d.List(d.Text())
    alerts = d.Map()             # alert key → the due moment it was raised for
    status_history = d.List(d.Nested(StatusChange))
    process_log = d.List(d.Nested(LogLine))
    source_event_id = d.Text()
    created_at = d.Moment()
    # derived at every write (aggregate.Dossiers.derive): what the dossier waits for, and whom
    queue_agency = d.Text()
    queue_role = d.Text()
    queue_assignee = d.Text()
    queue_due = d.Moment()
    open = d.Bool()
    # derived at every write (watch.set_next_alerts): the earliest due moments still owed an alert (scheduler);
    # absent on dossiers last written before them, until the scheduler's backfill (alerts.derive_missing_next_alerts)
    next_due_soon_at = optional(d.Moment())
    next_overdue_at = optional(d.Moment())


SNAPSHOT = ("code", "version", "name", "field", "time_limit", "components", "fees", "online", "post_allowed",
            "result_type", "immediate_result")


def new_dossier(dossier_id: str, filing: dict[str, Any], procedure: dict[str, Any],
                agency_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The workflow's dossier for a filed dossier (status 1), with the procedure version it was filed under and
    the names of the agencies taking part (from the registry, else from the filing event)."""
    names = {filing["receiving_agency_code"]: filing.get("receiving_agency_name"),
             procedure["competent_agency_code"]: filing.get("competent_agency_name")}
    names = {code: name for code, name in names.items() if name} | (agency_names or {})
    steps = []
    for definition in procedure["process"]:
        agency = {"receiving": filing["receiving_agency_code"],
                  "competent": procedure["competent_agency_code"]}.get(definition["agency"], definition["agency"])
        steps.append({**definition, "agency": agency, "agency_name": names.get(agency), "state": PENDING,
                      "assignee": None, "assignee_name": None, "started_at": None, "due_at": None,
                      "planned_due_at": None, "completed_at": None, "completed_by": None, "outcome": None})
    return {
        "_id": dossier_id,
        "code": filing["code"],
        "channel": filing["channel"],
        "status": DossierStatus.SUBMITTED.value,
        "rule_set": filing["rule_set"],
        "procedure": {k: procedure[k] for k in SNAPSHOT},
        "receiving_agency_code": filing["receiving_agency_code"],
        "competent_agency_code": procedure["competent_agency_code"],
        "receiving_agency_name": names.get(filing["receiving_agency_code"]),
        "competent_agency_name": names.get(procedure["competent_agency_code"]),
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
        "status_history": [{"status": DossierStatus.SUBMITTED.value, "at": filing["submitted_at"],
                            "by": filing["filed_by"]}],
        "process_log": [{"at": filing["submitted_at"], "handler": filing["filed_by"], "handler_name": None,
                         "unit": filing["receiving_agency_code"], "action": "Nộp hồ sơ",
                         "status": DossierStatus.SUBMITTED.value, "step": None, "step_start": None,
                         "step_due": None}],
        "source_event_id": None,
        "created_at": None,
    }
