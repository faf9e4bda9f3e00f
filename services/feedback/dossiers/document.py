"""The feedback service's read copy of a dossier: enough to know who may rate it and when, and what a petition
about it concerns. Newest revision only (the dossier's version in the workflow)."""

from __future__ import annotations

from services.feedback.storage import DOSSIERS
from shared.storage import documents as d
from shared.storage.documents import Declared, optional


class DossierCopy(d.Document):
    revision = d.Int(allow_none=False)
    source_event_id = d.Text()
    code = d.Text(allow_none=False)
    status = d.Int(allow_none=False)
    owner_account_id = d.Text()
    receiving_agency_code = d.Text(allow_none=False)
    competent_agency_code = d.Text(allow_none=False)
    procedure_code = d.Text(allow_none=False)
    procedure_name = d.Text()
    applicant_name = d.Text()
    channel = optional(d.Text())
    returned_at = optional(d.Moment())
    return_method = optional(d.Text())


DOSSIERS_DECLARED = Declared(DOSSIERS, DossierCopy, "read copy of the workflow's dossiers (rating, petitions)")
