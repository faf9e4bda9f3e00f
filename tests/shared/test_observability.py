"""shared/observability in-process: the consumer runner's counts of retries and dead letters against the real
broker, and the trace context's way through the outbox, the record headers and the consumer span (the one place
an in-memory span exporter stands in for a collector; tests/system/test_observability.py uses a real one)."""

from __future__ import annotations

import uuid

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY

from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic
from shared.observability import tracing
from shared.storage.outbox import outbox_fields
from tests.conftest import database, running
from tests.shared.test_consumer import Recorder, _dlq, _submitted_event
from tests.support.bus import publish
from tests.support.waiting import eventually


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_retries_dead_letters_and_processed_records_are_counted_per_group(mongo_client, fresh_settings):
    db = database(mongo_client, fresh_settings, "workflow")
    group = f"metrics-{uuid.uuid4().hex[:8]}"
    handler = Recorder()
    bad, good = _submitted_event(), _submitted_event()
    handler.failing.add(bad.event_id)
    publish(fresh_settings, bad, good)
    runner = ConsumerRunner(group=group, db=db, settings=fresh_settings,
                            subscriptions=[Subscription(Topic.INTAKE_DOSSIERS, {"dossier.submitted": handler})])
    with running(runner):
        eventually(lambda: _dlq(fresh_settings), timeout=60, what="the event in the DLQ")
        eventually(lambda: sample("motcua_consumer_parked_total", group=group, topic="intake.dossiers",
                                  target="dlq", reason="handler-failed") == 1, what="the DLQ counted")

    topic = "intake.dossiers"
    # CONSUMER_MAX_RETRIES passes through .retry (2 under the tests' FAST settings); more only if Kafka
    # redelivered a record during a rebalance before its offset was committed
    assert sample("motcua_consumer_parked_total", group=group, topic=topic, target="retry",
                  reason="handler-failed") >= 2
    events = {outcome: sample("motcua_consumer_events_total", group=group, topic=topic, type="dossier.submitted",
                              outcome=outcome) for outcome in ("processed", "retry", "dlq")}
    assert events["processed"] == 1 and events["retry"] >= 2 and events["dlq"] >= 1
    assert sample("motcua_consumer_processing_seconds_count", group=group, topic=topic) >= 4


@pytest.fixture
def spans(settings):
    exporter = InMemorySpanExporter()
    tracing.configure(settings, "test", "test", exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.shutdown()


def test_the_trace_context_goes_from_a_write_through_the_record_headers_into_the_consumer_span(spans):
    assert tracing.enabled()
    event = _submitted_event()
    with tracing.span("write"):
        (stored,) = outbox_fields([event])["outbox"]
    assert stored["trace_context"]["traceparent"]

    with tracing.publish_span(stored, "x.intake.dossiers") as headers:
        pass
    carried = {key: value.decode() for key, value in headers}
    with tracing.consumer_span(carried, group="g", topic="x.intake.dossiers", event_type=event.type,
                               event_id=event.event_id, dossier_id=event.dossier_id):
        inner = tracing.current_trace_id()

    write, publish, consume = sorted(spans.get_finished_spans(), key=lambda s: s.start_time)
    assert [s.name for s in (write, publish, consume)] == ["write", f"publish {event.type}",
                                                            f"consume {event.type}"]
    assert len({s.context.trace_id for s in (write, publish, consume)}) == 1
    assert format(write.context.trace_id, "032x") == inner
    assert publish.parent.span_id == write.context.span_id
    assert consume.parent.span_id == publish.context.span_id


def test_without_a_collector_nothing_is_stored_or_sent():
    tracing.shutdown()
    (stored,) = outbox_fields([_submitted_event()])["outbox"]
    assert "trace_context" not in stored
    with tracing.publish_span(stored, "t") as headers:
        assert headers == []
