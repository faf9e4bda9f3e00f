"""Public look-up by dossier code: code and completion level only, no login, no personal data
(Circular 01/2018 Art. 16(2)(d))."""

from __future__ import annotations

import json

from tests.support import factories


def test_anyone_can_see_where_a_dossier_stands_by_its_code(client, applicant, submission):
    _, auth = applicant
    body = submission(result_return=factories.postal_return())
    filed = client.post("/dossiers", json=body, headers=auth).json

    response = client.get(f"/lookup/{filed['code']}")

    assert response.status_code == 200
    assert response.json == {
        "code": filed["code"],
        "status": {"code": 1, "name": "Mới đăng ký"},
        "procedure_code": body["procedure_code"],
        "procedure_name": "Công nhận doanh nghiệp sử dụng từ 30% tổng số lao động trở lên là người khuyết tật",
        "receiving_agency_code": body["receiving_agency_code"],
        "submitted_at": filed["submitted_at"],
    }
    text = json.dumps(response.json, ensure_ascii=False)
    for personal in (body["applicant"]["full_name"], body["applicant"]["id_number"], body["contact"]["email"],
                     body["contact"]["phone"], "Trần Phú", filed["id"]):
        assert personal not in text


def test_an_unknown_or_malformed_code_is_404_in_vietnamese(client):
    unknown = client.get(f"/lookup/{factories.agency_code()}-261122-0001")
    malformed = client.get("/lookup/not-a-code")
    assert unknown.status_code == 404 and unknown.json["message"] == "Không tìm thấy hồ sơ với mã này."
    assert malformed.status_code == 404 and "định dạng" in malformed.json["message"]
