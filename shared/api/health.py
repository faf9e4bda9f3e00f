"""Liveness and readiness, for Kubernetes probes and for `make run` waiting on each service."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from shared.api.parsing import Blueprint
from shared.api.readiness import UNAVAILABLE
from shared.auth.policy import PUBLIC, requires

blp = Blueprint("health", __name__, description="Liveness and readiness")


class HealthSchema(Schema):
    status = fields.String(metadata={"description": "ok"})
    service = fields.String()


class ReadinessSchema(Schema):
    status = fields.String(metadata={"description": "ready; degraded (Kafka unreachable: writes wait in the "
                                                    "outbox, 200); unavailable (MongoDB unreachable, 503)"})
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
    @blp.alt_response(503, schema=ReadinessSchema, description="MongoDB is unreachable (or the checks hang)")
    def get(self):
        """Whether the service can serve: the last result of the background checks of MongoDB and Kafka (and
        Kafka's topics), answered at once (shared/api/readiness.py)."""
        context = current_app.extensions["motcua"]
        snapshot = context.readiness.snapshot()
        body = {"status": snapshot.status, "service": context.service, "checks": snapshot.checks}
        return body, 503 if snapshot.status == UNAVAILABLE else 200
