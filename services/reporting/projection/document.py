"""The declared shapes of the read model's own collections.

What no query looks inside is stored packed (:class:`shared.storage.documents.Packed`): a record's facts and view,
a cell's values. FerretDB then encodes, indexes and decodes one binary value instead of dozens of nested fields.
The projector writes and reads records and cells through :data:`RECORDS`, :data:`PETITION_RECORDS` and
:data:`CELLS_DECLARED` (``stored`` / ``loaded``), and so do the indicators' readers. A dossier's keys (what its record
is looked up by) live beside it in :data:`RECORD_KEYS`, so that the record, written at every event, has no index but
its id."""

from __future__ import annotations

from services.reporting.storage import CELLS, DOSSIER_KEYS, DOSSIERS, JOURNAL, META, OFFICERS, PETITIONS
from shared.storage import documents as d
from shared.storage.documents import Declared


class DossierRecord(d.Document):
    facts = d.Packed(d.Map(allow_none=False), allow_none=False)  # facts.py: one per event, by kind and id
    view = d.Packed(d.Map(), allow_none=True)  # dossier.py's derived view (None until the record is placed)


class DossierKeys(d.Document):
    """What a dossier's record is looked up by, derived from its view; written only when it changes."""

    comp = d.Text()
    prov = d.Text()
    proc = d.Text()
    end_month = d.Text()
    recv_month = d.Text()
    needs = d.Text()
    l_end_agency = d.Text()  # the drill-down lists' keys (lists.py)
    l_recv_agency = d.Text()
    l_end_procedure = d.Text()
    l_recv_procedure = d.Text()
    l_end_province = d.Text()
    l_recv_province = d.Text()
    l_end_all = d.Text()
    l_recv_all = d.Text()


class PetitionRecord(d.Document):
    facts = d.Packed(d.Map(allow_none=False), allow_none=False)
    view = d.Packed(d.Map(), allow_none=True)
    agency = d.Text()
    needs = d.Text()


class Cell(d.Document):
    res = d.Text(allow_none=False)
    scope = d.Text(allow_none=False)
    kind = d.Text(allow_none=False)
    key = d.Text(allow_none=False)
    part = d.Text(allow_none=False)
    bucket = d.Text(allow_none=False)
    v = d.Packed(d.Map(allow_none=False), allow_none=False)  # {metric: {index: value}} (projection/cells.py)


class Officer(d.Document):
    name = d.Text()
    agency = d.Text()


class JournalPart(d.Document):
    seq = d.Int(allow_none=False)
    part = d.Int(allow_none=False)
    packed = d.Bytes(allow_none=False)  # zlib-compressed BSON {"items": [{"c": collection, "d": document}, …]}


class Meta(d.Document):
    version = d.Int()
    seq = d.Int()
    journal = d.Text()
    parts = d.Int()
    seen = d.Map()
    written_at = d.Moment()


RECORDS = Declared(DOSSIERS, DossierRecord, "one record per dossier: its facts and its view")
RECORD_KEYS = Declared(DOSSIER_KEYS, DossierKeys, "per dossier, what its record is looked up by (drill-down lists, "
                       "catalogue catch-up)")
PETITION_RECORDS = Declared(PETITIONS, PetitionRecord, "one record per petition, by its code: its facts and its view")
CELLS_DECLARED = Declared(CELLS, Cell, "the figures: counters per scope, metric and day or month")

DECLARED = (
    RECORDS,
    RECORD_KEYS,
    PETITION_RECORDS,
    CELLS_DECLARED,
    Declared(OFFICERS, Officer, "officers seen acting on dossiers (the staff scores' rows)"),
    Declared(JOURNAL, JournalPart, "what a write of the read model is about to apply (cleared after)"),
    Declared(META, Meta, "the projection's version, the journal's state, kinds of events seen"),
)
