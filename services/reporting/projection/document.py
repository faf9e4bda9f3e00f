"""The declared shapes of the read model's own collections."""

from __future__ import annotations

from services.reporting.storage import CELLS, DOSSIERS, JOURNAL, META, OFFICERS, PETITIONS
from shared.storage import documents as d
from shared.storage.documents import Declared


class DossierRecord(d.Document):
    facts = d.Bytes(allow_none=False)  # zlib-compressed BSON of the facts (projector.stored_facts)
    view = d.Map()
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
    facts = d.Bytes(allow_none=False)
    view = d.Map()
    agency = d.Text()
    needs = d.Text()


class Cell(d.Document):
    res = d.Text(allow_none=False)
    scope = d.Text(allow_none=False)
    kind = d.Text(allow_none=False)
    key = d.Text(allow_none=False)
    part = d.Text(allow_none=False)
    bucket = d.Text(allow_none=False)
    v = d.Map(allow_none=False)


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


DECLARED = (
    Declared(DOSSIERS, DossierRecord, "one record per dossier: its facts and its view (drill-down lists)"),
    Declared(PETITIONS, PetitionRecord, "one record per petition, by its code: its facts and its view"),
    Declared(CELLS, Cell, "the figures: counters per scope, metric and day or month"),
    Declared(OFFICERS, Officer, "officers seen acting on dossiers (the staff scores' rows)"),
    Declared(JOURNAL, JournalPart, "what a write of the read model is about to apply (cleared after)"),
    Declared(META, Meta, "the projection's version, the journal's state, kinds of events seen"),
)
