"""The one way to run background work: a loop of tasks, each on its interval.

Every scheduler, sender, dispatcher and relay is a :class:`Loop` of :class:`Task` s:

- **interval** — a task runs every ``every`` seconds; one that did work and is ``draining`` runs again at once,
  so a backlog empties at full speed and an idle task costs one query per interval;
- **leader-safe** — tasks whose work must not be repeated on each replica (scans, reconciliation) take a lease
  (:class:`Lease`, a compare-and-set on one document): while another replica holds it they skip their turn, and
  a replica that dies loses it when it expires; tasks that share work by compare-and-set claims (senders, the
  relay) run on every replica;
- **error policy** — a failing round is logged with its traceback and the task backs off (doubling up to
  ``max_backoff``), the others go on; the next success resets it. A database or broker outage therefore never
  kills the process, and the log says once per round what is wrong;
- **measured** — every round is timed and its failures counted (``motcua_loop_*``, :mod:`shared.observability`),
  labelled by service and task;
- **graceful stop** — SIGTERM sets the stop event (:mod:`shared.runtime.signals`): the round in hand finishes,
  ``on_stop`` releases what the loop holds, and the lease is given up.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from shared.clock import utc_now
from shared.observability import metrics

log = logging.getLogger(__name__)

LEASES = "loop_leases"


@dataclass
class Task:
    name: str                         # what it does, for people (logs)
    label: str                        # a short bounded name for metrics: send, sweep, dispatch, alerts, publish…
    run: Callable[[], int | None]     # one round; returns how much it did (0 or None: nothing to do)
    every: float                      # seconds between rounds
    draining: bool = False            # after a round that did work, run again at once
    leader_only: bool = False         # skip the round unless this replica holds the loop's lease
    max_backoff: float = 60.0
    failures: int = field(default=0, init=False)
    due: float = field(default=0.0, init=False)


class Lease:
    """Leadership of one loop among replicas: one document per loop, taken when free or expired and renewed by
    its holder (compare-and-set), so at most one replica holds it at a time."""

    def __init__(self, collection: Collection, name: str, ttl_seconds: float) -> None:
        self.collection = collection
        self.name = name
        self.ttl = timedelta(seconds=ttl_seconds)
        self.holder = f"{name}-{uuid.uuid4().hex[:12]}"

    def hold(self) -> bool:
        """Takes or renews the lease; True while this replica holds it."""
        now = utc_now()
        try:
            result = self.collection.update_one(
                {"_id": self.name, "$or": [{"holder": self.holder}, {"until": {"$lt": now}}]},
                {"$set": {"holder": self.holder, "until": now + self.ttl}}, upsert=True)
        except DuplicateKeyError:
            return False  # held by another replica: the upsert of our filter collided with its document
        return bool(result.matched_count or result.upserted_id)

    def release(self) -> None:
        self.collection.update_one({"_id": self.name, "holder": self.holder}, {"$set": {"until": utc_now()}})


class Loop:
    def __init__(self, name: str, tasks: list[Task], *, service: str, lease: Lease | None = None,
                 on_stop: Callable[[], None] | None = None) -> None:
        if any(task.leader_only for task in tasks) and lease is None:
            raise ValueError(f"loop {name}: leader-only tasks need a lease")
        self.name = name
        self.service = service
        self.tasks = tasks
        self.lease = lease
        self.on_stop = on_stop

    def run(self, stop: threading.Event) -> None:
        log.info("%s started: %s", self.name, ", ".join(
            f"{t.name} every {t.every:g}s" + (" (leader only)" if t.leader_only else "") for t in self.tasks))
        try:
            while not stop.is_set():
                self.run_due(time.monotonic())
                wait = min(t.due for t in self.tasks) - time.monotonic()
                if wait > 0:
                    stop.wait(wait)
        finally:
            self._stop()
            log.info("%s stopped", self.name)

    def run_due(self, now: float) -> None:
        """Runs every task whose time has come (one round each)."""
        leader: bool | None = None
        for task in self.tasks:
            if task.due > now:
                continue
            if task.leader_only:
                if leader is None:
                    leader = self._lead()
                if not leader:
                    task.due = now + task.every
                    continue
            self._round(task, now)

    def _round(self, task: Task, now: float) -> None:
        try:
            with metrics.loop_round(self.service, task.label):
                done = task.run() or 0
        except Exception:
            task.failures += 1
            backoff = min(task.every * 2 ** task.failures, max(task.max_backoff, task.every))
            log.exception("%s: %s failed (%d in a row); next try in %.1fs", self.name, task.name, task.failures,
                          backoff)
            task.due = time.monotonic() + backoff
            return
        if task.failures:
            log.info("%s: %s works again after %d failed round(s)", self.name, task.name, task.failures)
            task.failures = 0
        task.due = now if done and task.draining else time.monotonic() + task.every

    def _lead(self) -> bool:
        try:
            return self.lease.hold()
        except Exception:
            log.exception("%s: cannot check the lease; skipping leader-only work this round", self.name)
            return False

    def _stop(self) -> None:
        if self.on_stop is not None:
            self.on_stop()
        if self.lease is not None:
            try:
                self.lease.release()
            except Exception:
                log.warning("%s: lease not released; it expires by itself", self.name, exc_info=True)
