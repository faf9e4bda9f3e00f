"""Accounts and sign-in: applicants register, officers are created by an administrator, everyone signs in
for a token that every service verifies."""

from __future__ import annotations

import uuid

from shared.auth.roles import PrincipalKind, Role
from shared.auth.tokens import TokenVerifier, verification_keys
from tests.support import factories


def _username() -> str:
    return f"user.{uuid.uuid4().hex[:10]}"


def _sign_in(client, username, password):
    return client.post("/auth/token", json={"username": username, "password": password})


def test_an_applicant_registers_signs_in_and_reads_their_account(client, settings):
    username = _username()
    registered = client.post("/accounts/applicants", json={
        "username": username, "password": "mật-khẩu-dài", "full_name": "Phạm Thị Dung",
        "id_number": "079301000123", "email": "dung@example.vn"})
    assert registered.status_code == 201
    assert registered.json["kind"] == "applicant" and "password" not in registered.json

    token = _sign_in(client, username.upper(), "mật-khẩu-dài")  # usernames are case-insensitive
    assert token.status_code == 200 and token.json["token_type"] == "Bearer"
    principal = TokenVerifier(verification_keys(settings), settings).verify(token.json["access_token"])
    assert principal.kind is PrincipalKind.APPLICANT and principal.subject == registered.json["id"]

    me = client.get("/accounts/me", headers={"Authorization": f"Bearer {token.json['access_token']}"})
    assert me.json["full_name"] == "Phạm Thị Dung"


def test_passwords_are_stored_as_argon2id_hashes(client, intake_db):
    username = _username()
    client.post("/accounts/applicants", json={"username": username, "password": "một-mật-khẩu",
                                              "full_name": "Võ Văn E"})
    stored = intake_db.accounts.find_one({"username": username})
    assert stored["password_hash"].startswith("$argon2id$") and "một-mật-khẩu" not in stored["password_hash"]


def test_wrong_password_and_unknown_user_get_the_same_401(client):
    username = _username()
    client.post("/accounts/applicants", json={"username": username, "password": "dung-mat-khau",
                                              "full_name": "Đỗ Văn G"})
    wrong = _sign_in(client, username, "sai-mat-khau")
    unknown = _sign_in(client, _username(), "dung-mat-khau")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["message"] == unknown.json["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_a_taken_username_gets_409_and_a_short_password_422(client):
    username = _username()
    body = {"username": username, "password": "mat-khau-1", "full_name": "Bùi Thị H"}
    assert client.post("/accounts/applicants", json=body).status_code == 201
    taken = client.post("/accounts/applicants", json=body)
    short = client.post("/accounts/applicants", json={**body, "username": _username(), "password": "ngan"})
    assert taken.status_code == 409 and taken.json["message"] == "Tên đăng nhập đã được sử dụng."
    assert short.status_code == 422 and short.json["errors"]["json"]["password"] == ["Độ dài từ 8 đến 128 ký tự."]


def test_only_an_administrator_creates_officers_and_their_token_carries_role_and_agency(client, settings):
    agency = factories.agency_code()
    body = {"username": _username(), "password": "can-bo-mot-cua", "full_name": "Hoàng Văn K",
            "roles": ["counter_officer", "specialist"], "agency_code": agency}
    applicant = factories.bearer(settings, factories.applicant_principal())
    counter = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    admin = factories.bearer(settings, factories.officer_principal(agency, Role.ADMIN))

    assert client.post("/accounts/officers", json=body).status_code == 401
    assert client.post("/accounts/officers", json=body, headers=applicant).status_code == 403
    assert client.post("/accounts/officers", json=body, headers=counter).status_code == 403
    created = client.post("/accounts/officers", json=body, headers=admin)
    assert created.status_code == 201 and created.json["roles"] == ["counter_officer", "specialist"]
    bad_role = client.post("/accounts/officers", json={**body, "username": _username(), "roles": ["applicant"]},
                           headers=admin)
    assert bad_role.status_code == 422

    token = _sign_in(client, body["username"], body["password"]).json["access_token"]
    principal = TokenVerifier(verification_keys(settings), settings).verify(token)
    assert principal.kind is PrincipalKind.OFFICER and principal.agency_code == agency
    assert principal.roles == {"counter_officer", "specialist"}
