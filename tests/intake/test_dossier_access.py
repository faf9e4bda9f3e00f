"""Who may read a dossier: its owner, officers of the receiving agency; an applicant can only ever read
their own dossiers."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth.roles import Role
from shared.auth.tokens import TokenIssuer, signing_key
from tests.support import factories


@pytest.fixture
def file(client, submission):
    return lambda auth, **overrides: client.post("/dossiers", json=submission(**overrides), headers=auth).json


def test_the_owner_reads_the_dossier_and_another_applicant_gets_404(client, settings, applicant, file):
    _, owner_auth = applicant
    dossier = file(owner_auth)
    stranger = factories.bearer(settings, factories.applicant_principal())

    assert client.get(f"/dossiers/{dossier['id']}", headers=owner_auth).json["code"] == dossier["code"]
    refused = client.get(f"/dossiers/{dossier['id']}", headers=stranger)
    assert refused.status_code == 404  # the same answer as for a dossier that does not exist
    assert client.get("/dossiers/no-such-dossier", headers=stranger).status_code == 404


def test_each_applicant_lists_only_their_own_dossiers_newest_first(client, settings, applicant, file):
    _, auth = applicant
    mine = [file(auth)["id"] for _ in range(3)]
    file(factories.bearer(settings, factories.applicant_principal()))

    page1 = client.get("/dossiers?limit=2", headers=auth).json
    page2 = client.get(f"/dossiers?limit=2&cursor={page1['next_cursor']}", headers=auth).json

    assert [d["id"] for d in page1["items"] + page2["items"]] == list(reversed(mine))
    assert page2["next_cursor"] is None
    bad_cursor = client.get("/dossiers?cursor=garbage", headers=auth)
    assert bad_cursor.status_code == 422 and "cursor" in bad_cursor.json["errors"]["query"]
    # not base64url at all: refused by the documented pattern, with the same message
    not_base64 = client.get("/dossiers?cursor=a%20b.c", headers=auth)
    assert not_base64.status_code == 422
    assert not_base64.json["errors"]["query"]["cursor"] == ["Con trỏ trang không hợp lệ."]


def test_officers_of_the_receiving_agency_read_it_others_are_refused(client, settings, applicant, file):
    _, auth = applicant
    dossier = file(auth)
    agency = dossier["receiving_agency_code"]
    own = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    other = factories.bearer(settings, factories.officer_principal(factories.agency_code(), Role.COUNTER_OFFICER))
    postal = factories.bearer(settings, factories.officer_principal(agency, Role.POSTAL_STAFF))

    assert client.get(f"/dossiers/{dossier['id']}", headers=own).status_code == 200
    assert client.get(f"/dossiers/{dossier['id']}", headers=other).status_code == 404  # as if it did not exist
    assert client.get(f"/dossiers/{dossier['id']}", headers=postal).status_code == 403


def test_missing_expired_forged_and_foreign_tokens_get_401(client, settings, applicant, file):
    principal, auth = applicant
    dossier = file(auth)
    url = f"/dossiers/{dossier['id']}"
    expired = TokenIssuer(signing_key(settings), settings).issue(principal, ttl_seconds=-10)
    foreign = TokenIssuer(Ed25519PrivateKey.generate(), settings).issue(principal)
    claims = jwt.decode(auth["Authorization"][7:], options={"verify_signature": False})
    claims["kind"] = "officer"
    tampered = ".".join(auth["Authorization"][7:].split(".")[:1] + [
        jwt.utils.base64url_encode(jwt.api_jws.json.dumps(claims).encode()).decode(),
        auth["Authorization"][7:].split(".")[2]])

    assert client.get(url).status_code == 401
    for token in (expired, foreign, tampered, "not-a-jwt"):
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json["message"] == "Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại."
    assert timedelta(seconds=settings.auth_token_ttl_seconds) > timedelta(0)
