"""The projector: folds the topics' events into the read model, in memory, and writes what changed every few
seconds in one journaled write.

Why in memory and in batches: at the rate a replay must go (the issue asks ≥ 2,000 events/s on the bench machine)
one database write per event is out of reach — FerretDB on SQLite does about a thousand single updates a second on
two shared cores. The projector keeps the records it is working on and the cells in memory, folds each event into
them (facts.py: idempotent, order-free), and every ``REPORTING_FLUSH_SECONDS`` (or ``REPORTING_FLUSH_RECORDS``
changed records) writes the changed documents once, however many events changed them.

Nothing is lost or applied twice:

- a write is *journaled*: the changed documents are first inserted into ``journal`` and its state set to
  "written" in one small write (the commit point), then applied, then the journal cleared; a crash in between is
  finished at the next start, a crash before the commit point leaves the previous state untouched. The journal
  holds each part's documents packed (BSON, zlib): FerretDB then stores one binary value per part instead of
  encoding, indexing and decoding thousands of nested documents it never reads (measured on a write of 7,413
  documents: 2.5 s to insert and delete the journal as documents, 0.25 s packed);
- the consumer commits its Kafka offsets only after a write (shared/bus/projection.py), so what was folded but not
  written is read again after a crash, and folding it again onto the stored records changes nothing (the facts are
  already there) — or adds exactly what is missing;
- one projector runs at a time (a lease), so nothing else writes the read model.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import bson
from bson.raw_bson import RawBSONDocument
from pymongo import ReplaceOne
from pymongo.database import Database

from services.reporting.catalogue.service import Catalogue, apply_agency, apply_announcement, apply_procedure
from services.reporting.projection import cells as c
from services.reporting.projection import contributions, facts, lists
from services.reporting.projection import dossier as dossier_view
from services.reporting.projection import petition as petition_view
from services.reporting.projection.document import CELLS_DECLARED, PETITION_RECORDS, RECORDS
from services.reporting.storage import (
    AGENCIES,
    ANNOUNCEMENTS,
    CELLS,
    DERIVED,
    DOSSIER_KEYS,
    DOSSIERS,
    JOURNAL,
    META,
    OFFICERS,
    PETITIONS,
    PROCEDURES,
)
from shared.clock import utc_now, vn_date
from shared.events import Event
from shared.failpoints import failpoint
from shared.storage.documents import Declared
from shared.storage.mongo import insert_new
from shared.storage.packing import packed, unpacked

log = logging.getLogger(__name__)

# Bump when the rules of dossier.py, petition.py, contributions.py or cells.py change: the projector then drops the
# derived collections and replays the topics from the start, since figures folded by other rules cannot be mended.
# 2: the records' list keys (lists.py), the per-procedure cells (cells.py); 3: facts packed; 4: views and cells' values
# packed too (projection/document.py); 5: the dossiers' keys beside their records (storage.DOSSIER_KEYS)
PROJECTION_VERSION = 5
STATE = "state"
CATALOGUE_EVENTS = ("catalogue.agency-published", "catalogue.procedure-published", "calendar.announcement-published")
INSERT_BATCH = 500
BULK = 200             # statements per bulk write (FerretDB writes them in one transaction: update-by-id-batch.patch)
JOURNAL_PART_ITEMS = 500
CACHE_RECORDS = 50_000  # clean records kept in memory between writes (the rest are read again when needed)
CACHE_CELLS = 20_000
READS = 500             # record or cell ids per read


class Projector:
    def __init__(self, db: Database, settings, catalogue: Catalogue | None = None) -> None:
        self.db, self.settings = db, settings
        self.catalogue = catalogue or Catalogue(db, settings, load=False)  # loaded by start()
        self.records: OrderedDict[str, dict[str, Any]] = OrderedDict()   # "d:<id>" / "p:<code>" -> record
        self.contrib: dict[str, contributions.Contributions] = {}         # what each cached record contributes now
        self.cells: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.officers: dict[str, dict[str, Any]] = {}
        self.dirty: set[str] = set()
        self.underived: set[str] = set()  # records whose facts changed since their view was last derived
        self.dirty_cells: set[str] = set()
        self.dirty_officers: set[str] = set()
        self.unstored: set[str] = set()  # records and cells not in the store yet: inserted, not replaced
        self.seen: dict[str, bool] = {"sync": False, "payment": False}
        self.seq = 0
        self.folded = 0          # events folded since the last write

    # -- starting ---------------------------------------------------------------------------------------------------

    def start(self) -> bool:
        """Finishes a write a crash interrupted, and says whether the topics must be replayed from the start (a
        new read model, a rebuild, or rules changed since it was folded: the derived collections are dropped)."""
        state = self.db[META].find_one({"_id": STATE})
        if state is None or state.get("version") != PROJECTION_VERSION:
            if state is not None:
                log.warning("the projection's rules changed (v%s -> v%s): dropping the read model and replaying "
                            "the topics from the start", state.get("version"), PROJECTION_VERSION)
            for name in DERIVED:
                self.db[name].delete_many({})
            self.db[META].insert_one({"_id": STATE, "version": PROJECTION_VERSION, "seq": 0, "journal": "applied",
                                      "parts": 0, "seen": dict(self.seen), "written_at": utc_now()})
            self.reset()
            return True
        if state.get("journal") == "written":
            log.warning("finishing the read model's write %s that a crash interrupted", state["seq"])
            self._apply(self._journal(state["seq"], state["parts"]))
            self.db[META].update_one({"_id": STATE}, {"$set": {"journal": "applied"}})
        self.db[JOURNAL].delete_many({})
        self.reset()
        self.seq = state["seq"]
        self.seen = dict(state.get("seen") or self.seen)
        return False

    def reset(self) -> None:
        """Forgets everything not written (after a failure: the events are read again from the last commit)."""
        self.records.clear()
        self.contrib.clear()
        self.cells.clear()
        self.officers.clear()
        self.dirty.clear()
        self.underived.clear()
        self.dirty_cells.clear()
        self.dirty_officers.clear()
        self.unstored.clear()
        self.folded = 0
        self.catalogue.reload()

    # -- folding ----------------------------------------------------------------------------------------------------

    def fold(self, batch: list[tuple[Event, dict[str, Any]]]) -> None:
        """Folds a batch of events (in the order received) into the records' facts. Their views and the cells are
        derived from the facts later, once per record and write (:meth:`derive`), however many events changed it
        meanwhile: a record takes an event every few thousand events of a busy topic, so a write that covers more
        events derives, counts and writes each record fewer times."""
        found = [(event, payload, list(facts.facts_of(event, payload))) for event, payload in batch]
        self._load([name for _, _, items in found for name, _, _ in items])
        for event, payload, items in found:
            if event.type in CATALOGUE_EVENTS:
                self.derive()  # the catalogue's catch-up finds records by what they were derived into
                self._changed(self._catalogue_event(event, payload))
            if event.type.startswith("sync.") and items:
                self.seen["sync"] = True
            if event.type.startswith("payment.") and items:
                self.seen["payment"] = True
            for name, fact_name, fact in items:
                record = self._record(name)
                if facts.merge_fact(record["facts"], fact_name, fact):
                    self._changed((name,))
        self.folded += len(batch)

    def derive(self) -> None:
        """Derives the views of the records changed since they were last derived, and counts how their
        contributions changed into the cells."""
        if self.underived:
            names, self.underived = sorted(self.underived), set()
            self._count([self._derive(name) for name in names])

    def _changed(self, names) -> None:
        self.underived.update(names)
        self.dirty.update(names)

    def _catalogue_event(self, event: Event, payload: dict[str, Any]) -> set[str]:
        """Keeps the copy and, when it tells something records were waiting for (or changes what they were
        derived from), derives them again: a late catalogue event corrects the past like any other."""
        if event.type == "catalogue.agency-published":
            before = self.catalogue.agency(payload["code"])
            if not apply_agency(self.db, event, payload):
                return set()
            self.catalogue.refresh(AGENCIES, payload["code"])
            moved = before is not None and before.get("province_code") != payload["province_code"]
            wanted = self._needing(f"agency:{payload['code']}")
            if moved:
                wanted |= {facts.key(facts.DOSSIER, d["_id"]) for d in self.db[DOSSIER_KEYS].find(
                    {"comp": payload["code"]}, {"_id": 1})}
                wanted |= {facts.key(facts.PETITION, p["_id"]) for p in self.db[PETITIONS].find(
                    {"agency": payload["code"]}, {"_id": 1})}
                wanted |= {n for n, r in self.records.items() if (r.get("view") or {}).get("comp") == payload["code"]}
            return self._loaded(wanted)
        if event.type == "catalogue.procedure-published":
            if not apply_procedure(self.db, event, payload):
                return set()
            self.catalogue.refresh(PROCEDURES, f"{payload['code']}@{payload['version']}")
            return self._loaded(self._needing(f"procedure:{payload['code']}@{payload['version']}"))
        if not apply_announcement(self.db, event, payload):
            return set()
        self.catalogue.refresh(ANNOUNCEMENTS, payload["id"])
        dates = sorted([*payload.get("days_off", []), *payload.get("working_days", [])])
        return self._loaded(self._ended_since(dates[0]) if dates else set())

    def _needing(self, what: str) -> set[str]:
        names = {n for n, r in self.records.items() if r.get("needs") == what}
        for collection, kind in ((DOSSIER_KEYS, facts.DOSSIER), (PETITIONS, facts.PETITION)):
            names |= {facts.key(kind, d["_id"]) for d in self.db[collection].find({"needs": what}, {"_id": 1})}
        return names

    def _ended_since(self, first: Any) -> set[str]:
        """Dossiers that ended on or after the first day an announcement changes (their office time may differ)."""
        first_day = first if isinstance(first, date) else date.fromisoformat(str(first))
        months = c.months_between(first_day, vn_date(utc_now()))
        names = {n for n, r in self.records.items() if r.get("end_month") in months}
        for month in months:
            names |= {facts.key(facts.DOSSIER, d["_id"]) for d in self.db[DOSSIER_KEYS].find({"end_month": month},
                                                                                             {"_id": 1})}
        return names

    def _loaded(self, names: set[str]) -> set[str]:
        self._load(list(names))
        return names

    def _load(self, names: list[str]) -> None:
        """Reads the records not in memory, :data:`READS` to a query (one by one they took a sixth of the
        consumer's time when every record was new)."""
        missing = sorted({n for n in names if n not in self.records})
        for declared in {_declared(name) for name in missing}:
            wanted = {name.partition(":")[2]: name for name in missing if _declared(name) is declared}
            ids = list(wanted)
            for i in range(0, len(ids), READS):
                for stored in self.db[declared.name].find({"_id": {"$in": ids[i:i + READS]}}):
                    record = declared.loaded(stored)
                    if declared is RECORDS:  # its keys as stored: derived from its view, like any record's
                        record.update(_dossier_keys(record["_id"], record["view"]))
                        record[LISTED] = _keys_of(record)
                    self._remember(wanted.pop(stored["_id"]), record)
            for record_id, name in wanted.items():  # not in the store yet
                self.unstored.add(name)
                self._remember(name, {"_id": record_id, "facts": {}, "view": None})

    def _remember(self, name: str, record: dict[str, Any]) -> None:
        self.records[name] = record
        self.contrib[name] = self._contributions(name, record.get("view"))

    def _record(self, name: str) -> dict[str, Any]:
        if name not in self.records:
            self._load([name])
        self.records.move_to_end(name)
        return self.records[name]

    @staticmethod
    def _contributions(name: str, view: dict[str, Any] | None) -> contributions.Contributions:
        if name.startswith(facts.DOSSIER + ":"):
            return contributions.dossier(view)
        return contributions.petition(view)

    def _derive(self, name: str) -> dict[tuple[str, str, int], int]:
        """Derives the record's view again; returns how its contributions to the cells changed."""
        record = self._record(name)
        if name.startswith(facts.DOSSIER + ":"):
            view = dossier_view.derive(record["facts"], self.catalogue)
            record.update(_dossier_keys(record["_id"], view))
        else:
            view = petition_view.derive(record["facts"], self.catalogue)
            record.update({"agency": view["agency"] if view else None,
                           "needs": view["needs"][0] if view and view["needs"] else None})
        record["view"] = view
        new = self._contributions(name, view)
        change = contributions.difference(new, self.contrib.get(name, contributions.Contributions()))
        self.contrib[name] = new
        if view is not None and name.startswith(facts.DOSSIER + ":"):
            for seen in view["officers"]:
                officer, officer_name, agency = seen["id"], seen["name"], seen["agency"]
                known = self.officers.get(officer)
                if known is None or (officer_name and known["name"] != officer_name):
                    self.officers[officer] = {"_id": officer, "name": officer_name or (known or {}).get("name"),
                                              "agency": (known or {}).get("agency") or agency}
                    self.dirty_officers.add(officer)
        self.dirty.add(name)
        return change

    def _count(self, changes: list[dict[tuple[str, str, int], int]]) -> None:
        """Adds the records' changed contributions to their cells: summed first and grouped by scope and day (the
        records of a write share most of their days and scopes: a province's, the country's; a scope's day lands
        in the same cells whatever the metric), then the cells not in memory read together (one by one they took
        a third of the folding), then each sum added to the cells it lands in."""
        grouped: dict[tuple[str, int, str], dict[str, int]] = {}
        for change in changes:
            for (scope, metric, day_number), value in change.items():
                metrics = grouped.setdefault((scope, day_number, c.part_of(scope, metric)), {})
                metrics[metric] = metrics.get(metric, 0) + value
        landing = [(target, scope, part, nonzero) for (scope, day_number, part), metrics in grouped.items()
                   if (nonzero := {metric: value for metric, value in metrics.items() if value})
                   for target in c.targets(scope, day_number, part)]
        missing = list({target[0] for target, *_ in landing} - self.cells.keys())
        for i in range(0, len(missing), READS):
            for found in self.db[CELLS].find({"_id": {"$in": missing[i:i + READS]}}):
                self.cells[found["_id"]] = CELLS_DECLARED.loaded(found)
        for (cell, resolution, key, index), scope, part, metrics in landing:
            found = self.cells.get(cell)
            if found is None:
                found = self.cells[cell] = c.new_cell(resolution, scope, key, part)
                self.unstored.add(cell)
            else:
                self.cells.move_to_end(cell)
            for metric, value in metrics.items():
                c.add(found, metric, index, value)
            self.dirty_cells.add(cell)

    # -- writing ----------------------------------------------------------------------------------------------------

    def due(self, since_write: float) -> bool:
        # Due even when nothing changed: the runner then commits the offsets of events that changed nothing
        # (an ignored type, an event applied before), which would otherwise stay owed until the next change.
        return since_write >= self.settings.reporting_flush_seconds or self.full()

    def full(self) -> bool:
        return len(self.dirty) >= self.settings.reporting_flush_records

    def write(self) -> int:
        """Writes what changed since the last write (journaled), now; returns how many documents."""
        prepared = self.prepare()
        if prepared is None:
            return 0
        self.apply(prepared)
        self.settle()
        return len(prepared.items)

    def prepare(self) -> Prepared | None:
        """Takes what changed since the last write, encoded as it is now, for :meth:`apply`; folding may go on
        while it is applied (shared/bus/projection.py writes behind). None when nothing changed."""
        self.derive()
        if not (self.dirty or self.dirty_cells or self.dirty_officers):
            self.folded = 0
            return None
        items = [item for name in sorted(self.dirty) for item in self.stored(name)]
        items += [(CELLS, _encoded(CELLS_DECLARED.stored(self.cells[cell]))) for cell in sorted(self.dirty_cells)]
        items += [(OFFICERS, _encoded(self.officers[officer])) for officer in sorted(self.dirty_officers)]
        new = {(_declared(n).name, n.partition(":")[2]) for n in self.unstored & self.dirty}
        new |= {(DOSSIER_KEYS, record_id) for collection, record_id in new if collection == DOSSIERS}
        new |= {(CELLS, cell) for cell in self.unstored & self.dirty_cells}
        self.seq += 1
        prepared = Prepared(self.seq, items, dict(self.seen), self.folded, frozenset(new))
        self.unstored -= self.dirty | self.dirty_cells  # written by this write: replaced by the next
        self.dirty.clear()
        self.dirty_cells.clear()
        self.dirty_officers.clear()
        self.folded = 0
        return prepared

    def stored(self, name: str) -> list[tuple[str, RawBSONDocument]]:
        """The documents that store a record as it is now: the record, and a dossier's keys if they changed
        since they were written (its record has no other index than its id: storage.OBSOLETE_INDEXES)."""
        record = self.records[name]
        out = [(_declared(name).name, stored_record(name, record))]
        if name.startswith(facts.DOSSIER + ":") and record.get(LISTED) != (keys := _keys_of(record)):
            out.append((DOSSIER_KEYS, _encoded({"_id": record["_id"], **keys})))
            record[LISTED] = keys
        return out

    def apply(self, prepared: Prepared) -> None:
        """Writes a prepared write: journal, commit point, documents, journal cleared. Touches only the database,
        so it may run in another thread than the folding; after a failure, :meth:`start` again."""
        started = time.perf_counter()
        seq, items = prepared.seq, prepared.items
        parts = [items[i:i + JOURNAL_PART_ITEMS] for i in range(0, len(items), JOURNAL_PART_ITEMS)]
        self.db[JOURNAL].insert_many([{"_id": _part_id(seq, n), "seq": seq, "part": n,
                                       "packed": packed({"items": [{"c": name, "d": doc} for name, doc in part]})}
                                      for n, part in enumerate(parts)], ordered=False)
        committed = self.db[META].update_one({"_id": STATE}, {"$set": {  # the commit point
            "seq": seq, "journal": "written", "parts": len(parts), "seen": prepared.seen, "written_at": utc_now()}})
        written = _parts(seq, len(parts))
        if not committed.matched_count:  # dropped by a rebuild: start over (the runner replays from the start)
            self.db[JOURNAL].delete_many(written)
            raise RuntimeError("the read model was dropped (rebuild): replaying the topics from the start")
        failpoint("reporting.write.committed")  # tests: die between the commit point and applying
        self._apply(items, prepared.new)
        self.db[META].update_one({"_id": STATE}, {"$set": {"journal": "applied"}})
        self.db[JOURNAL].delete_many(written)
        log.info("read model write %d: %d documents for %d events in %.0f ms", seq, len(items), prepared.folded,
                 (time.perf_counter() - started) * 1000)

    def settle(self) -> None:
        """Once the last prepared write is applied, and before the next is prepared: forgets the oldest records
        and cells beyond the caches' sizes, but none changed since that write (read back from the store, it would
        be older). Forgetting one while its write is being applied would do the same, hence the order."""
        self._evict()

    def _journal(self, seq: int, parts: int) -> list[tuple[str, dict[str, Any]]]:
        docs = sorted(self.db[JOURNAL].find(_parts(seq, parts)), key=lambda d: d["part"])
        if len(docs) != parts:
            raise RuntimeError(f"journal of write {seq} has {len(docs)} of its {parts} parts")
        options = self.db.codec_options  # moments come back as the client reads them (tz-aware UTC)
        # "items": a part an earlier version journaled unpacked, left by a crash across the upgrade
        return [(item["c"], item["d"]) for doc in docs
                for item in (doc["items"] if "items" in doc else unpacked(doc["packed"], options)["items"])]

    def _apply(self, items: list[tuple[str, Mapping[str, Any]]], new: frozenset[tuple[str, str]] = frozenset()) -> None:
        """Writes the documents: those ``new`` (not in the store when folded) inserted, a batch to a statement —
        FerretDB inserts a batch in one go, where an upsert that finds nothing costs twice a replace (measured:
        0.28 and 0.66 ms a record) — the others replaced. A new one already there (a write applied again) is
        replaced instead."""
        by_collection: dict[str, tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]] = {}
        for name, doc in items:
            inserts, replaces = by_collection.setdefault(name, ([], []))
            (inserts if (name, doc["_id"]) in new else replaces).append(doc)
        for name, (inserts, replaces) in by_collection.items():
            collection = self.db[name]
            for i in range(0, len(inserts), INSERT_BATCH):
                batch = inserts[i:i + INSERT_BATCH]
                replaces += [batch[refused] for refused in insert_new(collection, batch)]
            for i in range(0, len(replaces), BULK):
                collection.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True)
                                       for d in replaces[i:i + BULK]], ordered=False)

    def _evict(self) -> None:
        for name in [n for n in itertools.islice(self.records, max(0, len(self.records) - CACHE_RECORDS))
                     if n not in self.dirty]:
            del self.records[name]
            self.contrib.pop(name, None)
        for cell in [k for k in itertools.islice(self.cells, max(0, len(self.cells) - CACHE_CELLS))
                     if k not in self.dirty_cells]:
            del self.cells[cell]


LISTED = "listed"  # in memory, a dossier's keys as last written (never stored with the record)


def _dossier_keys(record_id: str, view: dict[str, Any] | None) -> dict[str, Any]:
    """The record's top-level fields the drill-down lists (lists.py) and the catalogue catch-up look records up by."""
    if view is None:
        return {"comp": None, "prov": None, "proc": None, "end_month": None, "recv_month": None, "needs": None,
                **lists.keys(record_id, None, None, None)}
    end = view["end_day"]
    received = dossier_view.day(view["received_at"])
    end_month = f"{date.fromordinal(end):%Y-%m}" if end is not None else (
        lists.OPEN if view["start_day"] is not None else None)
    recv_month = f"{date.fromordinal(received):%Y-%m}" if received is not None else None
    return {"comp": view["comp"], "prov": view["prov"], "proc": view["proc"], "end_month": end_month,
            "recv_month": recv_month, "needs": view["needs"][0] if view["needs"] else None,
            **lists.keys(record_id, view, end_month, recv_month)}


KEY_FIELDS = tuple(_dossier_keys("", None))  # a dossier's keys document (projection/document.py: DossierKeys)


@dataclass(frozen=True)
class Prepared:
    """A write taken by :meth:`Projector.prepare`: its number, the changed documents encoded, the kinds of events
    seen so far, how many events it covers."""

    seq: int
    items: list[tuple[str, RawBSONDocument]]
    seen: dict[str, bool]
    folded: int
    new: frozenset[tuple[str, str]]  # (collection, _id) of the documents not in the store yet


def _encoded(doc: dict[str, Any]) -> RawBSONDocument:
    """The document as it is now (folding goes on changing the dict while a write behind sends it)."""
    return RawBSONDocument(bson.encode(doc))


def _declared(name: str) -> Declared:
    """The declared collection of a record by its name (``d:<id>``, ``p:<code>``)."""
    return RECORDS if name.startswith(facts.DOSSIER + ":") else PETITION_RECORDS


def _keys_of(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record.get(key) for key in KEY_FIELDS}


def stored_record(name: str, record: dict[str, Any]) -> RawBSONDocument:
    """A record as stored: its facts and view packed (projection/document.py). FerretDB then encodes one binary
    value instead of a few dozen nested documents into the row it writes and parses for every index (facts
    alone, measured in-process, 2,000 lives: writing 15,898 records and 11,030 cells 26.4 → 19.8 s). A dossier's
    keys are not in it (:meth:`Projector.stored`)."""
    if name.startswith(facts.DOSSIER + ":"):
        record = {"_id": record["_id"], "facts": record["facts"], "view": record["view"]}
    return _encoded(_declared(name).stored(record))


def _part_id(seq: int, part: int) -> str:
    return f"{seq}:{part}"


def _parts(seq: int, parts: int) -> dict[str, Any]:
    """The query of a write's journal parts, by ``_id``: FerretDB v1 would decode every part (thousands of
    documents each) to match ``seq``."""
    return {"_id": {"$in": [_part_id(seq, n) for n in range(parts)]}}
