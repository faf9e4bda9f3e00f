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
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import fields as ma_fields
from pymongo.database import Database
from werkzeug.middleware.proxy_fix import ProxyFix

from shared.api import audit, errors, health, observability, swagger_assets
from shared.api.parsing import Blueprint
from shared.api.readiness import ReadinessMonitor
from shared.auth import policy
from shared.auth.tokens import TokenVerifier, verification_keys
from shared.clock import as_utc
from shared.config import Settings, get_settings
from shared.logging import start_context
from shared.storage.mongo import connect

log = logging.getLogger(__name__)

# Endpoints flask-smorest defines itself: the OpenAPI document and the API explorer are public.
LIBRARY_ENDPOINTS = ("api-docs.openapi_json", "api-docs.openapi_swagger_ui", "api-docs.openapi_redoc",
                     "api-docs.openapi_rapidoc")


@dataclass
class ServiceContext:
    service: str
    settings: Settings
    db: Database
    readiness: ReadinessMonitor
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
    behind_proxies(app, settings)
    app.json = JSONProvider(app)
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
    app.extensions["motcua"] = ServiceContext(service, settings, db, ReadinessMonitor(settings, service), {})

    api = errors.ServiceApi(app, spec_kwargs={
        "info": {"description": description},
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (EdDSA)"},
        }},
    })
    api.ma_plugin.converter.add_attribute_function(_dict_keys)
    errors.install(app, api)
    policy.install(app, TokenVerifier(verification_keys(settings), settings))
    observability.install(app, service, settings)  # request metrics and spans, /metrics on METRICS_PORT
    policy.declare_endpoints(app, LIBRARY_ENDPOINTS, policy.PUBLIC)
    app.register_blueprint(swagger_assets.blp)
    policy.declare_endpoints(app, [swagger_assets.ENDPOINT], policy.PUBLIC)

    api.register_blueprint(health.blp)
    api.register_blueprint(audit.blp)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)

    policy.check_complete(app)
    return app


def behind_proxies(app: Flask, settings: Settings) -> None:
    """The client's address (``request.remote_addr``) as the last ``PROXY_HOPS`` proxies saw it: behind the
    ingress, or an API behind the portal, the connection's own address is the proxy's, and everything keyed by
    address (the sign-in throttle, the audit trail) would treat every person as one."""
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops)


def _dict_keys(self, field, **kwargs) -> dict:
    """A map's keys, as its key field checks them (apispec documents only the values): ``propertyNames``."""
    keys = getattr(field, "key_field", None)
    if not isinstance(field, ma_fields.Dict) or keys is None:
        return {}
    checked = {k: v for k, v in self.field2property(keys).items() if k in ("pattern", "minLength", "maxLength")}
    return {"propertyNames": checked} if checked else {}


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


class JSONProvider(DefaultJSONProvider):
    """Answers as JSON: Vietnamese readable (no \\u escapes), keys in the order the schemas give, and every moment
    in ISO 8601 with its offset — nested ones too (Flask's default writes those as RFC 1123)."""

    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return as_utc(value).isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return DefaultJSONProvider.default(value)


def service_context() -> ServiceContext:
    return current_app.extensions["motcua"]
