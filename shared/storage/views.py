"""Views: slim copies of an aggregate's documents, kept for a read that must not decode the documents whole.

Why: on the development store (FerretDB, SQLite backend) only ``_id`` equality reaches the storage engine; any
other query decodes every document of the collection, at a cost that grows with each document's size. A dossier
is about 7 KB of BSON, so an officer's queue that filtered the dossiers themselves took 1.4 s per request with
1,000 open dossiers. A view holds only what its reads filter, sort and show (a queue entry is about 0.5 KB).
On MongoDB the view's own indexes serve the same reads, and the documents' indexes for them can go.

How a view stays right — one writer, one guard, one sweeper:

- the aggregate runner (:mod:`shared.storage.aggregate`) writes it right after every write that won its
  compare-and-set, from the document as written; the entry carries the document's version and is replaced
  only by a newer one, so of two writers finishing out of order the later version stays (the older one's
  upsert collides with the newer entry's ``_id`` and is dropped);
- a document the view no longer lists (``project`` gives None: a finished dossier) leaves a *tombstone* —
  its version and ``gone_at``, nothing else — so a late write of an older version cannot list it again;
  tombstones are purged once older than :data:`TOMBSTONE_SECONDS`;
- a process stopped between the two writes leaves the entry one version behind. :meth:`View.reconcile`, a
  background task, compares versions and writes again the entries that are missing, behind or listed for a
  document that is not; it also builds the view of documents written before the view existed. The documents
  and their events never depend on the view: it is derived, and rewritten from them at will.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReplaceOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.storage.documents import Declared
from shared.storage.mongo import insert_new

log = logging.getLogger(__name__)

TOMBSTONE_SECONDS = 3600.0  # a tombstone outlives by far any write of an older version still under way
GONE_AT = "gone_at"  # set on tombstones only: a listed entry carries its fields and its version, nothing more


@dataclass(frozen=True)
class View:
    declared: Declared                                      # the view's collection and shape
    project: Callable[[dict[str, Any]], dict[str, Any] | None]  # the entry's fields; None: not listed
    listed_query: dict[str, Any]                            # the documents ``project`` lists, as a query
    revision_field: str = "version"

    @property
    def name(self) -> str:
        return self.declared.name

    def entry(self, doc: dict[str, Any], at: datetime) -> dict[str, Any]:
        """The stored entry of ``doc``: its projection, or a tombstone when the view does not list it."""
        fields = self.project(doc)
        kept = {GONE_AT: at} if fields is None else fields
        return {"_id": doc["_id"], self.revision_field: doc[self.revision_field], **kept}

    def write(self, db: Database, doc: dict[str, Any], at: datetime) -> bool:
        """Writes the entry of ``doc`` unless the view holds the same or a newer version; True if written."""
        entry = self.entry(doc, at)
        try:
            db[self.name].replace_one({"_id": doc["_id"], self.revision_field: {"$lt": doc[self.revision_field]}},
                                      entry, upsert=True)
        except DuplicateKeyError:
            return False  # the view has this version or a newer one already
        return True

    def write_many(self, db: Database, docs: Sequence[dict[str, Any]], at: datetime) -> None:
        """:meth:`write` for many documents in a few round trips, whatever their number: one read of the versions
        the view holds, one insert of the entries it lacks, one bulk replace of those it holds older. An insert
        refused because an entry appeared meanwhile is settled by the guarded single write."""
        if len(docs) <= 1:
            for doc in docs:
                self.write(db, doc, at)
            return
        revision = self.revision_field
        held = {e["_id"]: e[revision] for e in db[self.name].find({"_id": {"$in": [doc["_id"] for doc in docs]}},
                                                                  {revision: 1})}
        fresh = [doc for doc in docs if doc["_id"] not in held]
        older = [doc for doc in docs if doc["_id"] in held and held[doc["_id"]] < doc[revision]]
        refused = insert_new(db[self.name], [self.entry(doc, at) for doc in fresh])
        if older:  # guarded like write: an entry made newer meanwhile is not matched, so left alone
            db[self.name].bulk_write([ReplaceOne({"_id": doc["_id"], revision: {"$lt": doc[revision]}},
                                                 self.entry(doc, at)) for doc in older], ordered=False)
        for index in refused:
            self.write(db, fresh[index], at)

    def reconcile(self, db: Database, source: str, at: datetime) -> int:
        """One sweep: rewrites every entry that is missing, behind its document, or listed for a document that
        is not (stopped between the two writes, or written before the view existed), and purges old
        tombstones. Returns how many entries it wrote."""
        revision = self.revision_field
        wanted = {d["_id"]: d[revision] for d in db[source].find(self.listed_query, {revision: 1})}
        held = {e["_id"]: (e[revision], GONE_AT not in e) for e in db[self.name].find({}, {revision: 1, GONE_AT: 1})}
        stale = [doc_id for doc_id, version in wanted.items() if held.get(doc_id, (0, False))[0] < version]
        stale += [doc_id for doc_id, (_, listed) in held.items() if listed and doc_id not in wanted]
        written = 0
        for doc_id in stale:
            doc = db[source].find_one({"_id": doc_id})
            if doc is None:
                db[self.name].delete_one({"_id": doc_id})
                continue
            if doc_id not in wanted and held[doc_id][0] >= doc[revision]:
                db[self.name].replace_one({"_id": doc_id}, self.entry(doc, at))  # same version, wrongly listed
                written += 1
            else:
                written += self.write(db, doc, at)
        purged = db[self.name].delete_many(
            {GONE_AT: {"$lt": at - timedelta(seconds=TOMBSTONE_SECONDS)}}).deleted_count
        if written or purged:
            log.info("view %s: %d entr(y/ies) rewritten from %s, %d tombstone(s) purged", self.name, written,
                     source, purged)
        return written
