"""The portal over HTTP: security headers, session cookie flags, CSRF on every form, pages declare who may see
them, Vietnamese error pages; and a short run of the portal benchmark so it cannot rot."""

from __future__ import annotations

import dataclasses
import re

import pymongo
import pytest
import requests
from flask import Blueprint

from bench import portal as bench
from services.portal.access import undeclared
from services.portal.app import content_security_policy, create_app

pytestmark = pytest.mark.stack


def test_every_page_declares_who_may_see_it_and_the_app_refuses_otherwise(settings):
    from services.portal import access

    app = create_app(settings)
    assert undeclared(app) == []
    careless = Blueprint("careless", __name__)
    careless.add_url_rule("/careless", "careless", lambda: "x")
    app.register_blueprint(careless)
    with pytest.raises(RuntimeError, match="/careless"):
        access.check_complete(app)


def test_the_apis_hear_the_persons_address_through_the_ingress_and_the_portal(settings):
    """Behind the ingress (PROXY_HOPS=1) the portal sees the person's address, and passes it on to the APIs,
    whose sign-in throttle and audit trail key on it (tests/intake/test_accounts.py: the throttle behind it)."""
    from services.portal import access, api

    app = create_app(dataclasses.replace(settings, proxy_hops=1))
    seen = {}

    @app.get("/dia-chi")
    def address():
        seen["call"] = api.prepare("intake", "POST", "/auth/token", json={}, anonymous=True)
        return "ok"

    access.declare(app, "address", access.PUBLIC)
    answer = app.test_client().get("/dia-chi", headers={"X-Forwarded-For": "198.51.100.23"},
                                   environ_base={"REMOTE_ADDR": "10.0.0.5"})  # the ingress's address
    assert answer.status_code == 200
    assert seen["call"].kwargs["headers"]["X-Forwarded-For"] == "198.51.100.23"


def test_cookie_flags_csp_csrf_and_errors(site, settings):
    portal = site.url("portal")
    browser = bench.client()
    home = browser.get(f"{portal}/dang-nhap", timeout=10)
    csp = content_security_policy(site.settings())
    assert home.headers["Content-Security-Policy"] == csp and "unsafe-inline" not in csp
    assert f"form-action 'self' {site.payment_gateway.url};" in csp  # the pay button's redirect to the gateway
    assert home.headers["X-Frame-Options"] == "DENY" and home.headers["Cache-Control"] == "no-store"
    cookie = home.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie  # the test stack: env=test
    assert re.search(r"<(script|style)>", home.text) is None and " style=" not in home.text

    # a form without its CSRF token is refused, in Vietnamese
    refused = browser.post(f"{portal}/dang-nhap", data={"username": "motcua.h29", "password": "x"}, timeout=10)
    assert refused.status_code == 400 and "Biểu mẫu đã hết hạn" in refused.text
    signed = bench.signed_in(portal)
    assert signed.get(f"{portal}/can-bo/ho-so", timeout=30).status_code == 200
    assert signed.get(f"{portal}/ho-so-cua-toi", timeout=10).status_code == 403  # an officer is no applicant
    assert "Không có quyền truy cập" in signed.get(f"{portal}/quan-tri", timeout=10).text
    token_free = requests.get(f"{portal}/can-bo/ho-so", timeout=10, allow_redirects=False)
    assert token_free.status_code == 302 and token_free.headers["Location"].startswith("/dang-nhap")
    missing = requests.get(f"{portal}/khong-co-trang-nay", timeout=10)
    assert missing.status_code == 404 and "Không tìm thấy trang" in missing.text
    assert requests.get(f"{portal}/danh-gia/khong-phai-ma", timeout=10).status_code == 200  # never 404

    # signing out ends the session on the server: the old cookie no longer works
    old = signed.headers["Cookie"]
    page = signed.get(f"{portal}/can-bo/ho-so", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed.post(f"{portal}/dang-xuat", data={"csrf_token": token}, timeout=10)
    replay = requests.get(f"{portal}/can-bo/ho-so", headers={"Cookie": old}, timeout=10, allow_redirects=False)
    assert replay.status_code == 302

    # the API explorers load Swagger UI from the APIs themselves
    for service in ("intake", "workflow", "notify", "postal"):
        docs = requests.get(f"{site.url(service)}/docs", timeout=10).text
        assert "cdn" not in docs and "/docs/assets/swagger-ui-bundle.js" in docs
        bundle = requests.get(f"{site.url(service)}/docs/assets/swagger-ui-bundle.js", timeout=10)
        assert bundle.status_code == 200 and len(bundle.content) > 100_000


def test_the_portal_benchmark_runs_and_reports(site, capsys):
    client = pymongo.MongoClient(site.mongo.uri, tz_aware=True)
    result = bench.measure(site.url("portal"), client[site.settings().database_name("workflow")],
                           dossiers=30, samples=3, workflow=site.url("workflow"), intake=site.url("intake"))
    bench.report(result)
    out = capsys.readouterr().out
    assert "queue page ms p50 / p95 / p99" in out and "page weight KB" in out
    assert "API queue page ms p50 / p95" in out and "direct API counts ms p50 / p95" in out
    assert result["open"] >= 30 and sum(result["weight"].values()) < 200 * 1024
    assert any(name.endswith(".woff2") for name in result["weight"])


def test_secure_cookie_is_off_only_in_development(settings):
    dev = create_app(dataclasses.replace(settings, env="development"))
    assert dev.session_interface.secure is False
    assert create_app(settings).session_interface.secure is True
