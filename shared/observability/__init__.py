"""Metrics and traces, in one package: what operators see of every process.

- :mod:`shared.observability.metrics` — Prometheus metrics: every metric's name, labels and meaning is declared
  there, with the small functions the rest of the code calls (``http_*``, ``events_published``,
  ``consumed``, ``parked``, ``loop_round``, ``notification_settled`` …). The APIs serve ``/metrics`` on a
  second gunicorn listener (``METRICS_PORT``), aggregated over the workers (multiprocess mode); the
  background processes serve it from their own small HTTP server on the same port.
- :mod:`shared.observability.tracing` — OpenTelemetry traces across HTTP → outbox → Kafka → consumer → next
  write: the context is kept with each event in the outbox, sent in the Kafka record's ``traceparent`` header
  and picked up by the consumer. Off unless ``TRACING_OTLP_ENDPOINT`` is set.

The HTTP side (request metrics, server spans, ``/metrics`` of the APIs) is :mod:`shared.api.observability`. The
rest of the code reaches this package through a few calls, listed in ``deploy/README.md``
("Observability hooks"), so they can be found and re-applied when the code around them moves.
"""

from __future__ import annotations

from shared.observability import metrics, tracing


def start_background(settings, service: str, process: str) -> None:
    """Tracing and the ``/metrics`` server of a background process (relay, consumer, scheduler)."""
    tracing.configure(settings, service, process)
    metrics.serve(settings, service, process)
