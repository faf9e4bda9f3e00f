"""Every endpoint of every service declares its auth policy; policies decide as documented."""

from __future__ import annotations

import time

import pytest
from flask.views import MethodView
from flask_smorest import Blueprint

from services.intake.app import create_app as intake_app
from services.notify.app import create_app as notify_app
from services.postal.app import create_app as postal_app
from services.workflow.app import create_app as workflow_app
from shared.api.app import create_service_app
from shared.auth.policy import PUBLIC, endpoints_without_policy, sign, verify_signature


@pytest.mark.parametrize("factory", [intake_app, workflow_app, notify_app, postal_app],
                         ids=["intake", "workflow", "notify", "postal"])
def test_every_endpoint_of_every_service_declares_an_auth_policy(factory, settings):
    app = factory(settings)
    rules = list(app.url_map.iter_rules())
    assert len(rules) >= 4  # health, readiness, OpenAPI and the service's own
    assert endpoints_without_policy(app) == []
    spec = app.test_client().get("/openapi.json").json
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            assert operation.get("x-motcua-policy"), f"{method.upper()} {path} documents no policy"


def test_an_app_with_an_undeclared_endpoint_refuses_to_start(settings):
    blp = Blueprint("careless", __name__)

    @blp.route("/careless")
    class Careless(MethodView):
        def get(self):
            return {}

    with pytest.raises(RuntimeError, match="GET /careless"):
        create_service_app(service="workflow", title="t", description="d", blueprints=[blp], settings=settings)


def test_a_public_endpoint_still_refuses_a_broken_token(settings):
    client = workflow_app(settings).test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz", headers={"Authorization": "Bearer x.y.z"}).status_code == 401
    assert client.get("/healthz", headers={"Authorization": "Basic abc"}).status_code == 401
    assert PUBLIC.allows(None, {})


def test_webhook_signatures_bind_secret_body_and_time():
    body = b'{"tracking_code": "EB123456789VN", "status": "delivered"}'
    header = sign(body, "bi-mat")
    assert verify_signature(header, body, "bi-mat")
    assert not verify_signature(header, body.replace(b"delivered", b"returned"), "bi-mat")
    assert not verify_signature(header, body, "another-secret")
    assert not verify_signature(sign(body, "bi-mat", int(time.time()) - 301), body, "bi-mat")
    assert not verify_signature("garbage", body, "bi-mat")
    assert not verify_signature(header, body, "")
    assert verify_signature(header, body, "bi-mat") == header  # the canonical form the replay memory is keyed on
