"""What operators see of an API's requests (the HTTP side of :mod:`shared.observability`): every request
counted and timed by route and status, a SERVER span around it continuing the caller's ``traceparent``, and
``/metrics`` — served only on the metrics listener (``METRICS_PORT``), so the service port, which an ingress may
expose, never shows it."""

from __future__ import annotations

import time

from flask import Flask, Response, abort, g, request
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST

from shared.auth import policy
from shared.logging import log_context
from shared.observability import metrics, tracing


def install(app: Flask, service: str, settings) -> None:
    """Request metrics, server spans and ``/metrics`` for a service's Flask app (called by the app factory)."""
    tracing.configure(settings, service, "api")
    _install_metrics(app, service, settings)
    _install_tracing(app)


def _install_metrics(app: Flask, service: str, settings) -> None:
    @app.after_request
    def _metrics_finish(response):
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        metrics.HTTP_REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
        started = g.get("started")  # set by the app factory's first before_request hook
        if started is not None:
            metrics.HTTP_DURATION.labels(service, request.method, route).observe(time.perf_counter() - started)
        return response

    def metrics_view():
        if not settings.metrics_port or request.environ.get("SERVER_PORT") != str(settings.metrics_port):
            abort(404)
        return Response(metrics.exposition(), mimetype=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", metrics.METRICS_ENDPOINT, metrics_view, methods=["GET"])
    policy.declare_endpoints(app, [metrics.METRICS_ENDPOINT], policy.PUBLIC)
    metrics.precreate()


def _install_tracing(app: Flask) -> None:
    """A SERVER span around every request, continuing the caller's ``traceparent`` if any. It starts right
    after the app factory's first hook (request id, log context), before authentication, so refused requests
    are traced too."""

    def _trace_start():
        if not tracing.enabled():
            return
        parent = tracing.PROPAGATOR.extract(dict(request.headers))
        route = request.url_rule.rule if request.url_rule is not None else request.path
        span = tracing.tracer().start_span(f"{request.method} {route}", context=parent, kind=SpanKind.SERVER,
                                           attributes={"http.request.method": request.method, "http.route": route})
        g.trace_span = span
        g.trace_token = otel_context.attach(trace.set_span_in_context(span, parent))
        trace_id = tracing.current_trace_id()
        if trace_id:
            g.trace_log = log_context(trace_id=trace_id)
            g.trace_log.__enter__()

    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(min(1, len(hooks)), _trace_start)

    @app.after_request
    def _trace_status(response):
        span = g.get("trace_span")
        if span is not None:
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR))
        return response

    @app.teardown_request
    def _trace_end(exc):
        span = g.pop("trace_span", None)
        if span is None:
            return
        if exc is not None:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR))
        span.end()
        logged = g.pop("trace_log", None)
        if logged is not None:
            logged.__exit__(None, None, None)
        otel_context.detach(g.pop("trace_token"))
