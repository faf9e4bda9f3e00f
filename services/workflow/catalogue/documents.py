"""The registry's documents: agencies, procedure versions and calendar announcements, as the workflow stores
them — the fields of their API and event schemas (one definition), plus who changed them last."""

from __future__ import annotations

from services.workflow.storage import AGENCIES, ANNOUNCEMENTS, PROCEDURES
from shared.domain.catalogue import AgencySchema, ProcedureVersionSchema
from shared.domain.schemas import AnnouncementSchema
from shared.storage import documents as d
from shared.storage.documents import Declared, stored_like


class Entry(d.Aggregate):
    updated_by = d.Text()


Agency = stored_like(AgencySchema, "Agency", Entry)
Announcement = stored_like(AnnouncementSchema, "Announcement", Entry)
# ``version`` is the procedure's version number; ``revision`` the document's compare-and-set counter.
ProcedureVersion = stored_like(
    ProcedureVersionSchema, "ProcedureVersion", d.OutboxDocument, version=d.Int(allow_none=False),
    created_at=d.Moment(), revision=d.Int(allow_none=False), updated_at=d.Moment(), updated_by=d.Text(),
    idempotency_key=d.Text(allow_none=False))

AGENCIES_DECLARED = Declared(AGENCIES, Agency, "the agencies of the registry (QCVN 102:2016 codes)")
PROCEDURES_DECLARED = Declared(PROCEDURES, ProcedureVersion, "procedure versions: drafts and published")
ANNOUNCEMENTS_DECLARED = Declared(ANNOUNCEMENTS, Announcement, "calendar announcements published here")
