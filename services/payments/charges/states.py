"""Where each dossier stands, as the payments service needs it (void and refund rules): kept from the
workflow's events, newest version first."""

from __future__ import annotations

from services.payments.storage import DOSSIER_STATES
from shared.storage import documents as d
from shared.storage.documents import Declared, optional


class DossierState(d.Document):
    version = d.Int()
    status = d.Int()
    processing_started = d.Bool()
    closure = optional(d.Text())
    reason = optional(d.Text())
    owner_account_id = optional(d.Text())
    agency_code = optional(d.Text())
    competent_agency_code = optional(d.Text())


DOSSIER_STATES_DECLARED = Declared(DOSSIER_STATES, DossierState, "where each dossier stands (payments' read copy)")
