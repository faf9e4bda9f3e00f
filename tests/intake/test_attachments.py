"""Real files: uploaded once, typed by content, hashed by the server, limited in size, stored once by hash,
downloaded only by the owner and the officers of the dossier's agencies."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zipfile

import pytest

from services.intake.app import create_app
from services.intake.attachments.service import on_supplement_received
from shared.auth.roles import Role
from tests.support import factories


def _upload(client, auth, content: bytes, name: str):
    return client.post("/uploads", data={"file": (io.BytesIO(content), name)}, headers=auth,
                       content_type="multipart/form-data")


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(("content", "name", "media_type"), [
    (factories.pdf_bytes(), "don.pdf", "application/pdf"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "anh-chup.png", "image/jpeg"),   # the name lies, the content decides
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "scan.png", "image/png"),
    (_docx(), "to-khai.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_an_upload_is_typed_by_its_content_and_hashed_by_the_server(client, applicant, content, name, media_type):
    _, auth = applicant
    sent = _upload(client, auth, content, name)
    assert sent.status_code == 201, sent.json
    assert sent.json["media_type"] == media_type
    assert sent.json["sha256"] == hashlib.sha256(content).hexdigest()
    assert sent.json["size_bytes"] == len(content) and sent.json["file_name"] == name


@pytest.mark.parametrize(("content", "name"), [
    (b"MZ\x90\x00 an executable", "don.pdf"),
    (b"just some text", "ghi-chu.txt"),
    (b"PK\x03\x04" + b"\x00" * 40, "to-khai.docx"),                     # a ZIP that is no Word document
])
def test_anything_else_is_refused_in_vietnamese(client, applicant, content, name):
    _, auth = applicant
    refused = _upload(client, auth, content, name)
    assert refused.status_code == 422
    assert "Chỉ nhận tệp PDF, JPEG, PNG, DOCX" in refused.json["errors"]["files"]["file"][0]


def test_no_file_empty_file_and_no_token(client, applicant):
    _, auth = applicant
    assert client.post("/uploads", data={}, headers=auth, content_type="multipart/form-data").status_code == 422
    assert _upload(client, auth, b"", "rong.pdf").status_code == 422
    assert _upload(client, {}, factories.pdf_bytes(), "don.pdf").status_code == 401


def test_size_limits_per_file_and_per_dossier_come_from_configuration(settings, applicant, agency):
    small = dataclasses.replace(settings, upload_max_file_bytes=2_000, upload_max_dossier_bytes=3_000)
    client = create_app(small).test_client()
    _, auth = applicant
    too_big = _upload(client, auth, factories.pdf_bytes() + b"%" * 2_000, "lon.pdf")
    assert too_big.status_code == 413 and "2 KB" in too_big.json["message"]
    way_too_big = _upload(client, auth, factories.pdf_bytes() + b"%" * 200_000, "rat-lon.pdf")
    assert way_too_big.status_code == 413  # refused while reading, before the whole body is taken in

    ids = [_upload(client, auth, factories.pdf_bytes() + b"%" * 700, f"tep-{n}.pdf").json["id"] for n in range(3)]
    body = factories.submission(receiving_agency_code=agency)
    body["attachments"] = body["attachments"] * 3
    refused = client.post("/dossiers", json=factories.referencing(body, ids), headers=auth)
    assert refused.status_code == 422
    assert "vượt quá mức cho phép" in refused.json["errors"]["json"]["attachments"][0]


def test_the_same_content_is_stored_once(client, applicant, intake_db):
    _, auth = applicant
    content = factories.pdf_bytes()
    first, second = (_upload(client, auth, content, n).json for n in ("a.pdf", "b.pdf"))
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    assert intake_db.blobs.count_documents({"_id": first["sha256"]}) == 1
    assert intake_db["files.files"].count_documents({"filename": first["sha256"]}) == 1


def test_a_filing_may_only_refer_to_the_filers_own_uploads(client, applicant, settings, submission, upload):
    _, auth = applicant
    stranger = factories.bearer(settings, factories.applicant_principal())
    body = submission(uploader=stranger)
    refused = client.post("/dossiers", json=body, headers=auth)
    assert refused.status_code == 422
    assert refused.json["errors"]["json"]["attachments"]["0"]["file_id"] == [
        "Không tìm thấy tệp đã tải lên (hãy tải tệp lên lại)."]
    unknown = {**body, "attachments": [{**body["attachments"][0], "file_id": "khong-co"}]}
    assert client.post("/dossiers", json=unknown, headers=auth).status_code == 422


def test_only_the_owner_and_the_officers_of_the_dossier_download_its_files(client, applicant, settings, submission,
                                                                          agency):
    _, auth = applicant
    content = factories.pdf_bytes("Giấy xác nhận")
    body = submission()
    dossier = client.post("/dossiers", json=body, headers=auth).json
    file_id = dossier["attachments"][0]["file_id"]
    # the test's upload is a fresh PDF; fetch what was stored and compare with its hash
    url = f"/dossiers/{dossier['id']}/files/{file_id}"
    own = client.get(url, headers=auth)
    assert own.status_code == 200 and own.mimetype == "application/pdf"
    assert hashlib.sha256(own.data).hexdigest() == dossier["attachments"][0]["sha256"]
    assert own.headers["Content-Disposition"] == "attachment; filename*=UTF-8''don-de-nghi.pdf"

    desk = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    competent = factories.bearer(settings, factories.officer_principal(dossier["competent_agency_code"],
                                                                       Role.SPECIALIST))
    assert client.get(url, headers=desk).status_code == 200
    assert client.get(url, headers=competent).status_code == 200
    elsewhere = factories.bearer(settings, factories.officer_principal(factories.agency_code(), Role.SPECIALIST))
    assert client.get(url, headers=elsewhere).status_code == 404  # as if the dossier did not exist
    postal = factories.bearer(settings, factories.officer_principal(agency, Role.POSTAL_STAFF))
    assert client.get(url, headers=postal).status_code == 403
    other = factories.bearer(settings, factories.applicant_principal())
    assert client.get(url, headers=other).status_code == 404
    assert client.get(url).status_code == 401
    assert client.get(f"/dossiers/{dossier['id']}/files/khong-co", headers=auth).status_code == 404

    unrelated = _upload(client, auth, content, "khac.pdf").json["id"]  # the owner's, but not this dossier's
    assert client.get(f"/dossiers/{dossier['id']}/files/{unrelated}", headers=desk).status_code == 404
    assert client.get(f"/uploads/{unrelated}/content", headers=auth).data == content
    assert client.get(f"/uploads/{unrelated}/content", headers=other).status_code == 404
    assert client.get(f"/uploads/{unrelated}/content", headers=desk).status_code == 404


def test_a_counter_dossier_is_read_by_its_officers_never_by_an_applicant(client, settings, submission, agency):
    desk = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    body = submission(uploader=desk, submitter={"full_name": "Lê Thị Mai", "id_number": "079301000999",
                                                "relation": "self"})
    dossier = client.post("/counter/dossiers", json=body, headers=desk).json
    url = f"/dossiers/{dossier['id']}/files/{dossier['attachments'][0]['file_id']}"
    assert client.get(url, headers=desk).status_code == 200
    someone = factories.bearer(settings, factories.applicant_principal())
    assert client.get(url, headers=someone).status_code == 404


def test_files_supplied_later_become_the_dossiers_when_the_owner_uploaded_them(client, applicant, settings, submission,
                                                                              intake_db, agency, upload):
    principal, auth = applicant
    dossier = client.post("/dossiers", json=submission(), headers=auth).json
    supplied = upload(auth)
    foreign = upload(factories.bearer(settings, factories.applicant_principal()))
    event = factories.dossier_event("supplement-received", {"phase": "reception", "request_id": "r1",
                                                            "file_ids": [supplied, foreign]},
                                    dossier_id=dossier["id"], owner=principal.subject, agency=agency)
    on_supplement_received(intake_db, event, event.payload)
    desk = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    assert client.get(f"/dossiers/{dossier['id']}/files/{supplied}", headers=desk).status_code == 200
    assert client.get(f"/dossiers/{dossier['id']}/files/{foreign}", headers=desk).status_code == 404
