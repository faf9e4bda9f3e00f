from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from services.workflow.dossiers.model import DUE_STATES, EARLY, LATE, ON_TIME, OUTCOME_NAMES
from shared.api.pagination import PageArgs, page_schema
from shared.calendar import Unit
from shared.domain import fields as f
from shared.domain.channels import ResultReturnMethod
from shared.domain.schemas import (
    ApplicantSchema,
    AttachmentSchema,
    ContactSchema,
    DeadlineSchema,
    ResultReturnSchema,
    SubmitterSchema,
    TimeLimitSchema,
    status_field,
)
from shared.events.dossier_events import SupplementItemSchema

REASON = f.String(required=True, validate=f.length(min=3, max=2000))


# -- commands ------------------------------------------------------------------------------------------------

class AcceptSchema(f.VnSchema):
    presented = f.List(f.String(validate=f.length(max=40)), load_default=list, validate=f.items(max=60), metadata={
        "description": "component codes presented on paper at the counter (the attached ones count already)"})
    note = f.String(allow_none=True, load_default=None, validate=f.length(max=2000))
    receipt_requested = f.Boolean(load_default=False, metadata={
        "description": "immediate-result procedures: issue Form 01 anyway (Decree 61/2018 Art. 17(4))"})


class SupplementRequestSchema(f.VnSchema):
    items = f.List(f.Nested(SupplementItemSchema), required=True, validate=f.items(min=1, max=60))
    override_reason = f.String(allow_none=True, load_default=None, validate=f.length(min=3, max=2000), metadata={
        "description": "required for a second request; the dossier then counts as late (Decision 766)"})


class SupplySchema(f.VnSchema):
    note = f.String(allow_none=True, load_default=None, validate=f.length(max=2000))
    attachments = f.List(f.Nested(AttachmentSchema), load_default=list, validate=f.items(max=50))


class RefuseSchema(f.VnSchema):
    reasons = f.List(f.String(validate=f.length(min=3, max=1000)), required=True, validate=f.items(min=1, max=20))


class AssignSchema(f.VnSchema):
    assignee = f.String(required=True, validate=f.length(max=100), metadata={"description": "officer account id"})
    assignee_name = f.String(allow_none=True, load_default=None, validate=f.length(max=150))


class ResultDocumentSchema(f.VnSchema):
    number = f.String(required=True, validate=f.length(max=100), metadata={"description": "số văn bản"})
    signer = f.String(required=True, validate=f.length(max=150))
    signed_at = f.AwareDateTime(required=True)
    title = f.String(allow_none=True, load_default=None, validate=f.length(max=500))
    result_code = f.String(allow_none=True, load_default=None, validate=f.length(max=100))
    file_url = f.String(allow_none=True, load_default=None, validate=f.length(max=1000))


class ObligationSchema(f.VnSchema):
    amount = f.Integer(required=True, validate=f.in_range(min=0, max=10**13), metadata={"description": "VND"})
    description = f.String(required=True, validate=f.length(max=1000))
    notice_number = f.String(allow_none=True, load_default=None, validate=f.length(max=100))
    collected_by = f.String(allow_none=True, load_default=None, validate=f.length(max=200))


class CompleteStepSchema(f.VnSchema):
    step = f.String(allow_none=True, load_default=None, validate=f.length(max=40),
                    metadata={"description": "which active step (needed only when several run in parallel)"})
    note = f.String(allow_none=True, load_default=None, validate=f.length(max=2000))
    next_assignee = f.String(allow_none=True, load_default=None, validate=f.length(max=100))
    next_assignee_name = f.String(allow_none=True, load_default=None, validate=f.length(max=150))
    result = f.Nested(ResultDocumentSchema, allow_none=True, load_default=None)
    obligation = f.Nested(ObligationSchema, allow_none=True, load_default=None)


class PaymentSchema(f.VnSchema):
    voucher = f.String(required=True, validate=f.length(max=200), metadata={"description": "receipt or voucher"})
    paid_at = f.AwareDateTime(allow_none=True, load_default=None)


class ConsultSchema(f.VnSchema):
    agency_code = f.String(required=True, validate=f.length(max=20))
    question = f.String(required=True, validate=f.length(min=3, max=4000))
    limit = f.Nested(TimeLimitSchema, required=True, metadata={
        "description": "at most 30 working days, 45 days or 240 working hours"})

    # A consultation serves one dossier's processing: a longer wait than this is a typing error.
    LONGEST = {Unit.WORKING_DAYS: 30, Unit.CALENDAR_DAYS: 45, Unit.WORKING_HOURS: 240}

    @validates_schema
    def _bounded(self, data, **kwargs):
        limit = data.get("limit")
        longest = self.LONGEST.get(limit.unit) if limit else None
        if longest is not None and limit.value > longest:
            raise ValidationError({"value": [f"Thời hạn lấy ý kiến tối đa {longest} {limit.unit.vietnamese}."]},
                                  "limit")


class AnswerSchema(f.VnSchema):
    consultation_id = f.String(required=True, validate=f.length(max=40))
    answer = f.String(required=True, validate=f.length(min=1, max=8000))


class VerificationSchema(f.VnSchema):
    at = f.AwareDateTime(required=True)
    place = f.String(required=True, validate=f.length(max=500))
    participants = f.List(f.String(validate=f.length(max=200)), required=True, validate=f.items(min=1, max=30))
    content = f.String(required=True, validate=f.length(max=4000))


class ExtendSchema(f.VnSchema):
    reason = REASON
    new_due = f.AwareDateTime(required=True)


class NoteOnlySchema(f.VnSchema):
    note = f.String(allow_none=True, load_default=None, validate=f.length(max=2000))


class ReturnSchema(f.VnSchema):
    method = f.String(required=True, validate=f.one_of([m.value for m in ResultReturnMethod]))
    recipient = f.String(allow_none=True, load_default=None, validate=f.length(max=200))
    returned_at = f.AwareDateTime(allow_none=True, load_default=None)


class ReasonSchema(f.VnSchema):
    reason = REASON


# -- views -----------------------------------------------------------------------------------------------

class StepView(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    role = fields.String()
    agency = fields.String()
    agency_name = fields.String(allow_none=True)
    allotted = fields.Nested(TimeLimitSchema)
    counted = fields.Boolean()
    group = fields.String(allow_none=True)
    state = fields.String()
    assignee = fields.String(allow_none=True)
    assignee_name = fields.String(allow_none=True)
    started_at = fields.AwareDateTime(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    planned_due_at = fields.AwareDateTime(allow_none=True)
    due = fields.Nested(DeadlineSchema, allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    completed_by_name = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    outcome_name = fields.Function(lambda s: OUTCOME_NAMES.get(s.get("outcome")))


class HandoverView(Schema):
    from_agency = fields.String()
    from_step = fields.String()
    from_officer_name = fields.String(allow_none=True)
    to_agency = fields.String()
    to_step = fields.String()
    to_role = fields.String()
    at = fields.AwareDateTime()
    outcome = fields.String(allow_none=True)


class ProcedureRefView(Schema):
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    time_limit = fields.Nested(TimeLimitSchema)
    immediate_result = fields.Boolean()


class DossierView(Schema):
    id = fields.String(attribute="_id")
    code = fields.String()
    version = fields.Integer(metadata={"description": "send it back as If-Match to act on this state only"})
    status = status_field()
    channel = fields.String()
    rule_set = fields.String()
    procedure = fields.Nested(ProcedureRefView)
    receiving_agency_code = fields.String()
    competent_agency_code = fields.String()
    receiving_agency_name = fields.String(allow_none=True)
    competent_agency_name = fields.String(allow_none=True)
    applicant = fields.Nested(ApplicantSchema)
    submitter = fields.Nested(SubmitterSchema, allow_none=True)
    contact = fields.Nested(ContactSchema)
    result_return = fields.Nested(ResultReturnSchema)
    attachments = fields.List(fields.Nested(AttachmentSchema))
    submitted_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime(allow_none=True)
    appointment = fields.Nested(DeadlineSchema, allow_none=True)
    appointment_due = fields.AwareDateTime(allow_none=True)
    steps = fields.List(fields.Nested(StepView))
    supplementation = fields.Dict()
    consultations = fields.List(fields.Dict())
    verifications = fields.List(fields.Dict())
    payment = fields.Dict(allow_none=True)
    fees = fields.List(fields.Dict(), dump_default=list, metadata={
        "description": "charges the payments service settled (paid online or waived): charge_id, purpose, status"})
    extension = fields.Dict(allow_none=True)
    result = fields.Dict(allow_none=True)
    returned = fields.Dict(allow_none=True)
    closure = fields.Dict(allow_none=True)
    counts_as_late = fields.Boolean()
    late_reasons = fields.List(fields.String())
    deadline_history = fields.List(fields.Dict())
    forms = fields.Function(lambda d: sorted(d.get("forms", {})), metadata={"description": "forms issued"})


class TimelineEntryView(Schema):
    at = fields.AwareDateTime()
    action = fields.String()
    status = status_field()
    unit = fields.String(allow_none=True)


class TimelineView(Schema):
    code = fields.String()
    status = status_field()
    appointment_due = fields.AwareDateTime(allow_none=True)
    entries = fields.List(fields.Nested(TimelineEntryView))


class QueueItemView(Schema):
    dossier_id = fields.String(attribute="_id")
    code = fields.String()
    version = fields.Integer()
    status = status_field()
    channel = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    applicant_name = fields.String()
    queue_role = fields.String(allow_none=True)
    queue_assignee = fields.String(allow_none=True)
    queue_due = fields.AwareDateTime(allow_none=True, metadata={
        "description": "due moment of what the dossier waits for (at the desk: the reception step's, counted from "
                       "the first working moment after filing; after 15:00 from the next working day)"})
    due_state = fields.String(allow_none=True, metadata={"description": "late, due_soon or on_time, now"})
    appointment_due = fields.AwareDateTime(allow_none=True)
    submitted_at = fields.AwareDateTime()
    counts_as_late = fields.Boolean()
    outcome = fields.String(allow_none=True, metadata={"description": "finished dossiers: early, on_time or late"})


QueuePageView = page_schema(QueueItemView, "QueuePage")


class QueueArgs(PageArgs):
    status = f.Integer(strict=False, validate=f.in_range(min=1, max=10))
    procedure = f.String(validate=f.length(max=20))
    role = f.String(validate=f.length(max=40))
    due_state = f.String(validate=f.one_of(DUE_STATES))


class FinishedArgs(PageArgs):
    outcome = f.String(validate=f.one_of((EARLY, ON_TIME, LATE)))

