"""Issue #15 in a real headless Chromium at 360 and 1280 px with axe-core on every page: the applicant rates their
returned dossier from the rating link (once), anyone sends a petition with a file, the agency answers it and the
sender rates the answer with the access key, a counter officer records a rating device's answer, and a manager
reads the dashboard — 766 group scores, on-time rate over time, channels, overdue, Circular 01 scores — follows a
figure to its dossiers, exports a table and prints the quarterly report."""

from __future__ import annotations

import shutil

import pytest
import requests

from services.intake.accounts.cli import DEMO_PASSWORD
from tests.support import factories, pdf
from tests.support.browser import SCREENSHOTS
from tests.support.waiting import eventually
from tools.devstack.paths import REPO

pytestmark = pytest.mark.stack

CENTRE, FINANCE = "000.00.12.H29", "000.00.14.H29"
DOCS = REPO / "docs" / "screenshots"


def token(site, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    answer = requests.post(f"{site.url('intake')}/auth/token", json={"username": username, "password": password},
                           timeout=10)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def returned_dossier(site, applicant: dict[str, str], *, channel_counter: bool = False) -> str:
    """A dossier of 2.001610 filed online by ``applicant`` (or at the counter), accepted, decided and returned,
    through the APIs as the officers would; returns its code."""
    intake, workflow = site.url("intake"), site.url("workflow")
    desk, specialist, head = (token(site, u) for u in ("motcua.h29", "chuyenvien.stc", "lanhdao.stc"))
    upload = requests.post(f"{intake}/uploads", headers=applicant, timeout=10,
                           files={"file": ("don.pdf", factories.pdf_bytes(), "application/pdf")}).json()["id"]
    filed = requests.post(f"{intake}/dossiers", headers=applicant, timeout=20, json={
        "procedure_code": "2.001610", "receiving_agency_code": CENTRE,
        "applicant": {"kind": "citizen", "full_name": "Nguyễn Văn An", "id_number": "001203004567"},
        "contact": {"email": "an@example.vn", "phone": factories.phone()}, "result_return": {"method": "online"},
        "attachments": [{"component": "Giấy đề nghị đăng ký doanh nghiệp", "component_code": "giay-de-nghi",
                         "copy_kind": "original", "file_id": upload},
                        {"component": "Bản sao căn cước", "component_code": "giay-to-phap-ly", "copy_kind": "copy",
                         "file_id": upload}]})
    assert filed.status_code == 201, filed.text
    dossier_id, code = filed.json()["id"], filed.json()["code"]

    def act(auth, action, body):
        answer = requests.post(f"{workflow}/dossiers/{dossier_id}/{action}", headers=auth, json=body, timeout=20)
        assert answer.status_code in (200, 404), answer.text  # 404: the workflow has not received it yet
        return answer.status_code == 200 and answer.json()

    eventually(lambda: act(desk, "accept", {}), timeout=60, what="accepted")
    act(specialist, "complete-step", {"note": "Hợp lệ"})
    act(head, "complete-step", {"result": {"number": "0318234567", "signer": "Lê Văn Cường",
                                           "signed_at": factories.utc_now().isoformat(), "result_code": "KQ-1",
                                           "file_url": "https://dichvucong.example.gov.vn/kq/1.pdf"}})
    act(desk, "notify-early-return", {})
    assert act(desk, "return-result", {"method": "online"})["status"]["code"] == 10
    return code


def test_ratings_petitions_and_the_managers_dashboard(site, browser):
    b = browser
    applicant = token(site, "congdan")
    code = returned_dossier(site, applicant)

    # The applicant opens the rating link, signed in, once the result was returned.
    b.sign_in("congdan", DEMO_PASSWORD)

    def rating_open():
        b.visit(f"/danh-gia/{code}")
        return "Gửi đánh giá" in b.text
    eventually(rating_open, timeout=60, what="the rating form (the feedback service learned the return)")
    b.click("Gửi đánh giá")  # nothing chosen: the errors link to their fields
    assert "Có lỗi cần sửa" in b.find(".error-summary").text
    b.check("danh-gia-loi")
    for name, value in (("time_vs_deadline", "early"), ("contacts", "none"), ("bodies_contacted", "none"),
                        ("staff_attitude", "good"), ("published_info", "accurate"), ("satisfied", "1")):
        b.choose(name, value)
    b.fill("comment", "Cán bộ hướng dẫn tận tình, trả kết quả sớm.")
    b.check("danh-gia")
    b.click("Gửi đánh giá")
    assert "Cảm ơn Ông/Bà đã đánh giá" in b.text and "Mỗi hồ sơ chỉ được đánh giá một lần" in b.text

    # Anyone sends a petition with a file, without signing in.
    b.signed_out()
    b.visit("/phan-anh")
    b.check("phan-anh-gui")
    b.choose("subject", "procedure")
    b.find(f"select[name='agency_code'] option[value='{FINANCE}']").click()
    for name, value in (("title", "Thành phần hồ sơ chưa rõ"), ("content", "Đề nghị hướng dẫn số bản sao cần nộp."),
                        ("full_name", "Lê Thị Mai"), ("email", "mai@example.vn")):
        b.fill(name, value)
    path = SCREENSHOTS.parent / "phan-anh.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(factories.pdf_bytes("Anh chup"))
    b.find("input[name='file']").send_keys(str(path))
    b.click("Gửi phản ánh, kiến nghị")
    assert b.h1() == "Đã gửi phản ánh, kiến nghị"
    petition = b.find(".panel__code").text
    key = b.find(".inset strong").text
    b.check("phan-anh-da-gui")

    # The agency concerned answers it.
    b.sign_in("chuyenvien.stc", DEMO_PASSWORD)
    b.visit("/can-bo/phan-anh")
    b.check("can-bo-phan-anh")
    b.click(petition)
    b.fill("answer", "Hồ sơ cần 01 bản sao giấy tờ pháp lý; đã cập nhật hướng dẫn trên Cổng.")
    b.choose("conclusion", "explained")
    b.check("can-bo-xu-ly-phan-anh")
    b.click("Gửi trả lời")
    assert "Đã gửi trả lời" in b.text

    # The sender reads the answer with the access key and rates it.
    b.signed_out()
    b.visit(f"/phan-anh/{petition}")
    b.fill("ma_bao_mat", key)
    b.click("Xem phản ánh, kiến nghị")
    assert "đã cập nhật hướng dẫn trên Cổng" in b.text
    b.choose("satisfied", "1")
    b.check("phan-anh-tra-loi")
    b.click("Gửi đánh giá")
    assert "Cảm ơn Ông/Bà đã đánh giá kết quả trả lời" in b.text

    # A counter officer records a rating device's answer for a dossier filed without an account.
    other = returned_dossier(site, token(site, "congdan"))
    b.sign_in("motcua.h29", DEMO_PASSWORD)

    def found():
        b.visit(f"/can-bo/danh-gia?ma={other}")
        return "Ghi nhận đánh giá" in b.text and "Nguồn đánh giá" in b.text
    eventually(found, timeout=60, what="the counter rating form")
    b.choose("channel", "device")
    for name, value in (("time_vs_deadline", "on_time"), ("contacts", "once"), ("bodies_contacted", "desk_only"),
                        ("staff_attitude", "normal"), ("satisfied", "0")):
        b.choose(name, value)
    b.check("can-bo-ghi-danh-gia")
    b.click("Ghi nhận đánh giá")
    assert f"Đã ghi nhận đánh giá của hồ sơ {other}" in b.text

    # The manager's dashboard: the figures of the quarter, each chart with its table.
    b.sign_in("giamsat.h29", DEMO_PASSWORD)

    def counted():
        b.visit("/quan-ly")
        return "Chỉ số phục vụ người dân, doanh nghiệp" in b.text and "2 lượt đánh giá" in b.text
    eventually(counted, timeout=90, what="the dashboard showing both ratings (the read model caught up)")
    assert len(b.all("svg.chart")) >= 4 and "Hồ sơ giải quyết đúng hạn" in b.text
    b.check("quan-ly-toan-he-thong")
    b.visit(f"/quan-ly?pham_vi=agency:{FINANCE}")
    assert "Đánh giá theo Thông tư 01/2018/TT-VPCP" in b.text
    b.check("quan-ly-co-quan")
    report = b.fetch(b.find("a[href*='/quan-ly/bao-cao.pdf']").get_attribute("href"))
    assert report.status_code == 200 and "BÁO CÁO KẾT QUẢ ĐÁNH GIÁ" in pdf.text(report.content)
    export = b.fetch(b.find("a[href*='bang=index766'][href*='dinh_dang=xlsx']").get_attribute("href"))
    assert export.status_code == 200 and export.content[:2] == b"PK"
    b.find("a[href*='chi_tieu=2.1'][href*='phan=on_time']").click()
    assert "Hồ sơ được tính" in b.h1()
    assert "agency:" not in b.find("p.lead").text  # the agency's name, not its scope code
    b.check("quan-ly-ho-so-duoc-tinh")
    b.visit(f"/quan-ly/can-bo?pham_vi=agency:{FINANCE}")
    assert "Phạm Minh Đức" in b.text or "Chưa có hồ sơ có kết quả" in b.text
    b.check("quan-ly-can-bo")

    serious = [v for page in b.pages.values() for v in page if v.get("impact") in ("serious", "critical")]
    assert not serious
    DOCS.mkdir(parents=True, exist_ok=True)
    for name in ("quan-ly-co-quan-1280", "quan-ly-toan-he-thong-360", "danh-gia-360", "phan-anh-gui-1280"):
        source = SCREENSHOTS / f"{name}.png"
        if source.exists():
            shutil.copyfile(source, SCREENSHOTS / f"issue15-{name}.png")
