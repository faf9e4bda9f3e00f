"""Printable forms: PDFs on the paper the law asks for, Vietnamese fonts embedded, the dossier's data read
back from the PDF with its diacritics, and a QR code of the look-up page."""

from __future__ import annotations

from datetime import timedelta

from services.workflow.printing.resources import FIRST_RULE_SET
from shared.auth.roles import Role
from shared.clock import utc_now, vn_date
from tests.support import factories, pdf

DESK, HEALTH = "000.00.01.H11", "000.00.15.H11"


def _desk(settings):
    return factories.bearer(settings, factories.officer_principal(DESK, Role.COUNTER_OFFICER))


def _pdf(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    return response.data


def test_form_01_as_pdf_is_a5_with_embedded_fonts_and_reads_back_with_diacritics(client, file_dossier, settings):
    owner = factories.applicant_principal()
    dossier_id = file_dossier(owner=owner.subject)
    desk = _desk(settings)
    accepted = client.post(f"/dossiers/{dossier_id}/accept", json={}, headers=desk).json
    data = client.get(f"/dossiers/{dossier_id}/forms/receipt", headers=desk).json
    content = _pdf(client, f"/dossiers/{dossier_id}/forms/receipt?format=pdf", desk)

    assert pdf.page_size_mm(content) == (148, 210)  # A5 (Circular 01/2018 Art. 9(2))
    assert all(embedded for _, embedded in pdf.fonts(content)) and pdf.fonts(content)
    text = pdf.text(content)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mẫu số 01 ban hành kèm theo Thông tư 03/2025/TT-VPCP",
                     "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH CAO BẰNG", accepted["code"], "Nguyễn Thị Hoà",
                     data["appointment_at"], data["received_at"], "Thời gian trả kết quả", "Người tiếp nhận",
                     "Văn bản đề nghị công nhận"):
        assert expected in text, expected
    assert f"{settings.public_portal_url}/tra-cuu/{accepted['code']}" in text.replace(" ", "")  # may wrap
    # the owner prints it too; anyone else is refused
    assert _pdf(client, f"/dossiers/{dossier_id}/forms/receipt?format=pdf", factories.bearer(settings, owner))
    stranger = factories.bearer(settings, factories.applicant_principal())
    assert client.get(f"/dossiers/{dossier_id}/forms/receipt?format=pdf", headers=stranger).status_code == 404


def test_forms_02_03_04_06_and_the_stop_notice_as_pdf(client, file_dossier, settings):
    desk = _desk(settings)
    head = factories.bearer(settings, factories.officer_principal(HEALTH, Role.AGENCY_HEAD))

    asked = file_dossier()
    client.post(f"/dossiers/{asked}/request-supplement", headers=desk, json={"items": [
        {"name": "Giấy xác nhận khuyết tật", "reason": "Bản sao chưa được chứng thực"}]})
    text = pdf.text(_pdf(client, f"/dossiers/{asked}/forms/supplement_request?format=pdf", desk))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and "Mẫu số 02" in text
    assert "Giấy xác nhận khuyết tật: Bản sao chưa được chứng thực" in text

    refused = file_dossier()
    client.post(f"/dossiers/{refused}/refuse", headers=desk, json={"reasons": ["Thủ tục không thuộc thẩm quyền"]})
    text = pdf.text(_pdf(client, f"/dossiers/{refused}/forms/refusal?format=pdf", desk))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text and "Thủ tục không thuộc thẩm quyền" in text

    extended = file_dossier()
    accepted = client.post(f"/dossiers/{extended}/accept", json={}, headers=desk).json
    new_due = (utc_now() + timedelta(days=30)).isoformat()
    answer = client.post(f"/dossiers/{extended}/extend", headers=head,
                         json={"reason": "Cần xác minh thêm tại doanh nghiệp", "new_due": new_due})
    assert answer.status_code == 200, answer.json
    apology = pdf.text(_pdf(client, f"/dossiers/{extended}/forms/apology?format=pdf", head))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in apology and "Cần xác minh thêm tại doanh nghiệp" in apology
    assert "Sở Y tế tỉnh Cao Bằng xin lỗi Ông/Bà" in apology
    slip = pdf.text(_pdf(client, f"/dossiers/{extended}/forms/control_slip?format=pdf", desk))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in slip and "Mẫu số 06" in slip and accepted["code"] in slip

    stopped = file_dossier()
    client.post(f"/dossiers/{stopped}/accept", json={}, headers=desk)
    assert client.post(f"/dossiers/{stopped}/stop", headers=head,
                       json={"reason": "Người nộp đề nghị dừng giải quyết"}).status_code == 200
    notice = pdf.text(_pdf(client, f"/dossiers/{stopped}/forms/stop_notice?format=pdf", head))
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in notice and "Người nộp đề nghị dừng giải quyết" in notice


def test_the_tracking_book_is_a4_landscape_with_a_row_per_dossier_received(client, file_dossier, settings):
    desk = _desk(settings)
    received = file_dossier()
    code = client.post(f"/dossiers/{received}/accept", json={}, headers=desk).json["code"]
    today = vn_date(utc_now())
    url = f"/agencies/{DESK}/tracking-book?from={today - timedelta(days=1)}&to={today}"
    book = client.get(url, headers=desk).json
    assert book["number"] == "07" and code in [row["code"] for row in book["rows"]]
    content = _pdf(client, url + "&format=pdf", desk)
    assert pdf.page_size_mm(content) == (297, 210)
    text = pdf.text(content)
    assert "SỔ THEO DÕI HỒ SƠ" in text and code in text and "Ngày hẹn trả kết quả" in text
    elsewhere = factories.bearer(settings, factories.officer_principal("000.50.01.H40", Role.COUNTER_OFFICER))
    assert client.get(url, headers=elsewhere).status_code == 403
    assert client.get(f"/agencies/{DESK}/tracking-book?from={today}&to={today - timedelta(days=2)}",
                      headers=desk).status_code == 422


def test_a_tracking_book_before_any_rule_set_is_refused_not_a_500(client, settings):
    """No form existed before Decree 61/2018: a period ending earlier (found by `make fuzz`) is a 422."""
    before = FIRST_RULE_SET.effective_from - timedelta(days=1)
    refused = client.get(f"/agencies/{DESK}/tracking-book?from={before - timedelta(days=3)}&to={before}",
                         headers=_desk(settings))
    assert refused.status_code == 422, refused.data[:300]
    assert refused.json["errors"]["query"]["to"] == [f"Phải từ ngày {FIRST_RULE_SET.effective_from:%d/%m/%Y} trở đi."]


def test_an_unknown_format_is_refused_not_answered_with_json(client, file_dossier, settings):
    dossier_id = file_dossier()
    desk = _desk(settings)
    client.post(f"/dossiers/{dossier_id}/accept", json={}, headers=desk)
    refused = client.get(f"/dossiers/{dossier_id}/forms/receipt?format=docx", headers=desk)
    assert refused.status_code == 422 and refused.json["errors"]["query"]["format"] == [
        "Phải là một trong: json, html, pdf."]

