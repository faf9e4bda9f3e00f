"""Accounts and sign-in: applicants register, officers are created by an administrator, everyone signs in
for a token that every service verifies."""

from __future__ import annotations

import dataclasses
import uuid

from services.intake.accounts import throttle
from services.intake.app import create_app
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


def test_postal_staff_work_at_a_post_office_and_hold_no_other_role(client, settings):
    """A postal clerk's workplace is a six-digit post office code (Decision 45/2016 Art. 7); mixing it with
    agency roles or agency codes is a 422 naming the field, never a 500."""
    admin = factories.bearer(settings, factories.officer_principal(factories.agency_code(), Role.ADMIN))
    body = {"username": _username(), "password": "buu-cuc-700000", "full_name": "Võ Thị Hạnh",
            "roles": ["postal_staff"], "agency_code": "700000"}
    created = client.post("/accounts/officers", json=body, headers=admin)
    assert created.status_code == 201 and created.json["agency_code"] == "700000", created.json
    mixed = client.post("/accounts/officers", json={**body, "username": _username(),
                                                    "roles": ["postal_staff", "counter_officer"]}, headers=admin)
    assert mixed.status_code == 422 and mixed.json["errors"]["json"]["roles"] == [
        "Nhân viên bưu chính không kiêm vai trò khác."]
    wrong_place = client.post("/accounts/officers", json={**body, "username": _username(),
                                                          "agency_code": "000.00.12.H29"}, headers=admin)
    assert wrong_place.status_code == 422 and "mã bưu cục gồm 6 chữ số" in wrong_place.json["errors"]["json"][
        "agency_code"][0]
    officer_at_post = client.post("/accounts/officers", json={**body, "username": _username(),
                                                              "roles": ["counter_officer"]}, headers=admin)
    assert officer_at_post.status_code == 422 and "QCVN 102:2016" in officer_at_post.json["errors"]["json"][
        "agency_code"][0]
    token = _sign_in(client, body["username"], body["password"]).json["access_token"]
    principal = TokenVerifier(verification_keys(settings), settings).verify(token)
    assert principal.agency_code == "700000" and principal.roles == {"postal_staff"}


def test_an_administrator_lists_an_agencys_officers_changes_roles_and_deactivates(client, settings):
    agency = factories.agency_code()
    me = factories.officer_principal(agency, Role.ADMIN)
    admin = factories.bearer(settings, me)
    made = []
    for name in ("b", "a", "c"):
        answer = client.post("/accounts/officers", headers={**admin, "Idempotency-Key": f"k-{agency}-{name}"},
                             json={"username": f"{name}.{uuid.uuid4().hex[:8]}", "password": "mat-khau-can-bo",
                                   "full_name": f"Cán bộ {name.upper()}", "roles": ["specialist"],
                                   "agency_code": agency})
        assert answer.status_code == 201 and answer.headers["Location"] == f"/accounts/officers/{answer.json['id']}"
        made.append(answer.json)
    replay = client.post("/accounts/officers", headers={**admin, "Idempotency-Key": f"k-{agency}-b"},
                         json={"username": "other.name", "password": "mat-khau-can-bo", "full_name": "X",
                               "roles": ["specialist"], "agency_code": agency})
    assert replay.status_code == 200 and replay.json["id"] == made[0]["id"]

    first = client.get(f"/accounts/officers?agency_code={agency}&limit=2", headers=admin).json
    rest = client.get(f"/accounts/officers?agency_code={agency}&limit=2&cursor={first['next_cursor']}",
                      headers=admin).json
    names = [a["username"] for a in first["items"] + rest["items"]]
    assert names == sorted(a["username"] for a in made) and rest["next_cursor"] is None
    assert all(a["active"] for a in first["items"]) and "password_hash" not in first["items"][0]

    target = made[1]["id"]
    changed = client.put(f"/accounts/officers/{target}/roles", json={"roles": ["agency_head", "specialist"]},
                         headers=admin)
    assert changed.status_code == 200 and changed.json["roles"] == ["agency_head", "specialist"]
    assert client.put(f"/accounts/officers/{target}/roles", json={"roles": ["postal_staff"]},
                      headers=admin).json["errors"]["json"]["agency_code"]
    assert client.put(f"/accounts/officers/{target}/roles", json={"roles": []}, headers=admin).status_code == 422
    username = made[1]["username"]
    assert _sign_in(client, username, "mat-khau-can-bo").json["account"]["roles"] == ["agency_head", "specialist"]

    off = client.post(f"/accounts/officers/{target}/deactivate", headers=admin)
    assert off.status_code == 200 and off.json["active"] is False
    assert client.post(f"/accounts/officers/{target}/deactivate", headers=admin).json["active"] is False
    assert _sign_in(client, username, "mat-khau-can-bo").status_code == 401
    assert client.get(f"/accounts/officers/{target}", headers=admin).json["active"] is False

    counter = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    assert client.get(f"/accounts/officers?agency_code={agency}", headers=counter).status_code == 403
    head = factories.bearer(settings, factories.officer_principal(agency, Role.AGENCY_HEAD))  # to assign a handler
    assert len(client.get(f"/accounts/officers?agency_code={agency}", headers=head).json["items"]) == 3
    other_head = factories.bearer(settings, factories.officer_principal(factories.agency_code(), Role.AGENCY_HEAD))
    assert client.get(f"/accounts/officers?agency_code={agency}", headers=other_head).status_code == 403
    assert client.post(f"/accounts/officers/{made[2]['id']}/deactivate", headers=counter).status_code == 403
    assert client.put(f"/accounts/officers/{made[2]['id']}/roles", json={"roles": ["admin"]},
                      headers=counter).status_code == 403
    assert client.get("/accounts/officers/khong-co", headers=admin).status_code == 404


def test_an_administrator_keeps_their_own_right_and_account(client, intake_db, settings):
    agency = factories.agency_code()
    body = {"username": _username(), "password": "quan-tri-vien", "full_name": "Quản trị",
            "roles": ["admin"], "agency_code": agency}
    creator = factories.bearer(settings, factories.officer_principal(agency, Role.ADMIN))
    me = client.post("/accounts/officers", json=body, headers=creator).json
    token = _sign_in(client, body["username"], body["password"]).json["access_token"]
    own = {"Authorization": f"Bearer {token}"}
    lose = client.put(f"/accounts/officers/{me['id']}/roles", json={"roles": ["manager"]}, headers=own)
    assert lose.status_code == 409
    assert lose.json["message"] == "Không thể tự bỏ vai trò quản trị hệ thống của chính mình."
    assert client.post(f"/accounts/officers/{me['id']}/deactivate", headers=own).status_code == 409
    assert intake_db.accounts.find_one({"_id": me["id"]})["roles"] == ["admin"]


def test_wrong_passwords_lock_the_account_and_the_address_not_everyone_behind_the_portal(settings):
    """Sign-in throttling (accounts/throttle.py) keyed by the person's address as the portal forwards it
    (PROXY_HOPS=1, as deployed): an address that tried too many wrong passwords is locked, and so is an account
    tried too often, while people at other addresses still sign in — behind the portal every request comes from
    the portal's own address, and keyed by that, a few wrong passwords anywhere locked everyone out."""
    client = create_app(dataclasses.replace(settings, proxy_hops=1)).test_client()
    prefix = uuid.uuid4().hex[:6]
    here, guesser = f"198.51.100.{uuid.uuid4().int % 200 + 1}", f"203.0.113.{uuid.uuid4().int % 200 + 1}"

    def sign_in(username, password, address):
        return client.post("/auth/token", json={"username": username, "password": password},
                           headers={"X-Forwarded-For": address})

    username = _username()
    client.post("/accounts/applicants", json={"username": username, "password": "dung-mat-khau",
                                              "full_name": "Lý Văn K"})
    # the account: five wrong passwords are free, the sixth locks it for 30 s, right password or not
    for _ in range(throttle.FREE_PER_ACCOUNT + 1):
        assert sign_in(username, "sai-mat-khau", here).status_code == 401
    locked = sign_in(username, "dung-mat-khau", "192.0.2.1")
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 30
    assert locked.json["message"] == "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 1 phút."

    # the address: twenty wrong guesses over other usernames are free, then it is locked for everyone on it
    for n in range(throttle.FREE_PER_ADDRESS + 1):
        assert sign_in(f"khong-co.{prefix}.{n}", "sai-mat-khau", guesser).status_code == 401
    other = _username()
    client.post("/accounts/applicants", json={"username": other, "password": "dung-mat-khau",
                                              "full_name": "Mai Thị L"})
    assert sign_in(other, "dung-mat-khau", guesser).status_code == 429
    assert sign_in(other, "dung-mat-khau", f"192.0.2.{uuid.uuid4().int % 200 + 1}").status_code == 200
