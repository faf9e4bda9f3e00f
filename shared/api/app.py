"""Assembly of a service's Flask app: the part every service shares.

Each service's ``create_app`` calls :func:`create_service_app` with its blueprints. The factory runs in the
gunicorn worker after fork (``preload_app`` is off), so the MongoDB client made here belongs to the worker.
It does no I/O: indexes are made once per start by the process launcher (:mod:`shared.runtime.processes`), and the
OpenAPI document can be generated without any server.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Blueprint
from pymongo.database import Database

from shared.api import errors, health, observability, swagger_assets
from shared.auth import policy
from shared.auth.tokens import TokenVerifier, verification_keys
from shared.bus.kafka import KafkaProbe
from shared.config import Settings, get_settings
from shared.logging import start_context
from shared.storage.mongo import connect

log = logging.getLogger(__name__)

# Endpoints flask-smorest defines itself: the OpenAPI document and the API explorer are public.
LIBRARY_ENDPOINTS = ("api-docs.openapi_json", "api-docs.openapi_swagger_ui", "api-docs.openapi_redoc",
                     "api-docs.openapi_rapidoc")


class IsoJSONProvider(DefaultJSONProvider):
    """Moments in free-form parts of an answer (a dossier's ``result``, ``payment``, ``consultations``… are
    dictionaries, not schemas) as ISO 8601 with their offset, like every declared moment — not Flask's default
    RFC 822 (``Mon, 05 Oct 2026 02:00:00 GMT``), which no client parses as the other moments."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime | date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


@dataclass
class ServiceContext:
    service: str
    settings: Settings
    db: Database
    kafka_probe: KafkaProbe
    extras: dict[str, Any]


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    blueprints: Iterable[Blueprint],
    settings: Settings | None = None,
) -> Flask:
    settings = settings or get_settings()
    app = Flask(f"motcua.{service}", static_folder=None)
    app.json = IsoJSONProvider(app)
    app.json.ensure_ascii = False  # Vietnamese stays readable in responses
    app.json.sort_keys = False
    _install_request_hooks(app)
    app.config.update(
        API_TITLE=title,
        API_VERSION="1.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=swagger_assets.ASSETS_URL,  # served by the app itself (no CDN)
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
    )

    db = connect(settings, service)  # lazy: no round trip until the first request
    app.extensions["motcua"] = ServiceContext(service, settings, db, KafkaProbe(settings), {})

    api = errors.ServiceApi(app, spec_kwargs={
        "info": {"description": description},
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (EdDSA)"},
        }},
    })
    errors.install(app, api)
    policy.install(app, TokenVerifier(verification_keys(settings), settings))
    observability.install(app, service, settings)  # request metrics and spans, /metrics on METRICS_PORT
    policy.declare_endpoints(app, LIBRARY_ENDPOINTS, policy.PUBLIC)
    app.register_blueprint(swagger_assets.blp)
    policy.declare_endpoints(app, [swagger_assets.ENDPOINT], policy.PUBLIC)

    api.register_blueprint(health.blp)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)

    policy.check_complete(app)
    return app


def _install_request_hooks(app: Flask) -> None:
    @app.before_request
    def _start():
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        g.started = time.perf_counter()
        start_context(request_id=g.request_id)

    @app.after_request
    def _finish(response):
        elapsed_ms = round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1)
        quiet = request.path in ("/healthz", "/readyz") and response.status_code < 400
        log.log(logging.DEBUG if quiet else logging.INFO, "%s %s %s", request.method, request.path,
                response.status_code, extra={"status": response.status_code, "duration_ms": elapsed_ms})
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def service_context() -> ServiceContext:
    return current_app.extensions["motcua"]
