"""Readiness that cannot take the API down.

A probe must be cheap, bounded and truthful, and a dependency's outage must not become the API's:

- **never on a request thread** — the dependencies are checked by one background loop per process (the loop
  runner, :mod:`shared.runtime.loops`) every ``readiness_interval_seconds``; ``GET /readyz`` only reads the last
  result, so a thousand probes against a dead broker cost nothing and tie up no gunicorn thread;
- **bounded** — the MongoDB check has its own client with timeouts of about a second, the Kafka check its own
  consumer with short timeouts; a check that hangs anyway makes the result *stale*, and a stale result is
  reported as unavailable (the probe says it does not know, rather than repeating old good news);
- **what ready means** — MongoDB is needed for every request, so without it the API is ``unavailable`` (503) and
  Kubernetes stops sending it traffic. Kafka is not: every write goes to MongoDB with its events in the outbox
  and the relay publishes them when the broker is back, so without Kafka the API is ``degraded`` and still 200
  (filing keeps answering 201). The body says which dependency is wrong either way;
- **not flapping** — once a dependency answered, one slow answer (a loaded machine, a GC pause) does not take the
  process out of service: it counts as down after ``FAILURES_TO_COUNT`` failed checks in a row (each check shows
  its own answer in the body meanwhile). A dependency never seen up counts as down at once.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from shared.bus.kafka import KafkaProbe
from shared.runtime.loops import Loop, Task

log = logging.getLogger(__name__)

READY, DEGRADED, UNAVAILABLE = "ready", "degraded", "unavailable"
OK = "ok"
FAILURES_TO_COUNT = 2  # failed checks in a row before a dependency that was up counts as down


@dataclass
class Snapshot:
    status: str
    checks: dict[str, str]
    checked_at: float = field(default=0.0)  # time.monotonic() of the round that produced it


class ReadinessMonitor:
    """Checks MongoDB and Kafka in a daemon thread; :meth:`snapshot` answers at once from the last round."""

    def __init__(self, settings, service: str) -> None:
        self.settings = settings
        self.service = service
        self.interval = settings.readiness_interval_seconds
        self.stale_after = max(3 * self.interval, settings.readiness_timeout_seconds * 2 + self.interval)
        self._snapshot = Snapshot(UNAVAILABLE, {"mongo": "not checked yet", "kafka": "not checked yet"})
        self._first_round = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._mongo: MongoClient | None = None
        self._kafka = KafkaProbe(settings, ttl_seconds=0, timeout_seconds=settings.readiness_timeout_seconds)
        self._kafka_thread: threading.Thread | None = None
        self._kafka_answer: str | None = None
        self._failures: dict[str, int | None] = {"mongo": None, "kafka": None}  # None: never seen up

    def snapshot(self) -> Snapshot:
        """The last result; a result older than ``stale_after`` means a check hangs: unavailable. The first
        call starts the monitor (in the gunicorn worker, after the fork) and waits a moment for its first round."""
        self._start()
        self._first_round.wait(self.settings.readiness_timeout_seconds * 2 + 1)
        current = self._snapshot
        age = time.monotonic() - current.checked_at
        if current.checked_at and age > self.stale_after:
            return Snapshot(UNAVAILABLE, {**current.checks, "monitor": f"no answer for {age:.0f}s"},
                            current.checked_at)
        return current

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                loop = Loop("readiness", [Task("check MongoDB and Kafka", "readiness", self._round,
                                               every=self.interval, max_backoff=self.interval)],
                            service=self.service)
                self._thread = threading.Thread(target=loop.run, args=(threading.Event(),),
                                                name=f"{self.service}-readiness", daemon=True)
                self._thread.start()

    def _round(self) -> int:
        checks = {"mongo": self._check_mongo(), "kafka": self._check_kafka()}
        up = {name: self._counts_as_up(name, answer) for name, answer in checks.items()}
        status = UNAVAILABLE if not up["mongo"] else READY if up["kafka"] else DEGRADED
        if status != self._snapshot.status:
            log.log(logging.INFO if status == READY else logging.WARNING, "readiness: %s (%s)", status,
                    ", ".join(f"{k}: {v}" for k, v in checks.items()))
        self._snapshot = Snapshot(status, checks, time.monotonic())
        self._first_round.set()
        return 0

    def _counts_as_up(self, name: str, answer: str) -> bool:
        failures = self._failures[name]
        if answer == OK:
            self._failures[name] = 0
            return True
        if failures is None:
            return False
        self._failures[name] = failures + 1
        return failures + 1 < FAILURES_TO_COUNT

    def _check_kafka(self) -> str:
        """The Kafka probe in its own thread, waited for at most the timeout: kafka-python's metadata request
        does not always honour its timeouts against a dead broker. One probe at a time: while a hung one is
        still out, the answer is that Kafka does not answer."""
        timeout = self.settings.readiness_timeout_seconds
        if self._kafka_thread is None or not self._kafka_thread.is_alive():
            def probe() -> None:
                self._kafka_answer = self._kafka.check() or OK

            self._kafka_answer = None
            self._kafka_thread = threading.Thread(target=probe, name=f"{self.service}-kafka-probe", daemon=True)
            self._kafka_thread.start()
        self._kafka_thread.join(timeout)
        if self._kafka_thread.is_alive() or self._kafka_answer is None:
            return f"no answer within {timeout:g}s"
        return self._kafka_answer

    def _check_mongo(self) -> str:
        timeout_ms = int(self.settings.readiness_timeout_seconds * 1000)
        if self._mongo is None:
            self._mongo = MongoClient(self.settings.mongo_uri, serverSelectionTimeoutMS=timeout_ms,
                                      connectTimeoutMS=timeout_ms, socketTimeoutMS=timeout_ms,
                                      appname=f"motcua-{self.service}-readiness")
        try:
            self._mongo.admin.command("ping")
        except PyMongoError as exc:
            return f"unreachable: {exc.__class__.__name__}"
        return OK
