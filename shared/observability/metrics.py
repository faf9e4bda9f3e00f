"""Prometheus metrics of every process, declared in one place.

Names start with ``motcua_``. Labels are bounded sets (services, routes as declared — never raw paths —,
methods, statuses, topics, event types, groups, channels); no label ever carries a dossier, a person or a
free text.

Where a metric is counted:

- HTTP — by the app factory's hooks (:mod:`shared.api.observability`): every request of every API, by route and status,
  with its latency;
- outbox — by the relay (:func:`events_published`, :func:`publish_failed`) and, for the backlog, by a
  collector that asks the database when scraped (:class:`OutboxBacklog`);
- consumers — by the consumer runner (:func:`consumed`, :func:`parked`, :func:`observe_lag`);
- background loops — by :func:`loop_round` around each round;
- business — dossiers received by channel and late dossiers from the events the relays publish (the events
  are the facts: counted once per publication, so a relay crash between publishing and clearing, which
  publishes again, counts again, as the consumers see it twice), notifications by channel and final state
  where the notify service settles them (:func:`notification_settled`).

Multiprocess mode (the APIs): gunicorn's workers each write their values to files in
``PROMETHEUS_MULTIPROC_DIR``, a fresh directory made by the launcher for every start
(:func:`fresh_multiprocess_dir`); ``/metrics`` adds them up, and a worker that exits is marked dead
(``child_exit`` in ``shared/gunicorn_conf.py``) so its live gauges disappear while its counters still count.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_ENDPOINT = "motcua_metrics"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LOOP_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

# -- HTTP (every API) --------------------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "motcua_http_requests", "HTTP requests answered, by route template and status",
    ["service", "method", "route", "status"])
HTTP_DURATION = Histogram(
    "motcua_http_request_duration_seconds", "Time to answer an HTTP request, by route template",
    ["service", "method", "route"], buckets=LATENCY_BUCKETS)

# -- outbox relay ----------------------------------------------------------------------------------------------

EVENTS_PUBLISHED = Counter(
    "motcua_outbox_events_published", "Events a relay published to Kafka (acknowledged by every in-sync replica)",
    ["service", "topic", "type"])
PUBLISH_FAILURES = Counter(
    "motcua_outbox_publish_failures", "Outbox documents whose publication failed (they stay pending)",
    ["service"])

# -- consumers -------------------------------------------------------------------------------------------------

CONSUMED = Counter(
    "motcua_consumer_events", "Records a consumer group handled, by outcome "
    "(processed, duplicate, ignored, retry, dlq)", ["group", "topic", "type", "outcome"])
PROCESSING = Histogram(
    "motcua_consumer_processing_seconds", "Time to handle one record (handler, deduplication, parking)",
    ["group", "topic"], buckets=LATENCY_BUCKETS)
PARKED = Counter(
    "motcua_consumer_parked", "Records sent to <topic>.retry or <topic>.dlq, by reason",
    ["group", "topic", "target", "reason"])
LAG = Gauge(
    "motcua_consumer_lag", "Records in a partition not yet consumed by the group (high watermark - position)",
    ["group", "topic", "partition"])

# -- background loops ----------------------------------------------------------------------------------------

LOOP_DURATION = Histogram(
    "motcua_loop_duration_seconds", "Duration of one round of a background loop (scheduler, sender, dispatcher)",
    ["service", "loop"], buckets=LOOP_BUCKETS)
LOOP_FAILURES = Counter(
    "motcua_loop_failures", "Rounds of a background loop that ended with an error", ["service", "loop"])

# -- business --------------------------------------------------------------------------------------------------

DOSSIERS_RECEIVED = Counter(
    "motcua_dossiers_received", "Dossiers received, by channel (online, counter, post)", ["channel"])
DOSSIERS_LATE = Counter(
    "motcua_dossiers_late", "Overdue alerts raised: a dossier's appointment, a step or a consultation passed its "
    "due moment without being done (scope: dossier, step, consultation)", ["scope"])
NOTIFICATIONS_FINAL = Counter(
    "motcua_notifications_final", "Notifications that reached a final state, by channel",
    ["channel", "state"])

PAYMENT_ANSWERS = Counter(
    "motcua_payment_answers", "What the payment gateway said about an order (a notice, a query, the payer's return) "
    "and what came of it: applied, duplicate, stale, refused, forged", ["via", "outcome"])
PAYMENT_ALERTS = Counter(
    "motcua_payment_alerts", "Payment notices a person must look at: a forged notice, an amount that is not the "
    "order's, a charge paid twice", ["kind"])
SYNC_PUSHES = Counter(
    "motcua_sync_pushes", "Dossiers pushed to the National Public Service Portal, by call (create, steps, status) "
    "and outcome (ok, stale, error, failed)", ["call", "outcome"])
SYNC_BEHIND = Gauge(
    "motcua_sync_dossiers_behind", "Dossiers whose latest state the National Public Service Portal does not hold yet",
    ["service"])

# Label values known in advance, so every series exists (at zero) from the start: a rate over a series that
# appears only with its first increment misses that increment.
CHANNELS = ("online", "counter", "post")
NOTIFY_CHANNELS = ("email", "sms", "in_app")
FINAL_STATES = ("delivered", "permanent-failure", "technical-failure")


def precreate() -> None:
    for channel in CHANNELS:
        DOSSIERS_RECEIVED.labels(channel)
    for scope in ("dossier", "step", "consultation"):
        DOSSIERS_LATE.labels(scope)
    for channel in NOTIFY_CHANNELS:
        for state in FINAL_STATES:
            NOTIFICATIONS_FINAL.labels(channel, state)
    for kind in ("forged_notice", "amount_mismatch", "paid_twice"):
        PAYMENT_ALERTS.labels(kind)


def exposition() -> bytes:
    """The metrics of this process — or, under gunicorn, of every worker of this API added up."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def fresh_multiprocess_dir(name: str, parent: str | None = None) -> str:
    """The directory for an API's worker metric files (``<parent or the temp dir>/motcua-metrics/<name>``),
    emptied at every start: files left by an earlier run would be added to this one's counters."""
    path = os.path.join(parent or tempfile.gettempdir(), "motcua-metrics", name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def gunicorn_child_exit(server, worker) -> None:
    """gunicorn ``child_exit`` hook: the worker's live gauges go with it; its counters keep counting."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)


# -- background processes -------------------------------------------------------------------------------------

_served: dict[str, Any] = {}


def serve(settings, service: str, process: str) -> int | None:
    """Starts this background process's ``/metrics`` server on ``METRICS_PORT`` (a daemon thread). A port that
    cannot be bound is logged, not fatal: the process's work matters more than its metrics."""
    precreate()
    if not settings.metrics_port or "server" in _served:
        return None
    try:
        server, _thread = start_http_server(settings.metrics_port, addr=settings.bind_host)
    except OSError as exc:
        log.error("metrics: cannot listen on %s:%s (%s); this %s runs without /metrics", settings.bind_host,
                  settings.metrics_port, exc, process)
        return None
    _served["server"] = server
    log.info("metrics of %s %s on http://%s:%s/metrics", service, process, settings.bind_host,
             settings.metrics_port)
    return settings.metrics_port


# -- outbox ---------------------------------------------------------------------------------------------------------

def events_published(stored_events: Iterable[dict[str, Any]]) -> None:
    """After the broker acknowledged a document's events: the publish counter and the business counters that
    events are the facts of."""
    from shared.events import event_type

    for event in stored_events:
        kind = event["type"]
        EVENTS_PUBLISHED.labels(event.get("producer") or "", event_type(kind).topic.value, kind).inc()
        payload = event.get("payload") or {}
        if kind == "dossier.submitted" and payload.get("channel"):
            DOSSIERS_RECEIVED.labels(payload["channel"]).inc()
        elif kind == "dossier.overdue":
            DOSSIERS_LATE.labels(payload.get("scope") or "dossier").inc()


def publish_failed(service: str) -> None:
    PUBLISH_FAILURES.labels(service).inc()


class OutboxBacklog(Collector):
    """Pending outbox documents and the age of the oldest pending event, per collection, read from the
    database when Prometheus scrapes (so they are right even while the relay is stuck). At most
    ``limit`` documents are read; beyond that the count comes from ``count_documents`` and the age is that of
    the oldest among the documents read."""

    def __init__(self, db, collections: Iterable[str], service: str, *, pending_field: str, outbox_field: str,
                 limit: int = 1000, now=None) -> None:
        from shared.clock import utc_now

        self.pending_field, self.outbox_field = pending_field, outbox_field
        self.db = db
        self.collections = list(collections)
        self.service = service
        self.limit = limit
        self.now = now or utc_now

    def collect(self):
        from pymongo.errors import PyMongoError

        from shared.clock import as_utc

        pending = GaugeMetricFamily("motcua_outbox_pending_documents",
                                    "Documents whose outbox still holds events to publish",
                                    labels=["service", "collection"])
        oldest = GaugeMetricFamily("motcua_outbox_oldest_pending_age_seconds",
                                   "Age of the oldest event waiting in an outbox (0 when none)",
                                   labels=["service", "collection"])
        for name in self.collections:
            try:
                pending_docs = {self.pending_field: True}
                docs = list(self.db[name].find(pending_docs, {self.outbox_field: 1}).limit(self.limit)
                            .max_time_ms(5000))
                count = len(docs) if len(docs) < self.limit else self.db[name].count_documents(pending_docs)
            except PyMongoError as exc:
                log.warning("metrics: cannot read the outbox backlog of %s: %s", name, exc)
                continue
            moments = [as_utc(e["occurred_at"]) for d in docs for e in d.get(self.outbox_field) or []
                       if e.get("occurred_at")]
            age = (self.now() - min(moments)).total_seconds() if moments else 0.0
            pending.add_metric([self.service, name], count)
            oldest.add_metric([self.service, name], max(age, 0.0))
        yield pending
        yield oldest


def watch_outbox(db, collections: Iterable[str], service: str, *, pending_field: str,
                 outbox_field: str) -> OutboxBacklog:
    collector = OutboxBacklog(db, collections, service, pending_field=pending_field, outbox_field=outbox_field)
    REGISTRY.register(collector)
    return collector


# -- consumers ------------------------------------------------------------------------------------------------------

def consumed(group: str, topic: str, event_type: str, outcome: str, seconds: float) -> None:
    CONSUMED.labels(group, topic, event_type, outcome).inc()
    PROCESSING.labels(group, topic).observe(seconds)


def parked(group: str, topic: str, target: str, reason: str) -> None:
    PARKED.labels(group, topic, target, reason).inc()


class LagWatch:
    """Consumer lag per partition from what the consumer already knows (the high watermark of its last fetch and
    its position), refreshed at most every ``every`` seconds; no extra request to the brokers."""

    def __init__(self, group_id: str, every: float = 5.0) -> None:
        self.group_id = group_id
        self.every = every
        self._next = 0.0

    def observe(self, consumer) -> None:
        if time.monotonic() < self._next:
            return
        self._next = time.monotonic() + self.every
        try:
            for tp in consumer.assignment():
                high = consumer.highwater(tp)
                if high is None:
                    continue
                position = consumer.position(tp, timeout_ms=1000)
                if position is not None:
                    LAG.labels(self.group_id, tp.topic, str(tp.partition)).set(max(high - position, 0))
        except Exception:  # a metric must never stop a consumer
            log.debug("metrics: consumer lag not read", exc_info=True)


# -- background loops --------------------------------------------------------------------------------------------

@contextlib.contextmanager
def loop_round(service: str, loop: str) -> Iterator[None]:
    """Times one round of a background loop; a round that raises is counted as failed (and re-raised)."""
    started = time.perf_counter()
    try:
        yield
    except Exception:
        LOOP_FAILURES.labels(service, loop).inc()
        raise
    finally:
        LOOP_DURATION.labels(service, loop).observe(time.perf_counter() - started)


# -- notifications ---------------------------------------------------------------------------------------------------

def notification_settled(channel: str, status: str) -> None:
    """A notification's status was written; counted when it is a final one."""
    if status in FINAL_STATES:
        NOTIFICATIONS_FINAL.labels(channel, status).inc()


# -- payments and the national portal ---------------------------------------------------------------------------------

def payment_answer(via: str, outcome: str) -> None:
    PAYMENT_ANSWERS.labels(via, outcome).inc()


def payment_alert(kind: str) -> None:
    PAYMENT_ALERTS.labels(kind).inc()


def sync_pushed(call: str, outcome: str, count: int = 1) -> None:
    if count:
        SYNC_PUSHES.labels(call, outcome).inc(count)


def sync_behind(count: int) -> None:
    SYNC_BEHIND.labels("sync").set(count)
