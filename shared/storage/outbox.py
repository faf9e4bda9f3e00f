"""The embedded outbox: a state change and the events it causes are one atomic write of one document.

There are no multi-document transactions on the servers we run on (FerretDB has none), and a separate
outbox collection would need one. So the events ride inside the document that changed:

    {_id, ...state..., outbox: [event, ...], outbox_pending: true,
     outbox_lease_until: null, outbox_lease_owner: null}

A relay process (:class:`OutboxRelay`) then:

1. finds documents with pending events — through a *wake-up* (a tiny document the writer adds right after
   its write, so the relay does not have to scan the dossiers) and, as a safety net for wake-ups lost to a
   crash between the two writes, by sweeping for ``outbox_pending`` every ``RELAY_SWEEP_INTERVAL_SECONDS``;
2. claims each document with a lease (a compare-and-set on ``_id``, pending flag and an expired lease), so
   two relays never publish the same document at the same time and each dossier's events keep their order.
   The compare-and-sets go in bulk writes of ``BULK`` statements (on FerretDB every write command waits its
   turn for the database, so the number of commands sets the pace), each taking the lease with a token of
   this round (``<relay id>:<round>``); a bulk says how many matched, not which, so the documents won are
   then read back by that token;
3. publishes the events in array order with ``acks=all`` and the idempotent producer, keyed by dossier;
4. only then removes exactly the events it sent — in the usual case one compare-and-set (the outbox is still
   what was claimed, and the lease still the round's), sent in bulk, else ``$pullAll`` document by document
   for those a bulk left leased — and clears the pending flag if none are left. A failed send releases the
   lease of that document, whose events stay pending.

A crash between 3 and 4 publishes the events again on the next claim: delivery is at-least-once and every
consumer deduplicates by ``event_id`` (see :mod:`shared.bus.consumer`).

FerretDB notes (checked against v1.24.2): ``$pull`` with a condition silently removes nothing, so sent
events are removed with ``$pullAll`` of the exact documents read; ``findAndModify`` rejects projections;
``_id: {$in: [...]}`` scanned the whole collection before our build pushed it down (tools/ferretdb, patch 4),
hence one ``_id`` equality per statement; and a bulk holds a pooled connection per statement until it ends (hence
``BULK``).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kafka.errors import KafkaError
from pymongo import UpdateOne
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError
from pymongo.results import UpdateResult

from shared.clock import utc_now
from shared.events import Event, event_type
from shared.events.topics import TopicNames
from shared.failpoints import failpoint
from shared.logging import log_context
from shared.observability import metrics, tracing
from shared.runtime.loops import Loop, Task
from shared.storage import audit
from shared.storage.mongo import insert_new

log = logging.getLogger(__name__)

OUTBOX = "outbox"
PENDING = "outbox_pending"
LEASE_UNTIL = "outbox_lease_until"
LEASE_OWNER = "outbox_lease_owner"
WAKEUPS = "outbox_wakeups"
AUDIT_LINES = "audit"   # a wake-up's audit records, written by the relay (shared/storage/audit.py)
OUTBOX_FIELDS = (OUTBOX, PENDING, LEASE_UNTIL, LEASE_OWNER)  # bookkeeping a read never needs
BULK = 40  # statements per bulk update: FerretDB v1 holds a cursor (a pooled SQLite connection, 100 at most) per
           # statement until the command ends, so a bulk of ~100 statements waits forever for a connection


def stored(event: Event) -> dict[str, Any]:
    """An event as kept in an outbox: its envelope, plus the trace context it was written in (if tracing)."""
    return {**event.to_document(), **tracing.outbox_fields()}


def outbox_fields(events: Sequence[Event]) -> dict[str, Any]:
    """Fields to add to a new document so that it is inserted together with its events."""
    return {
        OUTBOX: [stored(event) for event in events],
        PENDING: bool(events),
        LEASE_UNTIL: None,
        LEASE_OWNER: None,
    }


def with_events(update: dict[str, Any], events: Sequence[Event]) -> dict[str, Any]:
    """A copy of a MongoDB update document that also appends the events to the outbox, so the state change
    and its events are written by one atomic update."""
    if not events:
        return update
    combined = {operator: dict(fields) for operator, fields in update.items()}
    if OUTBOX in combined.get("$push", {}) or PENDING in combined.get("$set", {}):
        raise ValueError("the update already touches the outbox")
    combined.setdefault("$push", {})[OUTBOX] = {"$each": [stored(event) for event in events]}
    combined.setdefault("$set", {})[PENDING] = True
    return combined


class Outbox:
    """Writes documents of one collection together with their events, and wakes the relay up."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection
        self.wakeups = collection.database[WAKEUPS]

    def insert(self, document: dict[str, Any], events: Sequence[Event],
               audit_lines: Sequence[dict[str, Any]] = ()) -> None:
        """Inserts a new document with its events, then wakes the relay (with the write's audit records, if any:
        :mod:`shared.storage.audit`)."""
        self.collection.insert_one({**document, **outbox_fields(events)})
        self._after_write(document["_id"], events, audit_lines)

    def update(self, filter: dict[str, Any], update: dict[str, Any], events: Sequence[Event],  # noqa: A002
               audit_lines: Sequence[dict[str, Any]] = ()) -> UpdateResult:
        """One atomic update of one document, identified by ``_id`` (and any compare-and-set conditions); the
        audit records are written only if it changed the document."""
        if "_id" not in filter:
            raise ValueError("outbox updates address one document by _id")
        result = self.collection.update_one(filter, with_events(update, events))
        if result.modified_count:
            self._after_write(filter["_id"], events, audit_lines)
        return result

    def _after_write(self, document_id: Any, events: Sequence[Event], audit_lines: Sequence[dict[str, Any]]) -> None:
        if events:
            self.wake(document_id, audit_lines)
        else:
            audit.write_all(self.collection.database, audit_lines)

    def insert_many(self, documents: Sequence[dict[str, Any]]) -> set[int]:
        """Inserts new documents without events in one round trip; returns the indexes of those refused because
        one with the same ``_id`` (or another unique key) exists already."""
        return insert_new(self.collection, [{**document, **outbox_fields(())} for document in documents])

    def update_many(self, writes: Sequence[tuple[dict[str, Any], dict[str, Any], Sequence[Event]]]) -> list[bool]:
        """Many atomic updates of one document each (``(filter, update, events)``, as :meth:`update`) in bulk
        writes of ``BULK`` statements; the relay is woken for all of them with one insert. Returns, per write,
        whether its bulk matched every filter: a bulk write tells how many matched, not which, so False means
        *not known to be written*."""
        if any("_id" not in spec for spec, _, _ in writes):
            raise ValueError("outbox updates address one document by _id")
        matched: list[bool] = []
        for start in range(0, len(writes), BULK):
            chunk = writes[start:start + BULK]
            result = self.collection.bulk_write([UpdateOne(spec, with_events(update, events))
                                                 for spec, update, events in chunk], ordered=False)
            matched += [result.matched_count == len(chunk)] * len(chunk)
        woken = [spec["_id"] for spec, _, events in writes if events]
        if woken:
            self.wake_all(woken)
        return matched

    def wake_all(self, document_ids: Sequence[Any]) -> None:
        """:meth:`wake` for many documents in one insert (best effort too). A wake-up of a document whose
        compare-and-set lost is harmless: the relay finds nothing pending and drops it."""
        now = utc_now()
        try:
            insert_new(self.wakeups, [{"_id": f"{self.collection.name}:{document_id}",
                                       "collection": self.collection.name, "document_id": document_id, "at": now}
                                      for document_id in document_ids])
        except PyMongoError:
            log.warning("outbox wake-ups lost; the relay's sweep will find them", exc_info=True)

    def wake(self, document_id: Any, audit_lines: Sequence[dict[str, Any]] = ()) -> None:
        """Tell the relay a document has pending events, handing it the write's audit records to write with the
        others of its round. Best effort: if the wake-up is lost, the sweep finds the document; if one is waiting
        already (the relay has not come yet), the records are written here."""
        wakeup = {"_id": f"{self.collection.name}:{document_id}", "collection": self.collection.name,
                  "document_id": document_id, "at": utc_now()}
        if audit_lines:
            wakeup[AUDIT_LINES] = list(audit_lines)
        try:
            self.wakeups.insert_one(wakeup)
            return
        except DuplicateKeyError:
            pass
        except PyMongoError:
            log.warning("outbox wake-up for %s lost; the relay's sweep will find it", document_id, exc_info=True)
        audit.write_all(self.collection.database, audit_lines)


@dataclass
class _Claim:
    collection: Collection
    document_id: Any
    events: list[dict[str, Any]]
    owner: str  # the round token the lease was taken with: only this round may clear or release it


class OutboxRelay:
    """Publishes the outbox events of some collections of one service database to Kafka."""

    def __init__(
        self,
        db: Database,
        collections: Iterable[str],
        producer,
        topics: TopicNames,
        settings,
        relay_id: str | None = None,
        service: str = "",
    ) -> None:
        self.db = db
        self.service = service or db.name.rpartition("_")[2]  # metrics label: <prefix>_<service>
        self.collections = {name: db[name] for name in collections}
        self.wakeups = db[WAKEUPS]
        self.producer = producer
        self.topics = topics
        self.settings = settings
        self.relay_id = relay_id or f"relay-{uuid.uuid4().hex[:12]}"
        self._rounds = itertools.count(1)
        self._next_sweep = 0.0
        # Bulk claims and clears of different chunks are independent round trips: issue them side by side so
        # the relay keeps up when it competes with the API for the database. Sends stay in one thread, in
        # claim order, so each dossier's events leave in order.
        self._pool = ThreadPoolExecutor(max_workers=settings.relay_concurrency, thread_name_prefix="relay")

    def ensure_indexes(self) -> None:
        for collection in self.collections.values():
            collection.create_index(PENDING)
            collection.create_index(LEASE_OWNER)  # a round reads back what it claimed by its token

    def loop(self) -> Loop:
        """The relay's loop: rounds back to back while there are events, one poll per interval when idle."""
        return Loop(f"outbox relay {self.relay_id} ({', '.join(self.collections)})", [
            Task("publish pending events", "publish", self.run_once, self.settings.relay_poll_interval_seconds,
                 draining=True, max_backoff=5.0),
        ], service=self.service, on_stop=self._pool.shutdown)

    def run(self, stop: threading.Event) -> None:
        self.loop().run(stop)

    def run_once(self) -> int:
        """One round: claim what is pending, publish it, clear it. Returns how many events were published."""
        candidates, wakeups = self._candidates()
        claims = self._claim_all(candidates) if candidates else []
        published = self._publish(claims) if claims else []
        self._clear_all(published)
        if wakeups:
            # The audit records the wake-ups carry, then the wake-ups (a crash between writes the records again:
            # nothing changes). Wake-ups of documents another relay holds are dropped too: that relay publishes
            # them, and if it dies the lease expires and the sweep picks the document up.
            try:
                audit.write_all(self.db, [line for wakeup in wakeups for line in wakeup.get(AUDIT_LINES, ())])
            except BulkWriteError as exc:   # the others are written (unordered): never block the relay on one
                log.error("audit records refused by the database: %s",
                          [error.get("errmsg") for error in exc.details.get("writeErrors", [])][:5])
            self.wakeups.delete_many({"_id": {"$in": [wakeup["_id"] for wakeup in wakeups]}})
        return sum(len(claim.events) for claim in published)

    def _candidates(self) -> tuple[list[tuple[Collection, Any]], list[dict[str, Any]]]:
        limit = self.settings.relay_batch_size
        wakeups = list(self.wakeups.find({"collection": {"$in": list(self.collections)}}).limit(limit))
        seen = {(w["collection"], w["document_id"]): None for w in wakeups}  # ordered: oldest wake-ups first
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + self.settings.relay_sweep_interval_seconds
            for name, collection in self.collections.items():
                for doc in collection.find({PENDING: True}, {"_id": 1}).limit(limit):
                    seen.setdefault((name, doc["_id"]))
        return [(self.collections[name], doc_id) for name, doc_id in seen], wakeups

    # -- claiming --------------------------------------------------------------------------------------------

    def _claim_all(self, candidates: Sequence[tuple[Collection, Any]]) -> list[_Claim]:
        """Leases every candidate that is pending and not leased by someone else, with a token of this round
        as the owner: one compare-and-set per document (by ``_id`` equality, the only lookup FerretDB answers
        from the ``_id`` index), ``BULK`` of them per bulk write. A bulk write says how many matched, not
        which, so the documents won are then read back by the token (an indexed string equality). Returns
        the claims of documents with events, in candidate order."""
        token = f"{self.relay_id}:{next(self._rounds)}"
        now = utc_now()
        until = now + timedelta(seconds=self.settings.relay_lease_seconds)
        by_collection: dict[str, list[Any]] = {}
        collections: dict[str, Collection] = {}
        for collection, document_id in candidates:
            by_collection.setdefault(collection.name, []).append(document_id)
            collections[collection.name] = collection
        chunks = [(collections[name], ids[start:start + BULK])
                  for name, ids in by_collection.items() for start in range(0, len(ids), BULK)]

        def lease(chunk: tuple[Collection, list[Any]]) -> int:
            collection, ids = chunk
            return collection.bulk_write([UpdateOne(
                {"_id": document_id, PENDING: True, "$or": [{LEASE_UNTIL: None}, {LEASE_UNTIL: {"$lt": now}}]},
                {"$set": {LEASE_UNTIL: until, LEASE_OWNER: token}},
            ) for document_id in ids], ordered=False).matched_count

        won: dict[str, int] = {}
        for (collection, _), matched in zip(chunks, self._pool.map(lease, chunks), strict=True):
            won[collection.name] = won.get(collection.name, 0) + matched
        claims: list[_Claim] = []
        for name, count in won.items():
            if not count:
                continue
            collection = collections[name]
            # LEASE_UNTIL too: a token is unique to this relay's round, the moment guards against a relay
            # restarted under the same id meeting a predecessor's expired lease.
            docs = {doc["_id"]: doc for doc in collection.find({LEASE_OWNER: token, LEASE_UNTIL: until},
                                                                 {OUTBOX: 1})}
            empty = [document_id for document_id, doc in docs.items() if not doc.get(OUTBOX)]
            for start in range(0, len(empty), BULK):  # claimed with nothing left to send: no longer pending
                collection.bulk_write([UpdateOne(
                    {"_id": document_id, LEASE_OWNER: token, OUTBOX: {"$size": 0}},
                    {"$set": {PENDING: False, LEASE_UNTIL: None, LEASE_OWNER: None}},
                ) for document_id in empty[start:start + BULK]], ordered=False)
            claims += [_Claim(collection, document_id, docs[document_id][OUTBOX], token)
                       for document_id in by_collection[name] if docs.get(document_id, {}).get(OUTBOX)]
        return claims

    def _claim(self, collection: Collection, document_id: Any) -> _Claim | None:
        """:meth:`_claim_all` of one document."""
        claims = self._claim_all([(collection, document_id)])
        return claims[0] if claims else None

    # -- publishing ------------------------------------------------------------------------------------------

    def _publish(self, claims: list[_Claim]) -> list[_Claim]:
        """Sends every claimed event, waits for the broker's acknowledgements, returns the fully sent claims."""
        sent: list[tuple[_Claim, list]] = []
        for claim in claims:
            futures = []
            for document in claim.events:
                event = Event.from_document(document)
                topic = self.topics.main(event_type(event.type).topic)
                with tracing.publish_span(document, topic) as trace_headers:  # traceparent for the consumers
                    futures.append(self.producer.send(topic, key=event.key, value=event.to_json(),
                                                      headers=event.headers() + trace_headers))
            sent.append((claim, futures))
        self.producer.flush()
        done = []
        for claim, futures in sent:
            try:
                for future in futures:
                    future.get(timeout=30)
            except KafkaError:
                log.exception("publishing the outbox of %s failed; it stays pending", claim.document_id)
                metrics.publish_failed(claim.events[0].get("producer") or "")
                self._release(claim)
                continue
            with log_context(dossier_id=claim.events[0].get("dossier_id")):
                log.info("published %d event(s) of %s %s", len(claim.events), claim.collection.name,
                         claim.document_id, extra={"event_ids": [e["event_id"] for e in claim.events]})
            metrics.events_published(claim.events)  # publish rate; dossiers received, late dossiers
            done.append(claim)
        failpoint("relay.after_publish")
        return done

    # -- clearing --------------------------------------------------------------------------------------------

    def _clear_all(self, claims: Sequence[_Claim]) -> None:
        """:meth:`_clear` of many claims: the usual compare-and-set (the outbox is exactly what was sent) in
        bulk writes of ``BULK``. A bulk that did not match all its documents — a state change appended events
        to some of them meanwhile — does not say which: those of the chunk still leased with the round's token
        (the bulk released the others) are read back and cleared one by one (:meth:`_clear`, idempotent)."""
        groups: dict[tuple[str, str], list[_Claim]] = {}
        for claim in claims:
            groups.setdefault((claim.collection.name, claim.owner), []).append(claim)
        chunks = [group[start:start + BULK] for group in groups.values() for start in range(0, len(group), BULK)]

        def clear(chunk: list[_Claim]) -> None:
            collection, owner = chunk[0].collection, chunk[0].owner
            result = collection.bulk_write([UpdateOne(
                {"_id": claim.document_id, LEASE_OWNER: owner, OUTBOX: claim.events},
                {"$set": {OUTBOX: [], PENDING: False, LEASE_UNTIL: None, LEASE_OWNER: None}},
            ) for claim in chunk], ordered=False)
            if result.matched_count == len(chunk):
                return
            still_held = {doc["_id"] for doc in collection.find({LEASE_OWNER: owner}, {"_id": 1})}
            for claim in chunk:
                if claim.document_id in still_held:
                    self._clear(claim)

        list(self._pool.map(clear, chunks))

    def _clear(self, claim: _Claim) -> None:
        # Common case, one write: nothing was appended since the claim, so the outbox is exactly what was sent.
        cleared = claim.collection.update_one(
            {"_id": claim.document_id, LEASE_OWNER: claim.owner, OUTBOX: claim.events},
            {"$set": {OUTBOX: [], PENDING: False, LEASE_UNTIL: None, LEASE_OWNER: None}},
        )
        if cleared.modified_count:
            return
        # A state change appended events meanwhile: remove exactly what was sent, they stay for the next round.
        claim.collection.update_one(
            {"_id": claim.document_id, LEASE_OWNER: claim.owner},
            {"$pullAll": {OUTBOX: claim.events}, "$set": {LEASE_UNTIL: None, LEASE_OWNER: None}},
        )
        claim.collection.update_one({"_id": claim.document_id, OUTBOX: {"$size": 0}}, {"$set": {PENDING: False}})

    def _release(self, claim: _Claim) -> None:
        claim.collection.update_one({"_id": claim.document_id, LEASE_OWNER: claim.owner},
                                    {"$set": {LEASE_UNTIL: None, LEASE_OWNER: None}})
