"""Intake's dossier: as filed on its channel (code, applicant, attachments, the procedure version and rule set of
the filing day), plus where it stands, copied from the workflow's events for the applicant and the public
(``progress.py``)."""

from __future__ import annotations

from services.intake.storage import DAILY_SEQUENCES, DOSSIERS
from shared.storage import documents as d
from shared.storage.documents import Declared, optional


class StatusChange(d.Shape):
    status = d.Int()
    at = d.Moment()
    by = d.Text()


class Progress(d.Shape):
    event = d.Text()
    status = d.Int()
    at = d.Moment()


class Dossier(d.Aggregate):
    code = d.Text(allow_none=False)
    channel = d.Text()
    status = d.Int(allow_none=False)
    procedure_code = d.Text()
    procedure_version = d.Int()
    procedure_name = d.Text()
    receiving_agency_code = d.Text()
    competent_agency_code = d.Text()
    receiving_agency_name = optional(d.Text())  # what people read; the codes are for systems
    competent_agency_name = optional(d.Text())
    submitted_at = d.Moment()
    rule_set = d.Text()
    owner_account_id = d.Text()
    filed_by = d.Text()
    applicant = d.Map()
    submitter = d.Map()
    contact = d.Map()
    result_return = d.Map()
    attachments = d.List(d.Map())
    status_history = d.List(d.Nested(StatusChange))
    idempotency_key = d.Text(allow_none=False)
    paper_documents = optional(d.List(d.Map()))   # a dossier brought by post: the papers handed over
    supplied_file_ids = optional(d.List(d.Text()))  # uploads handed in with a supplement (attachments/)
    # copied from the workflow's events (progress.py)
    appointment_due = optional(d.Moment())
    workflow_version = optional(d.Int())
    progress_at = optional(d.Moment())
    progress = optional(d.List(d.Nested(Progress)))
    # copied from the sync service's events: the dossier on the National Public Service Portal (progress.py)
    national_portal = optional(d.Map())


class DailySequence(d.Document):
    """The last dossier number drawn for an agency (and platform) on a day."""

    value = d.Int(allow_none=False)
    agency = d.Text()
    date = d.Text()
    created_at = d.Moment()


DOSSIERS_DECLARED = Declared(DOSSIERS, Dossier, "dossiers as filed on every channel, with their progress")
SEQUENCES_DECLARED = Declared(DAILY_SEQUENCES, DailySequence, "dossier-code sequences per agency and day")
