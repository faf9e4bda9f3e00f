"""The consumer runner: at-least-once delivery made exactly-once in effect.

For each record, in partition order:

1. decode the envelope and load the payload with its schema — a record that is not a valid event of a known
   type and version can never succeed, so it goes straight to ``<topic>.dlq``;
2. skip it if this consumer group already processed its ``event_id`` (``processed_events``);
3. run the handler; a transient failure is retried in place (``CONSUMER_LOCAL_ATTEMPTS``), then the record is
   sent to ``<topic>.retry`` for a later pass (``CONSUMER_RETRY_DELAY_SECONDS``, doubling), and after
   ``CONSUMER_MAX_RETRIES`` passes to ``<topic>.dlq`` with headers saying why; a :class:`PermanentError`
   goes to the DLQ at once;
4. record the ``event_id`` as processed;
5. commit the offsets of the batch — only after every record in it was handled or durably parked.

When the broker or the database is away, the loop does not die: the records not handled are rewound, it backs
off and tries again, re-joining the group after repeated failures; a commit refused after a rebalance is
dropped (the partitions' new owner gets those records again and skips them at step 2).

A runner given a ``batch`` handler applies what one poll brought in one call instead (a consumer that must keep up
with hundreds of events a second: the sync service's mirror of the National Portal, the workflow's filings):
steps 1 and 2 for the whole poll (one query), the batch handler once with the fresh events in partition order (each
in a CONSUMER span of its own trace), then every event id recorded in one write. The batch handler must be
idempotent like any handler; if it fails, the poll is handled again one record at a time by the per-type
handlers, with the retries and the DLQ above. ``batch_types`` limits it to some event types (whole topics, so
that each partition's order holds): the poll's other records are then handled one by one after the batch.

A crash anywhere before 5 redelivers the batch; step 2 makes that cheap. A crash between 3 and 4 runs the
handler again, so handlers must be idempotent on their own too: write with natural keys (``_id`` derived
from the dossier or the event) and upserts, never blind inserts or increments.

Each runner has two loops, in two threads: the main loop on the subscribed topics and the retry loop on their
``.retry`` companions (consumer group ``<group>.retry``), which waits until a record's ``x-not-before``.
SIGTERM stops both after the record in hand; what was not committed is redelivered on restart.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from shared.bus.kafka import close_producer, make_consumer, make_producer
from shared.clock import utc_now
from shared.events import Event, InvalidEvent, Topic, event_type
from shared.events.topics import TopicNames, topic_names
from shared.logging import log_context
from shared.observability import metrics, tracing
from shared.storage.mongo import insert_new

log = logging.getLogger(__name__)

Handler = Callable[[Event, dict[str, Any]], None]
"""A handler receives the event and its payload loaded by the event type's schema."""

BatchHandler = Callable[[list[tuple[Event, dict[str, Any]]]], None]
"""A batch handler receives the fresh events of one poll with their payloads, in partition order."""

PROCESSED_EVENTS = "processed_events"
PROCESSED_RETENTION = timedelta(days=30)  # longer than Kafka retention, so redelivery is always caught
REJOIN_AFTER_FAILURES = 5  # consecutive broker/database failures before the consumer is replaced



def group_id(settings, group: str) -> str:
    """The Kafka consumer group of a service's consumer (its retry consumer adds ``.retry``)."""
    return f"{settings.kafka_topic_prefix}{group}"

class PermanentError(Exception):
    """Raised by a handler when retrying cannot help (the event contradicts the service's state)."""


@dataclass(frozen=True)
class _Failure:
    error: Exception
    trace: str


@dataclass(frozen=True)
class Subscription:
    topic: Topic
    handlers: Mapping[str, Handler]  # event type -> handler; other event types on the topic are skipped


class Headers:
    GROUP = "x-group"
    ATTEMPT = "x-attempt"
    NOT_BEFORE = "x-not-before"
    REASON = "x-reason"
    ERROR = "x-error"
    ERROR_CLASS = "x-error-class"
    ORIGINAL_TOPIC = "x-original-topic"
    ORIGINAL_PARTITION = "x-original-partition"
    ORIGINAL_OFFSET = "x-original-offset"
    FIRST_FAILURE_AT = "x-first-failure-at"
    FAILED_AT = "x-failed-at"
    TRACE = "x-trace"
    REPLAYED_AT = "x-replayed-at"

    ALL_X = (GROUP, ATTEMPT, NOT_BEFORE, REASON, ERROR, ERROR_CLASS, ORIGINAL_TOPIC, ORIGINAL_PARTITION,
             ORIGINAL_OFFSET, FIRST_FAILURE_AT, FAILED_AT, TRACE, REPLAYED_AT)


def decode_headers(record) -> dict[str, str]:
    return {key: value.decode("utf-8", "replace") for key, value in (record.headers or [])}


class ProcessedEvents:
    """Which events a consumer group already applied, by event id (collection ``processed_events``)."""

    def __init__(self, db: Database, group: str) -> None:
        self.collection = db[PROCESSED_EVENTS]
        self.group = group

    def _id(self, event_id: str) -> str:
        return f"{self.group}:{event_id}"

    def contains(self, event_id: str) -> bool:
        return self.collection.find_one({"_id": self._id(event_id)}) is not None

    def seen(self, event_ids: list[str]) -> set[str]:
        """The ids among ``event_ids`` already processed (one query)."""
        found = self.collection.find({"_id": {"$in": [self._id(e) for e in event_ids]}}, {"_id": 1})
        return {doc["_id"].split(":", 1)[1] for doc in found}

    def add(self, event: Event) -> None:
        try:
            self.collection.insert_one(self._record(event, utc_now()))
        except DuplicateKeyError:
            pass

    def add_all(self, events: list[Event]) -> None:
        """Records many at once; those recorded already (a redelivery) are left as they are."""
        now = utc_now()
        insert_new(self.collection, [self._record(e, now) for e in events])

    def _record(self, event: Event, now) -> dict[str, Any]:
        return {"_id": self._id(event.event_id), "group": self.group, "type": event.type,
                "dossier_id": event.dossier_id, "processed_at": now}

    def purge(self) -> int:
        # No TTL indexes on FerretDB; purged periodically by the runner instead.
        return self.collection.delete_many({"processed_at": {"$lt": utc_now() - PROCESSED_RETENTION}}).deleted_count


class ConsumerRunner:
    def __init__(
        self,
        *,
        group: str,
        subscriptions: list[Subscription],
        db: Database,
        settings,
        batch: BatchHandler | None = None,
        batch_types: Collection[str] | None = None,
        max_poll_records: int = 100,
    ) -> None:
        self.settings = settings
        self.batch = batch
        self.batch_types = None if batch_types is None else frozenset(batch_types)  # None: every type
        self.max_poll_records = max_poll_records
        self.topics: TopicNames = topic_names(settings)
        self.group = group
        self.group_id = group_id(settings, group)
        self.handlers: dict[str, Mapping[str, Handler]] = {
            self.topics.main(s.topic): s.handlers for s in subscriptions
        }
        self.processed = ProcessedEvents(db, group)
        self._producer = None
        self._producer_lock = threading.Lock()

    @property
    def producer(self):
        with self._producer_lock:
            if self._producer is None:
                self._producer = make_producer(self.settings, client_id=f"{self.group_id}-parking")
            return self._producer

    # -- loops ------------------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Runs the main and retry loops until ``stop`` is set (or one loop dies, which stops the other)."""
        threads = [
            threading.Thread(target=self._guarded, args=(self.run_main, stop), name="main", daemon=True),
            threading.Thread(target=self._guarded, args=(self.run_retry, stop), name="retry", daemon=True),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self._producer is not None:
            close_producer(self._producer)

    def _guarded(self, loop: Callable[[threading.Event], None], stop: threading.Event) -> None:
        try:
            loop(stop)
        except Exception:
            log.exception("consumer loop crashed; stopping the process so it restarts clean")
            stop.set()
            raise

    def run_main(self, stop: threading.Event) -> None:
        self._loop(stop, list(self.handlers), self.group_id, from_retry=False)

    def run_retry(self, stop: threading.Event) -> None:
        retry_topics = [name + ".retry" for name in self.handlers]
        self._loop(stop, retry_topics, self.group_id + ".retry", from_retry=True)

    def _loop(self, stop: threading.Event, topics: list[str], group_id: str, *, from_retry: bool) -> None:
        """Polls, handles and commits until ``stop``. An outage of the broker or the database never ends the
        loop: what could not be handled is rewound and comes again after a backoff, offsets that could not be
        committed are committed with the next batch (or redelivered and skipped as duplicates), and a consumer
        that keeps failing is closed and the group joined afresh."""
        consumer = self._consumer(group_id, topics, from_retry=from_retry)
        next_purge = time.monotonic() + 60
        lag = metrics.LagWatch(group_id)
        pending: dict[Any, OffsetAndMetadata] = {}  # handled but not yet committed
        failures = 0
        try:
            while not stop.is_set():
                try:
                    batch = consumer.poll(timeout_ms=500)
                    lag.observe(consumer)
                    pending.update(self._handle_batch(consumer, batch, stop, from_retry=from_retry))
                    if pending:
                        self._commit(consumer, pending)
                    failures = 0
                except (KafkaError, PyMongoError) as exc:
                    failures += 1
                    backoff = min(0.5 * 2 ** failures, 30.0)
                    log.warning("%s: %s (%d in a row); trying again in %.1fs", group_id, exc.__class__.__name__,
                                failures, backoff, exc_info=failures == 1)
                    stop.wait(backoff)
                    if failures % REJOIN_AFTER_FAILURES == 0:
                        log.warning("%s: joining the group afresh after %d failures", group_id, failures)
                        pending.clear()  # not committed: redelivered to whoever owns the partitions, skipped
                        consumer.close(autocommit=False)
                        consumer = self._consumer(group_id, topics, from_retry=from_retry)
                    continue
                if not from_retry and time.monotonic() > next_purge:
                    next_purge = time.monotonic() + 3600
                    self.processed.purge()
        finally:
            consumer.close(autocommit=False)
            log.info("stopped consuming %s", ", ".join(topics))

    def _consumer(self, group_id: str, topics: list[str], *, from_retry: bool):
        consumer = make_consumer(self.settings, group_id=group_id, topics=topics,
                                 client_id=f"{group_id}-{threading.current_thread().name}",
                                 max_poll_records=100 if from_retry else self.max_poll_records)
        log.info("consuming %s as %s", ", ".join(topics), group_id)
        return consumer

    def _handle_batch(self, consumer, batch: dict, stop: threading.Event, *,
                      from_retry: bool) -> dict[Any, OffsetAndMetadata]:
        """Handles a polled batch in partition order; returns the offsets to commit. If a record cannot be
        handled (the broker or the database is away), every partition is rewound to its first record not
        handled, so nothing is skipped, and the error is raised for the loop to back off."""
        handled: dict[Any, int] = {}
        if self.batch is not None and not from_retry and batch:
            try:
                self.handle_batch([record for records in batch.values() for record in records])
            except (KafkaError, PyMongoError):
                self._rewind(consumer, batch, handled)
                raise
            return {tp: OffsetAndMetadata(records[-1].offset + 1, "", -1) for tp, records in batch.items()}
        try:
            for tp, records in batch.items():
                for record in records:
                    if stop.is_set() or (from_retry and not self._wait_until_due(record, stop)):
                        break
                    self.handle_record(record, from_retry=from_retry)
                    handled[tp] = record.offset + 1
                if stop.is_set():
                    break
        except (KafkaError, PyMongoError):
            self._rewind(consumer, batch, handled)
            raise
        self._rewind(consumer, batch, handled)  # records left when asked to stop: not skipped either
        return {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in handled.items()}

    @staticmethod
    def _rewind(consumer, batch: dict, handled: dict[Any, int]) -> None:
        for tp, records in batch.items():
            first_unhandled = handled.get(tp, records[0].offset)
            if first_unhandled <= records[-1].offset:
                consumer.seek(tp, first_unhandled)

    def _commit(self, consumer, pending: dict[Any, OffsetAndMetadata]) -> None:
        """Commits what was handled. After a rebalance the partitions may be another member's: the commit is
        refused (CommitFailedError), which is no loss — the new owner gets those records again and skips them
        as processed — so the offsets of partitions no longer ours are dropped and the loop goes on."""
        try:
            consumer.commit(dict(pending))
        except CommitFailedError:
            mine = consumer.assignment()
            log.warning("offsets not committed: the group rebalanced (partitions now %s)",
                        ", ".join(f"{tp.topic}/{tp.partition}" for tp in sorted(mine)) or "none")
            for tp in [tp for tp in pending if tp not in mine]:
                del pending[tp]
            return
        pending.clear()

    def _wait_until_due(self, record, stop: threading.Event) -> bool:
        """Sleeps until the retry record's ``x-not-before``; False if asked to stop first (not committed)."""
        headers = decode_headers(record)
        if headers.get(Headers.GROUP) != self.group:
            return True  # another group's retry: handle_record skips it at once
        due = int(headers.get(Headers.NOT_BEFORE, "0")) / 1000
        while (wait := due - time.time()) > 0:
            if stop.wait(min(wait, 0.5)):
                return False
        return True

    # -- one record ------------------------------------------------------------------------------------

    def handle_record(self, record, *, from_retry: bool) -> str:
        """Handles one record; returns the outcome: processed, duplicate, ignored (not for this group or no
        handler for its type), retry or dlq (parked)."""
        started = time.perf_counter()
        headers = decode_headers(record)
        if from_retry and headers.get(Headers.GROUP) != self.group:
            return "ignored"
        source_topic = headers.get(Headers.ORIGINAL_TOPIC, record.topic) if from_retry else record.topic
        try:
            event = Event.from_json(record.value)
        except InvalidEvent as exc:
            outcome = self._park(record, headers, source_topic, exc, dead=True, reason="invalid-event")
            metrics.consumed(self.group, self._logical(source_topic), "invalid", outcome,
                             time.perf_counter() - started)
            return outcome
        handler = self.handlers.get(source_topic, {}).get(event.type)
        if handler is None:
            return "ignored"
        with log_context(event_id=event.event_id, event_type=event.type, dossier_id=event.dossier_id,
                         correlation_id=event.correlation_id), \
                tracing.consumer_span(headers, group=self.group_id, topic=source_topic, event_type=event.type,
                                      event_id=event.event_id, dossier_id=event.dossier_id):
            outcome = self._handle_event(record, headers, source_topic, event, handler)
        metrics.consumed(self.group, self._logical(source_topic), event.type, outcome, time.perf_counter() - started)
        return outcome

    def handle_batch(self, records: list) -> None:
        """Handles one poll with the batch handler (see the module's docstring); a failing batch is handled
        again record by record. Records of types the batch handler does not take are handled one by one after
        it, in the order they came."""
        started = time.perf_counter()
        decoded, singles = [], []
        for record in records:
            try:
                event = Event.from_json(record.value)
            except InvalidEvent as exc:
                headers = decode_headers(record)
                outcome = self._park(record, headers, record.topic, exc, dead=True, reason="invalid-event")
                metrics.consumed(self.group, self._logical(record.topic), "invalid", outcome, 0.0)
                continue
            if self.handlers.get(record.topic, {}).get(event.type) is None:
                continue
            if self.batch_types is None or event.type in self.batch_types:
                decoded.append((record, event))
            else:
                singles.append(record)
        if decoded:
            self._handle_batched(decoded, started)
        for record in singles:
            self.handle_record(record, from_retry=False)

    def _handle_batched(self, decoded: list, started: float) -> None:
        seen = self.processed.seen([event.event_id for _, event in decoded])
        fresh = []
        for record, event in decoded:
            if event.event_id in seen:   # processed before, or twice in this poll
                metrics.consumed(self.group, self._logical(record.topic), event.type, "duplicate", 0.0)
                continue
            seen.add(event.event_id)
            try:
                payload = event_type(event.type).load(event.payload, event.schema_version)
            except InvalidEvent as exc:
                self._park(record, decode_headers(record), record.topic, exc, dead=True, reason="invalid-event")
                continue
            fresh.append((record, event, payload))
        if not fresh:
            return
        try:
            with log_context(batch=len(fresh)), tracing.consumer_spans(
                    [(decode_headers(record), record.topic, event) for record, event, _ in fresh],
                    group=self.group_id) as trace_ids:
                self.batch([(event, payload) for _, event, payload in fresh])
        except Exception as exc:
            log.warning("batch of %d events failed (%r); handling them one by one", len(fresh), exc, exc_info=True)
            for record, _, _ in fresh:
                self.handle_record(record, from_retry=False)
            return
        self.processed.add_all([event for _, event, _ in fresh])
        share = (time.perf_counter() - started) / len(fresh)
        for (record, event, _), trace_id in zip(fresh, trace_ids, strict=True):
            metrics.consumed(self.group, self._logical(record.topic), event.type, "processed", share)
            with log_context(event_id=event.event_id, event_type=event.type, dossier_id=event.dossier_id,
                             correlation_id=event.correlation_id, trace_id=trace_id, batch=len(fresh)):
                log.info("event processed")   # each event's line, as one by one: found by dossier, event, trace
        log.info("batch of %d events processed", len(fresh))

    def _logical(self, topic: str) -> str:
        try:
            return self.topics.logical(topic).value
        except KeyError:
            return topic

    def _handle_event(self, record, headers: dict[str, str], source_topic: str, event: Event,
                      handler: Handler) -> str:
        if self.processed.contains(event.event_id):
            log.info("event already processed; skipped")
            return "duplicate"
        try:
            payload = event_type(event.type).load(event.payload, event.schema_version)
        except InvalidEvent as exc:
            return self._park(record, headers, source_topic, exc, dead=True, reason="invalid-event")
        failure = self._run_handler(handler, event, payload)
        if failure is None:
            self.processed.add(event)
            log.info("event processed")
            return "processed"
        permanent = isinstance(failure.error, PermanentError)
        dead = permanent or int(headers.get(Headers.ATTEMPT, "0")) >= self.settings.consumer_max_retries
        return self._park(record, headers, source_topic, failure.error, dead=dead, trace=failure.trace,
                          reason="permanent-error" if permanent else "handler-failed")

    def _run_handler(self, handler: Handler, event: Event, payload: dict[str, Any]) -> _Failure | None:
        attempts = max(1, self.settings.consumer_local_attempts)
        for attempt in range(1, attempts + 1):
            try:
                handler(event, payload)
                return None
            except PermanentError as exc:
                log.warning("handler refused the event permanently: %s", exc)
                return _Failure(exc, traceback.format_exc(limit=8))
            except Exception as exc:
                if attempt == attempts:
                    log.warning("handler failed %d time(s): %r", attempt, exc, exc_info=True)
                    return _Failure(exc, traceback.format_exc(limit=8))
                time.sleep(min(0.2 * 2 ** (attempt - 1), 2.0))
        raise AssertionError("unreachable")

    def _park(self, record, headers: dict[str, str], source_topic: str, error: Exception, *, dead: bool,
              reason: str, trace: str | None = None) -> str:
        """Sends the record to ``.retry`` or ``.dlq`` and waits for the broker's acknowledgement, so the
        offset may be committed afterwards without losing it. Returns "retry" or "dlq"."""
        attempt = int(headers.get(Headers.ATTEMPT, "0"))
        now_ms = int(time.time() * 1000)
        carried = [(k, v.encode()) for k, v in headers.items() if k not in Headers.ALL_X]
        parked = {
            Headers.GROUP: self.group,
            Headers.ATTEMPT: str(attempt if dead else attempt + 1),
            Headers.REASON: reason,
            Headers.ERROR_CLASS: type(error).__name__,
            Headers.ERROR: str(error)[:1000] or type(error).__name__,
            Headers.ORIGINAL_TOPIC: source_topic,
            Headers.ORIGINAL_PARTITION: headers.get(Headers.ORIGINAL_PARTITION, str(record.partition)),
            Headers.ORIGINAL_OFFSET: headers.get(Headers.ORIGINAL_OFFSET, str(record.offset)),
            Headers.FIRST_FAILURE_AT: headers.get(Headers.FIRST_FAILURE_AT, str(now_ms)),
            Headers.FAILED_AT: str(now_ms),
        }
        if trace:
            parked[Headers.TRACE] = trace[-2000:]
        if dead:
            target = source_topic + ".dlq"
        else:
            delay = self.settings.consumer_retry_delay_seconds * 2**attempt
            parked[Headers.NOT_BEFORE] = str(now_ms + int(delay * 1000))
            target = source_topic + ".retry"
        future = self.producer.send(target, key=record.key, value=record.value,
                                    headers=carried + [(k, v.encode()) for k, v in parked.items()])
        try:
            future.get(timeout=30)
        except KafkaError:
            # Not parked: do not let the offset be committed past this record.
            log.exception("could not park the record on %s", target)
            raise
        log.warning("event sent to %s (%s, attempt %s): %s", target, reason, parked[Headers.ATTEMPT], error)
        kind = "dlq" if dead else "retry"
        metrics.parked(self.group, self._logical(source_topic), kind, reason)
        return kind
