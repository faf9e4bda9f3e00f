"""Hostile and unlucky input against the real services (gunicorn, not a test client): each repro of the
hardening review (issue 12) gets a clear 4xx in the one JSON error shape, never a 500 or an HTML page, and a
refused filing writes nothing — no dossier, no consumed sequence number.

One deployment serves the module; every test files or creates data of its own."""

from __future__ import annotations

import dataclasses
import json
import socket
import uuid
from datetime import timedelta

import pytest
import requests

from shared.auth.policy import sign
from shared.auth.roles import Role
from shared.clock import utc_now, vn_date
from tests.support import factories
from tests.support.waiting import eventually
from tests.system.helpers import SEED_AGENCY, db, sign_up, submit, upload

pytestmark = pytest.mark.stack

HEALTH = "000.00.15.H11"


@pytest.fixture(scope="module")
def system(running_system):
    return running_system


def _json_error(response: requests.Response, status: int) -> dict:
    """The one error shape: JSON with ``code`` and a Vietnamese ``message``."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    body = response.json()
    assert body["code"] == status and body["message"], body
    return body


def _raw(url: str, body: bytes | str, headers: dict | None = None, method: str = "POST") -> requests.Response:
    data = body.encode() if isinstance(body, str) else body
    return requests.request(method, url, data=data, timeout=20,
                            headers={"Content-Type": "application/json", **(headers or {})})


def _officer(system, agency: str, *roles: Role, subject: str | None = None) -> dict[str, str]:
    principal = factories.officer_principal(agency, *roles)
    return factories.bearer(system.settings(), dataclasses.replace(principal, subject=subject or principal.subject))


# -- bodies no parser should choke on ---------------------------------------------------------------------------

DEEP = "[" * 1000 + "]" * 1000
HUGE_INTEGER = '{"username": "a", "password": ' + "9" * 5000 + "}"


def _signed(secret_of):
    return lambda system, body: {"X-Signature": sign(body.encode(), secret_of(system.settings()))}


@pytest.mark.parametrize("service, path, credentials", [
    ("intake", "/auth/token", None),
    ("intake", "/accounts/applicants", None),
    ("intake", "/dossiers", lambda system, body: sign_up(system)),
    ("workflow", "/catalogue/import", lambda system, body: _officer(system, SEED_AGENCY, Role.ADMIN)),
    ("notify", "/sms/receipts", _signed(lambda settings: settings.sms_callback_secret)),
    ("postal", "/provider/webhooks", _signed(lambda settings: settings.postal_webhook_secret)),
], ids=lambda value: value if isinstance(value, str) else None)
def test_json_nested_a_thousand_deep_is_a_400_everywhere(system, service, path, credentials):
    headers = credentials(system, DEEP) if credentials else {}
    assert "lồng nhau" in _json_error(_raw(system.url(service) + path, DEEP, headers), 400)["message"]


def test_huge_integers_and_lone_surrogates_are_refused_before_anything_is_written(system):
    intake = system.url("intake")
    assert "Số quá lớn" in _json_error(_raw(f"{intake}/auth/token", HUGE_INTEGER), 400)["message"]
    surrogate = _raw(f"{intake}/auth/token", '{"username": "a", "password": "\\ud800"}')
    assert "UTF-16" in _json_error(surrogate, 400)["message"]

    auth = sign_up(system)
    first = submit(system, auth)
    body = factories.submission(receiving_agency_code=SEED_AGENCY)
    body = factories.referencing(body, [upload(system, auth, name=a["file_name"]) for a in body["attachments"]])
    raw = json.dumps({**body, "applicant": {**body["applicant"], "full_name": "\ud800"}}, ensure_ascii=True)
    assert "UTF-16" in _json_error(_raw(f"{intake}/dossiers", raw, auth), 400)["message"]
    second = submit(system, auth)
    # the refused filing consumed no sequence number: the codes of the day are consecutive
    assert int(second["code"].rsplit("-", 1)[1]) == int(first["code"].rsplit("-", 1)[1]) + 1


def test_a_body_that_is_not_json_is_told_so(system):
    auth = sign_up(system)
    response = requests.post(f"{system.url('intake')}/dossiers", data="procedure_code=1.001806", headers={
        **auth, "Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert "application/json" in _json_error(response, 415)["message"]


def test_a_body_over_the_limit_gets_the_json_413(system):
    response = _raw(f"{system.url('intake')}/auth/token", b'{"username": "' + b"a" * 2_000_000 + b'"}')
    _json_error(response, 413)


# -- filings that are wrong although well-formed --------------------------------------------------------------

def _filing_errors(system, auth, **changes) -> dict:
    body = factories.submission(receiving_agency_code=SEED_AGENCY, **changes)
    response = requests.post(f"{system.url('intake')}/dossiers", json=body, headers=auth, timeout=10)
    return _json_error(response, 422)["errors"]["json"]


@pytest.mark.parametrize("born, message", [("0001-01-01", "từ 01/01/1900"), ("1899-12-31", "từ 01/01/1900"),
                                            ("9999-12-31", "không được sau ngày hôm nay")])
def test_a_date_of_birth_out_of_a_life_is_refused(system, born, message):
    auth = sign_up(system)
    applicant = {**factories.submission()["applicant"], "date_of_birth": born}
    errors = _filing_errors(system, auth, applicant=applicant)
    assert message in errors["applicant"]["date_of_birth"][0]


def test_tomorrow_is_not_a_date_of_birth_but_today_is(system):
    auth = sign_up(system)
    today = vn_date(utc_now())
    tomorrow = {**factories.submission()["applicant"], "date_of_birth": (today + timedelta(days=1)).isoformat()}
    assert "date_of_birth" in _filing_errors(system, auth, applicant=tomorrow)["applicant"]
    born_today = {**factories.submission()["applicant"], "date_of_birth": today.isoformat()}
    assert submit(system, auth, applicant=born_today)["applicant"]["date_of_birth"] == today.isoformat()


def test_an_online_filing_without_its_required_components_is_refused_and_writes_nothing(system):
    auth = sign_up(system)
    before = db(system, "intake")["dossiers"].count_documents({})
    errors = _filing_errors(system, auth, attachments=[])
    assert errors["attachments"]
    assert db(system, "intake")["dossiers"].count_documents({}) == before


# -- calendar and moments at the edges ------------------------------------------------------------------------

@pytest.mark.parametrize("query, field", [
    ("/calendar/days?from=9999-12-31&to=9999-12-31", "from"),
    ("/calendar/deadline?start=9999-12-31T00:00:00%2B07:00&value=10&unit=working_days", "start"),
    ("/calendar/deadline?start=0001-01-01T00:00:00%2B14:00&value=10&unit=working_days", "start"),
])
def test_dates_outside_the_calendar_are_a_422_naming_the_field(system, query, field):
    body = _json_error(requests.get(system.url("workflow") + query, timeout=10), 422)
    assert "khoảng" in body["errors"]["query"][field][0]


@pytest.mark.parametrize("service, query, field", [
    ("payments", "/agencies/{agency}/reconciliation?date=0001-01-01", "date"),
    ("sync", "/agencies/{agency}/indicators/synchronisation?from=0001-01-01&to=0001-01-01", "from"),
])
def test_days_of_reports_outside_the_calendar_are_a_422_naming_the_field(system, service, query, field):
    """Found by make fuzz: a day in year 1 overflowed when turned into its Hà Nội bounds (500)."""
    manager = _officer(system, SEED_AGENCY, Role.MANAGER)
    url = system.url(service) + query.format(agency=SEED_AGENCY)
    body = _json_error(requests.get(url, headers=manager, timeout=10), 422)
    assert "khoảng" in body["errors"]["query"][field][0]


def test_a_petition_route_answers_options_with_its_own_methods(system):
    """Found by make fuzz: /petitions/attachments also matched /petitions/<code>, so OPTIONS advertised GET."""
    response = requests.options(f"{system.url('feedback')}/petitions/attachments", timeout=10)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}


def test_the_longest_time_limit_from_today_is_counted_not_crashed(system):
    start = utc_now().isoformat().replace("+", "%2B")
    response = requests.get(f"{system.url('workflow')}/calendar/deadline?start={start}&value=9999"
                            "&unit=working_days", timeout=10)
    assert response.status_code == 200 and response.json()["due"] > utc_now().isoformat()


@pytest.fixture(scope="module")
def in_progress(system):
    """A dossier accepted at the desk and assigned: appraisal by a specialist of the Health Department."""
    auth = sign_up(system)
    dossier = submit(system, auth)
    desk = _officer(system, SEED_AGENCY, Role.COUNTER_OFFICER)
    workflow = f"{system.url('workflow')}/dossiers/{dossier['id']}"
    eventually(lambda: requests.get(workflow, headers=desk, timeout=5).ok, what="the dossier in the workflow")
    assert requests.post(f"{workflow}/accept", json={}, headers=desk, timeout=10).status_code == 200
    head = _officer(system, HEALTH, Role.AGENCY_HEAD)
    assigned = requests.post(f"{workflow}/assign", json={"assignee": "cv-hostile"}, headers=head, timeout=10)
    assert assigned.status_code == 200, assigned.text
    specialist = _officer(system, HEALTH, Role.SPECIALIST, subject="cv-hostile")
    return workflow, head, specialist, assigned.json()


@pytest.mark.parametrize("command, body, field", [
    ("extend", {"reason": "Chờ xác minh", "new_due": "9999-12-31T23:59:59-12:00"}, "new_due"),
    ("schedule-verification", {"at": "9999-12-31T23:59:59-12:00", "place": "Trụ sở", "participants": ["A"],
                               "content": "Xác minh"}, "at"),
    ("schedule-verification", {"at": "0001-01-01T00:00:00+14:00", "place": "Trụ sở", "participants": ["A"],
                               "content": "Xác minh"}, "at"),
    ("consult", {"agency_code": "000.00.01.H11", "question": "Ý kiến?", "limit": {"value": "9999",
                                                                                 "unit": "working_days"}}, "limit"),
])
def test_commands_with_moments_or_limits_beyond_reason_are_422(system, in_progress, command, body, field):
    workflow, head, specialist, _ = in_progress
    actor = head if command == "extend" else specialist
    errors = _json_error(requests.post(f"{workflow}/{command}", json=body, headers=actor, timeout=10), 422)
    assert field in errors["errors"]["json"], errors


def test_a_verification_in_the_past_is_refused(system, in_progress):
    workflow, _, specialist, _ = in_progress
    past = (utc_now() - timedelta(hours=1)).isoformat()
    errors = _json_error(requests.post(f"{workflow}/schedule-verification", json={
        "at": past, "place": "Trụ sở", "participants": ["A"], "content": "Xác minh"}, headers=specialist,
        timeout=10), 422)
    assert errors["errors"]["json"]["at"]


def test_a_result_signed_before_the_filing_is_refused(system, in_progress):
    workflow, _, specialist, dossier = in_progress
    before_filing = (utc_now() - timedelta(days=30)).isoformat()  # a month before the dossier was filed (now)
    errors = _json_error(requests.post(f"{workflow}/complete-step", json={"result": {
        "number": "1/QĐ", "signer": "Giám đốc", "signed_at": before_filing}}, headers=specialist, timeout=10), 422)
    assert "tiếp nhận" in errors["errors"]["json"]["result"]["signed_at"][0]
    unchanged = requests.get(workflow, headers=specialist, timeout=10).json()
    assert unchanged["version"] == dossier["version"] and unchanged["result"] is None


# -- webhooks -------------------------------------------------------------------------------------------------

def test_a_signed_sms_receipt_with_an_absurd_attempt_number_is_not_a_500(system):
    raw = json.dumps({"receipt_id": f"r-{uuid.uuid4().hex}", "message_id": "m-1",
                      "reference": f"{uuid.uuid4()}:99999999999999999999", "status": "delivered",
                      "permanent": False, "error_code": None, "at": utc_now().isoformat()}).encode()
    response = _raw(f"{system.url('notify')}/sms/receipts", raw,
                    {"X-Signature": sign(raw, system.settings().sms_callback_secret)})
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")


# -- administration -------------------------------------------------------------------------------------------

def test_postal_staff_accounts_belong_to_a_post_office(system):
    admin = _officer(system, SEED_AGENCY, Role.ADMIN)
    url = f"{system.url('intake')}/accounts/officers"
    base = {"username": f"bd{uuid.uuid4().hex[:8]}", "password": "mat-khau-buu-dien", "full_name": "Võ Thị Hạnh",
            "roles": ["postal_staff"]}
    refused = requests.post(url, json={**base, "agency_code": SEED_AGENCY}, headers=admin, timeout=10)
    assert "agency_code" in _json_error(refused, 422)["errors"]["json"]
    created = requests.post(url, json={**base, "agency_code": "700000"}, headers=admin, timeout=10)
    assert created.status_code == 201, created.text
    assert created.json()["agency_code"] == "700000" and created.json()["roles"] == ["postal_staff"]


def test_importing_an_empty_catalogue_is_a_422(system):
    admin = _officer(system, SEED_AGENCY, Role.ADMIN)
    response = requests.post(f"{system.url('workflow')}/catalogue/import", headers={
        **admin, "Content-Type": "application/json"}, timeout=10)
    assert response.status_code in (400, 422) and response.json()["message"]


# -- HTTP itself ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("service", ["intake", "workflow", "notify", "postal"])
def test_an_unsupported_method_says_which_are_allowed(system, service):
    response = requests.request("TRACE", f"{system.url(service)}/healthz", timeout=10)
    _json_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_a_cursor_too_long_for_the_api_gets_a_field_message_and_one_too_long_for_http_gets_json(system):
    auth = sign_up(system)
    long = requests.get(f"{system.url('intake')}/dossiers?cursor={'A' * 4000}", headers=auth, timeout=10)
    assert "cursor" in _json_error(long, 422)["errors"]["query"]
    huge = requests.get(f"{system.url('intake')}/dossiers?cursor={'A' * 9000}", headers=auth, timeout=10)
    assert huge.status_code in (400, 414) and huge.headers["Content-Type"].startswith("application/json")
    assert huge.json()["message"] == "Địa chỉ yêu cầu quá dài." and huge.json()["code"] == 414
    assert huge.json()["request_id"] == huge.headers["X-Request-ID"]  # the one shape, with an id to quote


def test_a_malformed_request_line_gets_the_json_error_too(system):
    port = int(system.url("intake").rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n")
        answer = conn.recv(4096).decode(errors="replace")
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400") and "application/json" in head
    refused = json.loads(body)
    assert refused["code"] == 400 and refused["message"] == "Yêu cầu không hợp lệ." and refused["request_id"]
