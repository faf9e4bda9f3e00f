"""Intake's read copy of the workflow's catalogue (agencies and published procedure versions), kept from the
``catalogue.*-published`` events, newest revision only (:mod:`shared.storage.read_copy`): the events' fields,
stored as they came, plus the revision and the event they came from."""

from __future__ import annotations

from services.intake.storage import CATALOGUE_AGENCIES, CATALOGUE_PROCEDURES
from shared.domain.catalogue import AgencySchema, ProcedureVersionSchema
from shared.storage import documents as d
from shared.storage.documents import Declared, stored_like
from shared.storage.read_copy import Copied

Agency = stored_like(AgencySchema, "Agency", Copied)
# the process stays the workflow's: the copy keeps how many steps it has
ProcedureVersion = stored_like(ProcedureVersionSchema, "ProcedureVersion", Copied, exclude=("process",),
                               steps=d.Int())

AGENCIES_DECLARED = Declared(CATALOGUE_AGENCIES, Agency, "read copy of the workflow's agencies")
PROCEDURES_DECLARED = Declared(CATALOGUE_PROCEDURES, ProcedureVersion, "read copy of published procedure versions")
