"""What may be filed where, checked against intake's read copy of the catalogue; and the two dossier-code
formats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.intake.dossiers import service
from shared.auth.roles import Role
from shared.domain.errors import Rejected
from shared.domain.identifiers import DOSSIER_CODE_B_RE, DOSSIER_CODE_RE
from tests.intake.conftest import _handlers
from tests.support import catalogue, factories


def _errors(response) -> dict:
    assert response.status_code == 422, response.json
    return response.json["errors"]["json"]


def test_a_procedure_not_in_the_catalogue_cannot_be_filed(client, applicant, submission):
    _, auth = applicant
    errors = _errors(client.post("/dossiers", json=submission(procedure_code="1.999999"), headers=auth))
    assert errors["procedure_code"] == ["Thủ tục không có trong danh mục hoặc không còn hiệu lực vào ngày nộp."]


def test_only_agencies_with_a_one_stop_desk_receive(client, applicant, submission):
    _, auth = applicant
    for agency in ("000.00.15.H11", "999.99.99.H99"):  # Cao Bằng Health Department has no desk; unknown
        errors = _errors(client.post("/dossiers", json=submission(receiving_agency_code=agency), headers=auth))
        assert "không có bộ phận một cửa" in errors["receiving_agency_code"][0]


def test_a_non_boundary_procedure_is_received_by_any_centre_of_the_province(client, applicant, submission, intake_db):
    """Decree 118/2025 Art. 14(2): 1.001806 may be filed at any one-stop centre of Cao Bằng, whatever the
    applicant's address; the dossier is routed to the competent Health Department."""
    _, auth = applicant
    filed = client.post("/dossiers", json=submission(), headers=auth)
    assert filed.status_code == 201 and filed.json["competent_agency_code"] == "000.00.15.H11"

    elsewhere = catalogue.one_stop_agency_event(province_code="40")  # a centre in Nghệ An
    catalogue.apply([elsewhere], _handlers(intake_db))
    errors = _errors(client.post("/dossiers", json=submission(receiving_agency_code=elsewhere.payload["code"]),
                                 headers=auth))
    assert "không phụ thuộc địa giới" in errors["receiving_agency_code"][0]


def test_a_procedure_without_the_non_boundary_flag_is_received_where_it_is_published(client, applicant, submission):
    _, auth = applicant
    errors = _errors(client.post("/dossiers", json=submission(procedure_code="1.001807"), headers=auth))
    assert errors["receiving_agency_code"][0].startswith("Cơ quan này không tiếp nhận thủ tục này")
    listed = client.post("/dossiers", json=submission(procedure_code="1.001807", receiving_agency_code="000.00.01.H11"),
                         headers=auth)
    assert listed.status_code == 201


def test_decree_61_had_no_filing_regardless_of_boundary(intake_db, settings, agency):
    """Before 1/7/2025 (Decree 61/2018) a dossier is received only where the procedure is published."""
    event = catalogue.procedure_event({**catalogue.seed_procedure("1.001806"), "code": "1.999001"},
                                      valid_from="2019-01-01")
    catalogue.apply([event], _handlers(intake_db))
    body = factories.submission(procedure_code="1.999001", receiving_agency_code=agency,
                                attachments=factories.components("1.001806"))
    owner = factories.applicant_principal()
    before = datetime(2025, 6, 30, 3, 0, tzinfo=UTC)
    with pytest.raises(Rejected) as refused:
        service.submit_online(intake_db, settings, owner=owner, submission=body, now=before)
    assert "receiving_agency_code" in refused.value.errors["json"]
    dossier, _ = service.submit_online(intake_db, settings, owner=owner, submission=body, now=datetime(2025, 7, 1, 3, 0,
                                                                                            tzinfo=UTC))
    assert dossier["rule_set"] == "nd118-2025"


def test_an_online_filing_carries_every_required_component(client, applicant, submission):
    """Decree 45/2020 Art. 9: an online dossier is its electronic components; a missing required one is named."""
    _, auth = applicant
    body = submission()
    required = [c for c in catalogue.seed_procedure("1.001806")["components"] if c["required"]]
    body["attachments"] = body["attachments"][1:]
    errors = _errors(client.post("/dossiers", json=body, headers=auth))
    assert errors["attachments"] == [f"Thiếu thành phần bắt buộc: {required[0]['name']}."]


def test_channels_and_components_must_be_offered_by_the_procedure(client, applicant, submission):
    _, auth = applicant
    by_post = submission(procedure_code="2.000815", receiving_agency_code="000.31.01.H29",
                         result_return=factories.postal_return())
    assert _errors(client.post("/dossiers", json=by_post, headers=auth))["result_return"] == [
        "Thủ tục này không trả kết quả qua bưu chính."]
    body = submission()
    body["attachments"][0]["component_code"] = "khong-co"
    assert "không thuộc thủ tục này" in _errors(client.post("/dossiers", json=body, headers=auth))["attachments"][0]


def test_centrally_provided_services_get_format_b_codes_from_25_january_2026(intake_db, settings):
    """Circular 03/2025 Art. 13(3), added by Circular 04/2025 Art. 23(2): MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX, with
    the processing agency's electronic identifier and the platform's two digits."""
    owner = factories.applicant_principal()
    body = factories.submission(procedure_code="2.001610", receiving_agency_code="000.00.12.H29")
    before, after = datetime(2026, 1, 24, 3, 0, tzinfo=UTC), datetime(2026, 1, 26, 3, 0, tzinfo=UTC)
    old, _ = service.submit_online(intake_db, settings, owner=owner, submission=body, now=before)
    new, _ = service.submit_online(intake_db, settings, owner=owner, submission=body, now=after)
    assert DOSSIER_CODE_RE.match(old["code"]) and old["code"].startswith("000.00.12.H29-260124-")
    parts = DOSSIER_CODE_B_RE.match(new["code"])
    assert parts and (parts["agency"], parts["date"], parts["platform"]) == ("H29.101.14", "260126", "01")


def test_a_counter_officer_files_what_a_walk_in_applicant_hands_in(client, settings, submission, agency):
    officer = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    body = submission(uploader=officer, submitter={
        "full_name": "Lê Thị Mai", "id_number": "079301000999", "relation": "authorised",
        "authorisation": "Giấy ủy quyền số 12/UQ ngày 20/11/2026"})
    filed = client.post("/counter/dossiers", json=body, headers=officer)
    assert filed.status_code == 201, filed.json
    assert filed.json["channel"] == "counter" and filed.json["channel_code"] == 1
    assert filed.json["submitter"]["relation"] == "authorised"

    other = factories.bearer(settings, factories.officer_principal(factories.agency_code(), Role.COUNTER_OFFICER))
    assert client.post("/counter/dossiers", json=body, headers=other).status_code == 403
    applicant = factories.bearer(settings, factories.applicant_principal())
    assert client.post("/counter/dossiers", json=body, headers=applicant).status_code == 403
    no_paper = {**body, "submitter": {**body["submitter"], "authorisation": None}}
    del no_paper["submitter"]["authorisation"]
    assert "authorisation" in _errors(client.post("/counter/dossiers", json=no_paper, headers=officer))["submitter"]


def test_the_portal_lists_what_can_be_filed(client):
    procedures = client.get("/procedures").json
    assert {"1.001806", "1.012745", "2.000815"} <= {p["code"] for p in procedures}
    card = client.get("/procedures/1.001806").json
    assert card["time_limit"] == {"value": "10", "unit": "working_days"} and card["non_boundary"] is True
    assert client.get("/procedures/1.999998").status_code == 404
