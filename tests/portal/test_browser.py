"""The browser scenario of issue #11, in a real headless Chromium at 360 and 1280 px with axe-core on every
page: a citizen signs up and files a dossier with real files (one rejected for its content first), the desk
officer asks once for a missing paper, the citizen answers it with a file, the officer accepts it and prints
Form 01, the citizen sees the appointment, and anyone follows the dossier by its code signed out. Then the
competent department processes it — the specialist completes the appraisal, the head enters the result — and
the desk returns it early: refused first with the article that forbids returning before telling the
applicant, then after the early-return notice; the citizen sees the result."""

from __future__ import annotations

import re
import uuid

import pytest

from services.intake.accounts.cli import DEMO_PASSWORD
from shared.clock import VN_TZ, utc_now
from shared.domain.rulesets import rule_set_for
from tests.portal.conftest import enter_the_result
from tests.support import factories, pdf
from tests.support.browser import Browser
from tests.support.waiting import eventually

pytestmark = pytest.mark.stack

DATE = re.compile(r"\d{2}:\d{2} ngày \d{2}/\d{2}/\d{4}")


def _files(tmp_path):
    paths = {}
    for name, content in (("de-nghi.pdf", factories.pdf_bytes("Giay de nghi")),
                          ("cccd.pdf", factories.pdf_bytes("Ban sao CCCD")),
                          ("bo-sung.pdf", factories.pdf_bytes("Ban sao bo sung")),
                          ("gia-mao.pdf", b"MZ this is not a PDF at all")):
        path = tmp_path / name
        path.write_bytes(content)
        paths[name] = str(path)
    return paths


def _sign_in(browser, username, password=DEMO_PASSWORD):
    browser.visit("/dang-nhap")
    browser.fill("username", username)
    browser.fill("password", password)
    browser.click("Đăng nhập")


def test_file_supplement_accept_print_and_follow_by_code(site, browser, tmp_path):
    files = _files(tmp_path)
    b = browser

    # Anyone: the start page and procedures found without diacritics.
    b.visit("/")
    assert b.h1() == "Dịch vụ công trực tuyến một cửa"
    b.check("trang-chu")
    b.visit("/thu-tuc?q=chung+thuc+ban+sao")
    assert "Chứng thực bản sao từ bản chính giấy tờ, văn bản" in b.text
    b.visit("/thu-tuc?q=dang+ky+thanh+lap")
    assert "Đăng ký thành lập doanh nghiệp tư nhân" in b.text and "Tìm thấy 1 thủ tục." in b.text
    b.check("thu-tuc")
    b.click("Đăng ký thành lập doanh nghiệp tư nhân")
    assert "Luật Doanh nghiệp số 59/2020/QH14" in b.text and "50.000 đồng" in b.text
    b.check("thu-tuc-chi-tiet")

    # Sign up.
    b.visit("/dang-ky")
    b.check("dang-ky")
    username = f"cd{uuid.uuid4().hex[:8]}"
    for name, value in (("full_name", "Nguyễn Thị Hoà"), ("id_number", "001203004567"), ("phone", "0912345678"),
                        ("email", f"{username}@example.vn"), ("username", username),
                        ("password", "mat-khau-2026"), ("password_again", "mat-khau-2026")):
        b.fill(name, value)
    b.click("Đăng ký")
    assert b.h1() == "Hồ sơ của tôi"

    # File online, step by step.
    b.visit("/thu-tuc/2.001610")
    b.click("Nộp hồ sơ trực tuyến")
    b.check("nop-bat-dau")
    b.click("Bắt đầu")
    b.fill("id_number", "12345")
    b.click("Tiếp tục")
    assert "Số định danh cá nhân gồm đúng 12 chữ số" in b.find(".error-summary").text
    assert b.driver.title.startswith("Lỗi:")
    b.check("nop-nguoi-nop-loi")
    b.find(".error-summary a").click()  # the summary links to the field (same page: no navigation)
    assert b.driver.switch_to.active_element.get_attribute("name") == "id_number"
    b.fill("id_number", "001203004567")
    b.fill("phone", "0912 345 678")
    b.click("Tiếp tục")

    assert b.h1() == "Tải lên giấy tờ"
    b.find("input[name='file-giay-de-nghi']").send_keys(files["gia-mao.pdf"])
    b.find("input[name='file-giay-to-phap-ly']").send_keys(files["cccd.pdf"])
    b.click("Tiếp tục")
    assert "Chỉ nhận tệp PDF, JPEG, PNG, DOCX" in b.find(".error-summary").text
    b.check("nop-giay-to-loi")
    b.find("input[name='file-giay-de-nghi']").send_keys(files["de-nghi.pdf"])
    b.click("Lưu nháp")  # a draft is saved and resumed from "Hồ sơ của tôi"
    b.shows("Đã lưu bản nháp")
    b.check("ho-so-cua-toi-ban-nhap")
    b.click("Đăng ký thành lập doanh nghiệp tư nhân")
    b.visit(b.path.replace("kiem-tra", "giay-to").replace("nguoi-nop", "giay-to"))
    b.shows("Đã tải lên: de-nghi.pdf")
    assert "Đã tải lên: cccd.pdf" in b.text
    b.click("Tiếp tục")
    b.check("nop-nhan-ket-qua")
    b.choose("method", "online")
    b.click("Tiếp tục")
    assert b.h1() == "Kiểm tra thông tin trước khi nộp"
    assert "Nguyễn Thị Hoà" in b.text and "de-nghi.pdf" in b.text and "Nhận trực tuyến" in b.text
    b.check("nop-kiem-tra")
    b.click("Nộp hồ sơ")

    assert b.h1() == "Đã nộp hồ sơ"
    code = b.find(".panel__code").text
    assert re.fullmatch(r"H29\.101\.14-\d{6}-01\d{4,}", code)  # format B: a centrally provided service
    assert b.find(".qr-block img").get_attribute("src").startswith("data:image/svg+xml")
    assert f"{site.url('portal')}/tra-cuu/{code}" in b.text
    b.check("nop-da-nop")
    b.click("Xem hồ sơ")
    dossier_path = b.path
    b.check("ho-so-moi-nop")

    # The desk officer asks once for a clearer copy (Form 02).
    officer = Browser(site.url("portal"))
    try:
        _sign_in(officer, "motcua.h29")
        assert officer.h1() == "Hồ sơ cần xử lý"

        def listed():
            officer.visit("/can-bo/ho-so")
            return code in officer.text
        eventually(listed, what="the dossier in the desk's queue")
        officer.check("can-bo-hang-doi")
        officer.click(code)
        officer.check("can-bo-ho-so")
        officer.find("#missing-giay-to-phap-ly").click()
        officer.fill("reason", "Bản sao căn cước bị mờ, cần bản rõ nét")
        officer.act("Yêu cầu bổ sung")
        officer.shows("Đã gửi yêu cầu bổ sung")

        # The citizen answers with a file.
        def asked():
            b.visit(dossier_path)
            return "Cơ quan yêu cầu bổ sung hồ sơ" in b.text
        eventually(asked, what="the supplementation request on the citizen's page")
        assert "Bản sao căn cước bị mờ, cần bản rõ nét" in b.text
        b.check("ho-so-yeu-cau-bo-sung")
        b.click("Bổ sung hồ sơ")
        b.click("Gửi giấy tờ bổ sung")
        assert "Tải lên giấy tờ" in b.find(".error-summary").text
        b.check("bo-sung-loi")
        b.find("input[name='file-0']").send_keys(files["bo-sung.pdf"])
        b.click("Gửi giấy tờ bổ sung")
        b.shows("Đã gửi giấy tờ bổ sung")

        # The officer accepts it and prints Form 01.
        officer.visit("/can-bo/ho-so")
        officer.click(code)
        assert "bo-sung.pdf" in officer.text  # the supplied file is the dossier's now
        officer.act("Tiếp nhận và in Giấy hẹn")
        officer.shows("Đã tiếp nhận hồ sơ")
        officer.check("can-bo-da-tiep-nhan")
        href = officer.find("a[href$='/in/receipt.pdf']").get_attribute("href")
        printed = officer.fetch(href)
        assert printed.status_code == 200 and printed.headers["Content-Type"] == "application/pdf"
        text = pdf.text(printed.content)
        assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and code in text and "Nguyễn Thị Hoà" in text
        assert pdf.page_size_mm(printed.content) == (148, 210)
    finally:
        officer.quit()

    # The citizen sees the appointment, explained, and the receipt.
    b.visit(dossier_path)
    appointment = b.find(".appointment").text
    assert DATE.fullmatch(appointment), appointment
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01) (PDF)" in b.text
    b.check("ho-so-da-tiep-nhan")
    mine = b.fetch(b.find("a[href$='/bieu-mau/receipt.pdf']").get_attribute("href"))
    assert mine.status_code == 200 and code in pdf.text(mine.content)

    # Signed out, anyone follows it by its code (no personal data), and the rating link never 404s.
    b.click("Đăng xuất")
    assert b.h1() == "Anh/chị đã đăng xuất"
    b.visit(dossier_path)
    assert b.path.startswith("/dang-nhap")  # the session ended
    b.visit("/tra-cuu")
    b.check("tra-cuu")
    b.fill("ma", code)
    b.click("Tra cứu")
    assert b.h1() == f"Hồ sơ {code}" and "Được tiếp nhận" in b.text and appointment in b.text
    assert "Nguyễn Thị Hoà" not in b.text and "001203004567" not in b.text
    b.check("tra-cuu-ket-qua")
    b.visit(f"/lookup/{code}")  # the link in e-mails and SMS
    assert b.h1() == f"Hồ sơ {code}"
    b.visit(f"/danh-gia/{code}")
    assert "Việc đánh giá được mở khi hồ sơ được trả kết quả" in b.text
    b.check("danh-gia")
    b.visit("/trang-khong-co")
    assert b.h1() == "Không tìm thấy trang"
    b.check("loi-404")

    # The Department of Finance: the specialist completes the appraisal, the head enters the result.
    officer = Browser(site.url("portal"))
    try:
        officer.sign_in("chuyenvien.stc", DEMO_PASSWORD)
        eventually(lambda: officer.visit("/can-bo/ho-so") or code in officer.text, what="the dossier at the STC")
        officer.click(code)
        officer.fill("note", "Hồ sơ hợp lệ, đủ điều kiện cấp giấy chứng nhận")
        officer.act("Hoàn thành bước")
        officer.shows("Đã hoàn thành bước và chuyển tiếp")

        officer.sign_in("lanhdao.stc", DEMO_PASSWORD)
        officer.visit(f"/can-bo/ho-so/{dossier_path.rsplit('/', 1)[1]}")
        enter_the_result(officer, "can-bo-nhap-ket-qua")  # the result fields are folded away until the last step
        officer.shows("Đã hoàn thành bước và chuyển tiếp")
        assert "Đã xử lý xong" in officer.find(".status-line").text

        # The desk returns it before the appointment: refused until the applicant has been told (the article).
        officer.sign_in("motcua.h29", DEMO_PASSWORD)
        officer.visit(f"/can-bo/ho-so/{dossier_path.rsplit('/', 1)[1]}")
        officer.act("Trả kết quả")
        guard = officer.find(".error-summary").text
        # the article of the dossier's own rule set (received today, on the pinned clock)
        citation = rule_set_for(utc_now().astimezone(VN_TZ).date()).cite("early_return")  # " (Nghị định …)"
        assert f"cần thông báo trước cho người nộp hồ sơ{citation}" in guard
        officer.check("can-bo-tra-som-loi")
        officer.act("Thông báo trả kết quả sớm")
        officer.shows("Đã thông báo trả kết quả sớm")
        officer.act("Trả kết quả")
        officer.shows("Đã trả kết quả")
        assert "Đã trả kết quả" in officer.find(".status-line").text
    finally:
        officer.quit()

    b.sign_in(username, "mat-khau-2026")
    b.visit(dossier_path)
    assert "0318234567" in b.text and "Giấy chứng nhận đăng ký doanh nghiệp" in b.text
    b.check("ho-so-da-tra-ket-qua")

    serious = [v for page in b.pages.values() for v in page if v.get("impact") in ("serious", "critical")]
    assert not serious
