"""Filing a dossier online: what is stored, what is published, and what bad input gets."""

from __future__ import annotations

import pytest

from shared.domain.identifiers import DOSSIER_CODE_RE
from shared.events import Event, event_type
from shared.storage.outbox import OUTBOX, PENDING, WAKEUPS
from tests.support import factories


def test_a_valid_online_dossier_is_registered_with_its_code_and_status_1(client, applicant, intake_db,
                                                                           submission):
    principal, auth = applicant
    body = submission(result_return=factories.postal_return())

    response = client.post("/dossiers", json=body, headers=auth)

    assert response.status_code == 201, response.json
    dossier = response.json
    assert DOSSIER_CODE_RE.match(dossier["code"])
    assert dossier["code"].startswith(body["receiving_agency_code"] + "-")
    assert dossier["status"] == {"code": 1, "name": "Mới đăng ký"}
    assert dossier["channel"] == "online" and dossier["channel_code"] == 2
    assert dossier["rule_set"] == "nd118-2025"  # Decree 118/2025 governs dossiers received from 1/7/2025
    assert dossier["applicant"]["date_of_birth"] == "1990-05-17"
    assert response.headers["Location"] == f"/dossiers/{dossier['id']}"

    stored = intake_db.dossiers.find_one({"_id": dossier["id"]})
    assert stored["owner_account_id"] == principal.subject
    assert len(stored["attachments"]) == len(body["attachments"]) == 3  # one per required component
    attached = stored["attachments"][0]
    assert {k: attached[k] for k in body["attachments"][0]} == body["attachments"][0]
    assert attached["media_type"] == "application/pdf" and attached["file_name"] == "don-de-nghi.pdf"
    assert len(attached["sha256"]) == 64 and attached["size_bytes"] > 0  # from the upload, not the client
    assert stored[PENDING] is True
    (raw_event,) = stored[OUTBOX]
    event = Event.from_document(raw_event)
    assert event.type == "dossier.submitted" and event.dossier_id == dossier["id"]
    payload = event_type(event.type).load(event.payload, event.schema_version)
    assert payload["code"] == dossier["code"]
    assert payload["result_return"]["address"]["commune_code"] == "00118"
    assert intake_db[WAKEUPS].find_one({"document_id": dossier["id"]}) is not None


def test_the_same_idempotency_key_files_one_dossier_only(client, applicant, intake_db, submission):
    _, auth = applicant
    body = submission()
    headers = {**auth, "Idempotency-Key": "retry-7f3a"}

    first = client.post("/dossiers", json=body, headers=headers)
    again = client.post("/dossiers", json=body, headers=headers)
    other = client.post("/dossiers", json=body, headers={**auth, "Idempotency-Key": "another"})

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json["id"] == first.json["id"] and again.json["code"] == first.json["code"]
    assert other.json["id"] != first.json["id"]
    assert intake_db.dossiers.count_documents({"receiving_agency_code": body["receiving_agency_code"]}) == 2


def _without(body: dict, *path: str) -> dict:
    target = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return body


def _with(body: dict, value, *path: str) -> dict:
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


BAD_INPUT = [
    # (case, make the body, path of the field-level error)
    ("missing procedure", lambda b: _without(b, "procedure_code"), ("procedure_code",)),
    ("missing agency", lambda b: _without(b, "receiving_agency_code"), ("receiving_agency_code",)),
    ("missing applicant name", lambda b: _without(b, "applicant", "full_name"), ("applicant", "full_name")),
    ("missing contact", lambda b: _without(b, "contact"), ("contact",)),
    ("missing result return", lambda b: _without(b, "result_return"), ("result_return",)),
    ("missing attachments", lambda b: _without(b, "attachments"), ("attachments",)),
    ("applicant not an object", lambda b: _with(b, "Nguyễn Văn A", "applicant"), ("applicant", "_schema")),
    ("size as a string", lambda b: _with(b, "183204", "attachments", 0, "size_bytes"),
     ("attachments", "0", "size_bytes")),
    ("attachments not a list", lambda b: _with(b, {"file": "x"}, "attachments"), ("attachments",)),
    ("boolean as agency", lambda b: _with(b, True, "receiving_agency_code"), ("receiving_agency_code",)),
    ("name too long", lambda b: _with(b, "Nguyễn " * 40, "applicant", "full_name"), ("applicant", "full_name")),
    ("huge component name", lambda b: _with(b, "x" * 20_000, "attachments", 0, "component"),
     ("attachments", "0", "component")),
    ("agency code without levels", lambda b: _with(b, "H29", "receiving_agency_code"), ("receiving_agency_code",)),
    ("agency code in lower case", lambda b: _with(b, "000.00.12.h29", "receiving_agency_code"),
     ("receiving_agency_code",)),
    ("agency code with injection", lambda b: _with(b, {"$ne": None}, "receiving_agency_code"),
     ("receiving_agency_code",)),
    ("procedure code malformed", lambda b: _with(b, "1001806", "procedure_code"), ("procedure_code",)),
    ("NUL in a name", lambda b: _with(b, "Nguyễn\x00An", "applicant", "full_name"), ("applicant", "full_name")),
    ("blank name", lambda b: _with(b, "   ", "applicant", "full_name"), ("applicant", "full_name")),
    ("unknown field", lambda b: _with(b, 1, "priority"), ("priority",)),
    ("invalid e-mail", lambda b: _with(b, "hoa@", "contact", "email"), ("contact", "email")),
    ("no way to reach the applicant", lambda b: _with(b, {}, "contact"), ("contact", "_schema")),
    ("citizen id of 5 digits", lambda b: _with(b, "12345", "applicant", "id_number"), ("applicant", "id_number")),
    # the field's documented pattern (either kind's number) and then the kind's own: a tax code for a citizen
    ("citizen id in a tax code's shape", lambda b: _with(b, "0101234567", "applicant", "id_number"),
     ("applicant", "id_number")),
    ("id number with a space", lambda b: _with(b, "001203004567 ", "applicant", "id_number"),
     ("applicant", "id_number")),
    ("post without an address", lambda b: _with(b, {"method": "post", "recipient_phone": "0912345678"},
                                                "result_return"), ("result_return", "address")),
    ("unknown return method", lambda b: _with(b, {"method": "drone"}, "result_return"), ("result_return", "method")),
    ("date of birth not a date", lambda b: _with(b, "17/05/1990", "applicant", "date_of_birth"),
     ("applicant", "date_of_birth")),
    ("too many attachments", lambda b: _with(b, b["attachments"] * 51, "attachments"), ("attachments",)),
    ("file of 0 bytes", lambda b: _with(b, 0, "attachments", 0, "size_bytes"), ("attachments", "0", "size_bytes")),
]


def _counts(db) -> tuple[int, int, int]:
    return db.dossiers.count_documents({}), db.daily_sequences.count_documents({}), db[WAKEUPS].count_documents({})


@pytest.mark.parametrize(("case", "mutate", "path"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_gets_422_with_a_field_level_message_and_nothing_is_written(
        client, applicant, intake_db, submission, case, mutate, path):
    _, auth = applicant
    before = _counts(intake_db)

    response = client.post("/dossiers", json=mutate(submission()), headers=auth)

    assert response.status_code == 422, response.json
    assert response.json["message"] == "Dữ liệu không hợp lệ. Vui lòng kiểm tra các trường được nêu."
    errors = response.json["errors"]["json"]
    for key in path:
        errors = errors[key]  # list positions come back as string keys in JSON
    assert isinstance(errors, list) and errors and all(isinstance(m, str) and m for m in errors)
    assert not any(m.isascii() for m in errors), f"messages are for people, in Vietnamese: {errors}"
    assert _counts(intake_db) == before


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"a string"'], ids=["broken", "array", "string"])
def test_a_body_that_is_not_a_json_object_is_refused_in_vietnamese(client, applicant, intake_db, body):
    _, auth = applicant
    before = _counts(intake_db)
    response = client.post("/dossiers", data=body, headers={**auth, "Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.json["code"] == response.status_code
    assert "không" in response.json["message"].lower() or "Dữ liệu" in response.json["message"]
    assert _counts(intake_db) == before


def test_a_body_over_the_size_limit_gets_413(client, applicant, settings, intake_db, submission):
    _, auth = applicant
    before = _counts(intake_db)
    body = submission()
    body["applicant"]["full_name"] = "x" * (settings.max_request_bytes + 1)
    response = client.post("/dossiers", json=body, headers=auth)
    assert response.status_code == 413
    assert response.json["message"] == "Dữ liệu gửi lên quá lớn."
    assert _counts(intake_db) == before


def test_filing_needs_a_signed_in_applicant(client, settings, submission):
    body = submission()
    anonymous = client.post("/dossiers", json=body)
    officer = client.post("/dossiers", json=body, headers=factories.bearer(
        settings, factories.officer_principal(body["receiving_agency_code"])))
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert officer.status_code == 403
