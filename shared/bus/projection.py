"""The consumer runner for a *projection*: a read model folding whole batches of events in memory and writing what
changed every few seconds (services/reporting/projection/projector.py), where the per-event runner
(:class:`~shared.bus.consumer.ConsumerRunner`) would write at least twice per event.

It is the consumer runner — the same decoding, the same checks of each payload against its schema, invalid events
parked on ``<topic>.dlq`` with the same headers, the same metrics, the same retry companion loop — with three
differences:

- **batches**: each poll (up to :data:`MAX_POLL_RECORDS` events) is handed to ``projection.fold`` at once;
- **offsets after the write**: they are committed only after the write of everything folded up to them is
  durable, so after a crash the events since the last write are read again (folding is idempotent, and the
  projection keeps its own record of what it applied, so there is no ``processed_events`` bookkeeping);
- **writes behind**: a write is *prepared* (what changed, encoded as it is) and *applied* in a thread of its own
  while the next polls are folded, one write at a time; its offsets are committed when it is done. Folding and
  writing then share the time instead of taking turns (the reporting read model: folding about a quarter of it).
  A write that falls due while the one before is still being applied waits for it, folding on — unless the
  projection is ``full()`` — so a slow store gets fewer, larger writes (a record changed by several events in the
  meantime is written once: group commit);
  A write that fails is found at the next poll or write: the runner then drops everything folded since the last
  durable write and reads again from its offsets. The failure stays with the session, so one found inside the
  rebalance listener (whose exceptions the client only logs) still ends it at the next poll;
- **decoded in a process of its own**: each poll's records are decoded and checked against their schemas in a
  child process while the batches before are folded and written (decoding took two fifths of the consumer's
  time: two cores share the work instead of one interpreter). Up to :data:`DECODE_AHEAD` polls are decoded
  ahead, so the child goes on while a write is prepared; batches are folded in the order polled;
- **at once when caught up**: a poll that finds nothing new writes what was folded without waiting for the
  projection to be ``due``: the flush interval bounds the figures' delay while events keep coming, and a topic
  that went quiet has its figures written at once;
- **one at a time**: a projection has one writer, so the runner consumes only while it holds a lease
  (:class:`~shared.runtime.loops.Lease`); another replica waits, and takes over from the last write if the holder
  dies. The lease is renewed before every write; a runner that lost it drops what it folded and stops writing.

A projection that must start over (a new read model, a rebuild, changed rules) says so from ``start()``: the
runner then reads every partition from the beginning, whatever the group had committed.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Protocol

from kafka import ConsumerRebalanceListener
from kafka.structs import OffsetAndMetadata, TopicPartition
from pymongo.database import Database

from shared.bus.consumer import ConsumerRunner, Subscription, decode_headers
from shared.bus.kafka import make_consumer
from shared.events import Event, InvalidEvent, event_type
from shared.logging import log_context
from shared.observability import metrics
from shared.runtime.loops import LEASES, Lease

log = logging.getLogger(__name__)

MAX_POLL_RECORDS = 2000
DECODE_AHEAD = 3  # polls decoded ahead of the folding
EVERY_TYPE = "*"  # a subscription's handler key for every event type on the topic


def fold(event: Event, payload: dict[str, Any]) -> None:
    """The marker handler of a projection's subscriptions: the events are folded in batches, not one by one."""
    raise AssertionError("a projection folds batches (ProjectionRunner), never one event at a time")


class Projection(Protocol):
    def start(self) -> bool:
        """Prepares to fold (finishing an interrupted write); True when the topics must be read from the start."""

    def fold(self, batch: list[tuple[Event, dict[str, Any]]]) -> None: ...

    def due(self, since_write: float) -> bool:
        """Whether to write now, ``since_write`` seconds after the last write, whether or not anything changed: a
        write that finds nothing changed (``prepare`` answers None) commits the offsets of what was read."""

    def full(self) -> bool:
        """Whether to wait for the write being applied rather than fold on (a write due while another is being
        applied waits for it otherwise, and then takes everything folded meanwhile)."""

    def write(self) -> int:
        """Makes everything folded so far durable, now."""

    def prepare(self) -> Any:
        """Takes what changed since the last write, for :meth:`apply` (None when nothing did)."""

    def apply(self, prepared: Any) -> None:
        """Makes a prepared write durable; runs in the writer thread, while folding goes on."""

    def settle(self) -> None:
        """After the last prepared write is applied, before the next is prepared (on the folding thread)."""

    def reset(self) -> None:
        """Forgets what was folded and not written."""


class LeaseLost(Exception):
    pass


class ProjectionRunner(ConsumerRunner):
    def __init__(self, *, group: str, subscriptions: list[Subscription], db: Database, settings,
                 projection: Projection, lease_seconds: float = 30.0) -> None:
        super().__init__(group=group, subscriptions=subscriptions, db=db, settings=settings)
        self.projection = projection
        self.lease = Lease(db[LEASES], f"{group}-projection", ttl_seconds=lease_seconds)

    # -- the main loop ----------------------------------------------------------------------------------------------

    def run_main(self, stop: threading.Event) -> None:
        failures = 0
        try:
            while not stop.is_set():
                if not self._hold():
                    stop.wait(min(5.0, self.lease.ttl.total_seconds() / 3))
                    continue
                try:
                    self._project(stop)
                    failures = 0
                except Exception:
                    failures += 1
                    wait = min(2.0 ** failures, 60.0)
                    log.exception("projection %s failed (%d in a row): what was not written is read again from "
                                  "the last commit in %.0fs", self.group, failures, wait)
                    self.projection.reset()
                    stop.wait(wait)
        finally:
            self._release()

    def _hold(self) -> bool:
        try:
            return self.lease.hold()
        except Exception:
            log.exception("cannot check the projection's lease")
            return False

    def _release(self) -> None:
        try:
            self.lease.release()
        except Exception:
            log.warning("projection lease not released; it expires by itself", exc_info=True)

    def _project(self, stop: threading.Event) -> None:
        session = _Session(self, replay=self.projection.start())
        try:
            while not stop.is_set():
                session.poll()
            session.write_and_commit(final=True)
        finally:
            session.close()

    def _park_invalid(self, record, reason: str) -> None:
        self._park(record, decode_headers(record), record.topic, InvalidEvent(reason), dead=True,
                   reason="invalid-event")


Decoded = tuple[Event, dict[str, Any]] | str | None  # the event and its payload loaded, why it is invalid, or unwanted


def decode(wanted: dict[str, frozenset[str]], records: list[tuple[str, bytes]]) -> list[Decoded]:
    """Decodes (topic, value) records in the decoding process: the event with its payload loaded (the event's
    ``payload`` is the loaded one too, so it crosses to the folding process once), the reason a record is not a
    valid event, or None for an event of a type the projection does not fold."""
    out: list[Decoded] = []
    for topic, value in records:
        try:
            event = Event.from_json(value)
            types = wanted.get(topic, frozenset())
            if event.type not in types and EVERY_TYPE not in types:
                out.append(None)
                continue
            payload = event_type(event.type).load(event.payload, event.schema_version)
        except InvalidEvent as exc:
            out.append(str(exc))
            continue
        out.append((dataclasses.replace(event, payload=payload), payload))
    return out


def _watch_parent(parent: int) -> None:
    """In the decoding process: ends it once the consumer that started it is gone (killed, it cannot say so)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def subscriptions(wanted: dict[Any, list[str] | None]) -> list[Subscription]:
    """Subscriptions of a projection: per topic, the event types it folds (None: every type on it)."""
    return [Subscription(topic, {name: fold for name in (types or [EVERY_TYPE])}) for topic, types in wanted.items()]


class _Session:
    """One stretch of consuming while the lease is held: the consumer, the offsets folded but not yet committed,
    and when the projection last wrote."""

    def __init__(self, runner: ProjectionRunner, *, replay: bool) -> None:
        self.runner, self.replay = runner, replay
        self.pending: dict[Any, OffsetAndMetadata] = {}
        self.last_write = time.monotonic()
        self.writer = ThreadPoolExecutor(1, thread_name_prefix=f"{runner.group}-write")
        self.behind: tuple[Future, dict[Any, OffsetAndMetadata]] | None = None  # a write being applied
        self.failure: BaseException | None = None  # a write behind that failed: this session folds no more
        self.decoder = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_watch_parent, initargs=(os.getpid(),))
        self.decoder.submit(decode, {}, [])  # started now (it takes a second), not at the first poll
        self.wanted = {topic: frozenset(types) for topic, types in runner.handlers.items()}
        self.decoding: deque[tuple[Future, list[Any]]] = deque()  # polled batches being decoded, oldest first
        self.consumer = make_consumer(runner.settings, group_id=runner.group_id, topics=[],
                                      client_id=f"{runner.group_id}-projection", max_poll_records=MAX_POLL_RECORDS)
        self.lag = metrics.LagWatch(runner.group_id)
        self.consumer.subscribe(list(runner.handlers), listener=_Listener(self))
        log.info("projecting %s as %s%s", ", ".join(runner.handlers), runner.group_id,
                 " from the start of every topic" if replay else "")

    def poll(self) -> None:
        runner = self.runner
        if self.failure is not None:  # raised where it was found, maybe inside the rebalance listener (which logs it)
            raise self.failure
        batch = self.consumer.poll(timeout_ms=0 if self.decoding else 500)  # no waiting while there is work
        if self.replay and self.consumer.assignment():
            self.replay = False  # the first assignment was sought to the beginning (_Listener)
        self.lag.observe(self.consumer)
        records = [record for polled in batch.values() for record in polled]
        if records:
            self.decoding.append((self.decoder.submit(decode, self.wanted, [(r.topic, r.value) for r in records]),
                                  records))
        if self.decoding and (not records or len(self.decoding) > DECODE_AHEAD or self.decoding[0][0].done()):
            self.fold(*self.decoding.popleft())
        if self.behind is not None and self.behind[0].done():
            self.finish_behind()
        caught_up = not (records or self.decoding)  # nothing new: what was folded need not wait any longer
        if self.pending and (caught_up or runner.projection.due(time.monotonic() - self.last_write)) and (
                self.behind is None or runner.projection.full()):
            self.write_behind()

    def fold(self, future: Future, records: list[Any]) -> None:
        """Folds a decoded batch, parking its invalid records; their offsets are then owed a commit."""
        runner = self.runner
        events = []
        for record, decoded in zip(records, future.result(), strict=True):
            if isinstance(decoded, str):
                runner._park_invalid(record, decoded)
            elif decoded is not None:
                events.append(decoded)
        if events:
            started = time.perf_counter()
            with log_context(event_count=len(events)):
                runner.projection.fold(events)
            share = (time.perf_counter() - started) / len(events)
            for event, _ in events:
                topic = runner._logical(runner.topics.main(event_type(event.type).topic))
                metrics.consumed(runner.group, topic, event.type, "processed", share)
        for record in records:
            self.pending[TopicPartition(record.topic, record.partition)] = OffsetAndMetadata(record.offset + 1, "", -1)

    def drain(self) -> None:
        """Folds the batches being decoded (before a write that must cover everything polled)."""
        while self.decoding:
            self.fold(*self.decoding.popleft())

    def write_behind(self) -> None:
        """Hands what was folded to the writer thread (after the write before it is done) and goes on."""
        runner = self.runner
        self.finish_behind()
        self._check_lease()
        prepared = runner.projection.prepare()
        offsets, self.pending = dict(self.pending), {}
        self.last_write = time.monotonic()
        if prepared is None:
            self.consumer.commit(offsets)
            return
        self.behind = (self.writer.submit(runner.projection.apply, prepared), offsets)

    def finish_behind(self) -> None:
        """Waits for the write being applied (raising its failure), then commits the offsets it made durable."""
        if self.behind is None:
            return
        (future, offsets), self.behind = self.behind, None
        self._held(future.result)
        if offsets:
            self.consumer.commit(offsets)
        self.runner.projection.settle()

    def write_and_commit(self, final: bool = False) -> None:
        """Makes everything folded durable before returning (stopping, partitions revoked)."""
        runner = self.runner
        if self.failure is not None:
            raise self.failure
        self.drain()
        self.finish_behind()
        if final and not self.pending:  # nothing read since the last write was prepared: nothing to make durable
            return
        self._check_lease()
        self._held(runner.projection.write)
        if self.pending:
            self.consumer.commit(dict(self.pending))
            self.pending.clear()
        self.last_write = time.monotonic()

    def _held(self, write) -> None:
        """Runs (or waits for) a write; its failure stays with the session: what the write took from the folded
        state is written by no one now, so the session must end and read again from the last commit."""
        try:
            write()
        except BaseException as exc:
            self.failure = exc
            raise

    def _check_lease(self) -> None:
        if not self.runner._hold():
            raise LeaseLost(f"{self.runner.group}: the projection's lease was lost; another replica writes now")

    def close(self) -> None:
        self.writer.shutdown(wait=True)  # a write still being applied finishes (its offsets are read again)
        self.decoder.shutdown(wait=False, cancel_futures=True)
        self.consumer.close(autocommit=False)
        log.info("stopped projecting %s", ", ".join(self.runner.handlers))


class _Listener(ConsumerRebalanceListener):
    def __init__(self, session: _Session) -> None:
        self.session = session

    def on_partitions_revoked(self, revoked):
        if revoked:
            self.session.write_and_commit(final=True)  # before another member may read them

    def on_partitions_assigned(self, assigned):
        if self.session.replay and assigned:
            self.session.consumer.seek_to_beginning(*assigned)
