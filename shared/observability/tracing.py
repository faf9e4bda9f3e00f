"""OpenTelemetry traces across the whole path of a dossier: HTTP request → outbox → Kafka → consumer → next
write, so one trace crosses services.

How the context travels:

1. an API request runs in a SERVER span (continuing a ``traceparent`` sent by the caller, e.g. the portal);
2. an event written in that span keeps the span's W3C context next to it in the outbox
   (``trace_context`` in the stored event, :func:`outbox_fields`) — the write and its trace are one document;
3. the relay publishes each event in a PRODUCER span, child of that context, and sends the producer span's
   context in the record's ``traceparent`` header (:func:`publish_span`);
4. a consumer handles the record in a CONSUMER span, child of the header's context (:func:`consumer_span`); the
   events its handler writes keep that context in turn (step 2), and the retry and dead-letter topics carry
   the header along.

Off unless ``TRACING_OTLP_ENDPOINT`` names an OTLP/HTTP collector: then nothing is recorded, no context is
stored, and the calls below cost a function call each. Spans are exported in batches by a background thread,
which each process (each gunicorn worker) starts for itself after the fork.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import NoOpTracer, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.logging import log_context

log = logging.getLogger(__name__)

TRACE_FIELD = "trace_context"   # beside each event stored in an outbox
PROPAGATOR = TraceContextTextMapPropagator()

_state: dict[str, Any] = {"tracer": NoOpTracer(), "provider": None, "key": None}


def enabled() -> bool:
    return _state["provider"] is not None


def configure(settings, service: str, process: str, exporter=None) -> bool:
    """Sets this process's tracer: OTLP/HTTP to ``TRACING_OTLP_ENDPOINT`` (or ``exporter``, for tests).
    Idempotent for the same target; returns whether tracing is on."""
    endpoint = settings.tracing_otlp_endpoint
    if exporter is None and not endpoint:
        return enabled()
    key = (service, process, endpoint, id(exporter))
    if _state["key"] == key:
        return True
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    shutdown()
    resource = Resource.create({"service.name": f"motcua-{service}", "service.namespace": "motcua",
                                "motcua.process": process})
    provider = TracerProvider(resource=resource,
                              sampler=ParentBased(TraceIdRatioBased(settings.tracing_sample_ratio)))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(
            OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces", timeout=10)))
        log.info("tracing to %s (sample ratio %s)", endpoint, settings.tracing_sample_ratio)
    _state.update(tracer=provider.get_tracer("motcua"), provider=provider, key=key)
    return True


def shutdown() -> None:
    """Flushes and stops the exporter (end of a process, or a test changing the target)."""
    provider = _state["provider"]
    _state.update(tracer=NoOpTracer(), provider=None, key=None)
    if provider is not None:
        provider.shutdown()


def tracer():
    return _state["tracer"]


def current_trace_id() -> str | None:
    return _trace_id(trace.get_current_span())


def _trace_id(one) -> str | None:
    span_context = one.get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


# -- HTTP -------------------------------------------------------------------------------------------------------------

def outbox_fields() -> dict[str, Any]:
    """What to store beside an event written now: the current span's context, if a span is recording."""
    if not enabled():
        return {}
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return {TRACE_FIELD: carrier} if carrier else {}


@contextlib.contextmanager
def publish_span(stored_event: Mapping[str, Any], topic: str) -> Iterator[list[tuple[str, bytes]]]:
    """A PRODUCER span for publishing one stored event, child of the context stored with it; yields the
    record headers that carry the span's context to the consumers."""
    if not enabled():
        yield []
        return
    parent = PROPAGATOR.extract(stored_event.get(TRACE_FIELD) or {})
    with tracer().start_as_current_span(
            f"publish {stored_event['type']}", context=parent, kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": topic,
                        "messaging.message.id": stored_event["event_id"],
                        "motcua.dossier_id": stored_event.get("dossier_id") or ""}):
        carrier: dict[str, str] = {}
        PROPAGATOR.inject(carrier)
        yield [(key, value.encode()) for key, value in carrier.items()]


@contextlib.contextmanager
def consumer_span(headers: Mapping[str, str], *, group: str, topic: str, event_type: str, event_id: str,
                  dossier_id: str | None) -> Iterator[None]:
    """A CONSUMER span for handling one record, child of the context in its ``traceparent`` header. The trace
    id joins the log context, so the handler's log lines name it."""
    if not enabled():
        yield
        return
    parent = PROPAGATOR.extract(dict(headers))
    with tracer().start_as_current_span(
            f"consume {event_type}", context=parent, kind=SpanKind.CONSUMER,
            attributes=_consumed(group, topic, event_id, dossier_id)), log_context(trace_id=current_trace_id()):
        yield


@contextlib.contextmanager
def consumer_spans(records: Sequence[tuple[Mapping[str, str], str, Any]], *,
                   group: str) -> Iterator[list[str | None]]:
    """CONSUMER spans for records handled together (a consumer's batch mode): one per record — ``(headers,
    topic, event)`` — child of the context in its header, all open while the batch runs. None of them is
    current (a batch serves many traces), so what the batch writes starts traces of its own. Yields each
    record's trace id (None when tracing is off), for its log line."""
    if not enabled():
        yield [None] * len(records)
        return
    spans = [tracer().start_span(f"consume {event.type}", context=PROPAGATOR.extract(dict(headers)),
                                 kind=SpanKind.CONSUMER,
                                 attributes=_consumed(group, topic, event.event_id, event.dossier_id))
             for headers, topic, event in records]
    try:
        yield [_trace_id(one) for one in spans]
    except BaseException as exc:
        for one in spans:
            one.record_exception(exc)
            one.set_status(Status(StatusCode.ERROR))
        raise
    finally:
        for one in spans:
            one.end()


def _consumed(group: str, topic: str, event_id: str, dossier_id: str | None) -> dict[str, str]:
    return {"messaging.system": "kafka", "messaging.source.name": topic, "messaging.consumer.group.name": group,
            "messaging.message.id": event_id, "motcua.dossier_id": dossier_id or ""}


@contextlib.contextmanager
def span(name: str, **attributes: Any) -> Iterator[None]:
    """An INTERNAL span (a background loop's round, a write worth seeing in a trace)."""
    if not enabled():
        yield
        return
    with tracer().start_as_current_span(name, attributes=attributes):
        yield
