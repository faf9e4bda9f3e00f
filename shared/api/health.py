"""Liveness and readiness, for Kubernetes probes and for `make run` waiting on each service."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields
from pymongo.errors import PyMongoError

from shared.api.parsing import Blueprint
from shared.auth.policy import PUBLIC, requires
from shared.storage.mongo import ping

blp = Blueprint("health", __name__, description="Liveness and readiness")


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "ok"})
    service = fields.String()


class ReadinessSchema(Schema):
    status = fields.String(metadata={"description": "ready or unavailable"})
    service = fields.String()
    checks = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "ok, or what is wrong, per dependency"})


@blp.route("/healthz")
class Liveness(MethodView):
    @requires(PUBLIC)
    @blp.response(200, HealthSchema)
    def get(self):
        """The process is alive and serving requests."""
        return {"status": "ok", "service": current_app.extensions["motcua"].service}


@blp.route("/readyz")
class Readiness(MethodView):
    @requires(PUBLIC)
    @blp.response(200, ReadinessSchema)
    @blp.alt_response(503, schema=ReadinessSchema, description="A dependency is unreachable")
    def get(self):
        """The service can reach MongoDB and Kafka (and Kafka has the system's topics)."""
        context = current_app.extensions["motcua"]
        checks = {"mongo": "ok", "kafka": "ok"}
        try:
            ping(context.db)
        except PyMongoError as exc:
            checks["mongo"] = f"unreachable: {exc.__class__.__name__}"
        checks["kafka"] = context.kafka_probe.check() or "ok"
        ready = all(value == "ok" for value in checks.values())
        body = {"status": "ready" if ready else "unavailable", "service": context.service, "checks": checks}
        return body, 200 if ready else 503
