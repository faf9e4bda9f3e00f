"""The core flows with JavaScript off (issue #11: "server-rendered pages with progressive enhancement: filing,
look-up, reception decision, completing a step work with JavaScript off"), in a real headless Chromium whose
JavaScript is turned off as a person turns it off in its settings: a citizen signs in and files a dossier step by
step with a real file per component, the server's error summary when a required answer is missing, the answers
checked, the receipt with the code; anyone looks it up by code signed out; the desk accepts it and Form 01 prints;
the specialist completes the appraisal and the head enters the result. Every step is a plain link or form post,
and each page is asserted on what it shows. axe-core is not run here (see ``Browser.check``): the JavaScript-on
browser tests run it on the same pages."""

from __future__ import annotations

import re

import pytest

from services.intake.accounts.cli import DEMO_APPLICANT, DEMO_PASSWORD
from tests.portal.conftest import enter_the_result
from tests.support import factories, pdf
from tests.support.browser import Browser
from tests.support.waiting import eventually

pytestmark = pytest.mark.stack

PROCEDURE = "2.001610"  # Đăng ký thành lập doanh nghiệp tư nhân: two components, received at the demo centre


@pytest.fixture
def browser(site):
    opened = Browser(site.url("portal"), javascript=False)
    yield opened
    opened.quit()


def test_filing_look_up_acceptance_and_steps_with_javascript_off(site, browser, tmp_path):
    b = browser
    username, full_name, id_number = DEMO_APPLICANT

    # JavaScript is really off: a page's own script does not run, and on the portal portal.js's one effect (the
    # focus moved to an error summary) is absent below.
    assert not b.runs_page_scripts()

    files = {}
    for name, content in (("de-nghi.pdf", factories.pdf_bytes("Giay de nghi")),
                          ("cccd.pdf", factories.pdf_bytes("Ban sao CCCD"))):
        (tmp_path / name).write_bytes(content)
        files[name] = str(tmp_path / name)

    # The citizen signs in and finds the procedure with the search form (a GET form).
    b.sign_in(username, DEMO_PASSWORD)
    assert b.h1() == "Hồ sơ của tôi"
    b.click("Thủ tục hành chính")
    b.fill("q", "dang ky thanh lap")
    b.click("Tìm kiếm")
    assert "Tìm thấy 1 thủ tục." in b.text
    b.click("Đăng ký thành lập doanh nghiệp tư nhân")
    assert b.path == f"/thu-tuc/{PROCEDURE}"
    b.click("Nộp hồ sơ trực tuyến")
    assert b.h1() == "Đăng ký thành lập doanh nghiệp tư nhân" and "Nộp hồ sơ trực tuyến" in b.text
    b.click("Bắt đầu")

    # The applicant: a required answer left empty comes back with the server's error summary.
    assert b.h1() == "Thông tin người nộp hồ sơ"
    b.choose("kind", "citizen")
    b.fill("full_name", "")
    b.fill("id_number", id_number)
    b.fill("phone", "0912345678")
    b.click("Tiếp tục")
    assert b.h1() == "Thông tin người nộp hồ sơ" and b.driver.title.startswith("Lỗi:")
    summary = b.find(".error-summary")
    assert "Có lỗi cần sửa" in summary.text and "Nhập họ và tên (hoặc tên tổ chức)." in summary.text
    assert "Nhập họ và tên (hoặc tên tổ chức)." in b.find("#full_name-error").text  # beside the field too
    assert b.find("input[name='id_number']").get_attribute("value") == id_number  # the other answers kept
    # portal.js would have focused the summary (its only job): with JavaScript off nothing did
    assert b.driver.switch_to.active_element != summary
    b.check("khong-js-nguoi-nop-loi")
    b.find(".error-summary a").click()  # a plain in-page link to the field
    assert b.driver.switch_to.active_element.get_attribute("name") == "full_name"
    b.fill("full_name", full_name)
    b.click("Tiếp tục")

    # One real file per component: the one forgotten is asked for, the one sent is kept.
    assert b.h1() == "Tải lên giấy tờ"
    b.find("input[name='file-giay-de-nghi']").send_keys(files["de-nghi.pdf"])
    b.click("Tiếp tục")
    assert b.h1() == "Tải lên giấy tờ"
    assert "Tải lên bản sao giấy tờ pháp lý của chủ doanh nghiệp." in b.find(".error-summary").text
    b.shows("Đã tải lên: de-nghi.pdf")
    b.find("input[name='file-giay-to-phap-ly']").send_keys(files["cccd.pdf"])
    b.click("Tiếp tục")

    assert b.h1() == "Anh/chị muốn nhận kết quả bằng cách nào?"
    b.choose("method", "online")
    b.click("Tiếp tục")

    assert b.h1() == "Kiểm tra thông tin trước khi nộp"
    for shown in (full_name, id_number, "0912345678", "de-nghi.pdf", "cccd.pdf", "Nhận trực tuyến"):
        b.shows(shown)
    b.check("khong-js-kiem-tra")
    b.click("Nộp hồ sơ")

    assert b.h1() == "Đã nộp hồ sơ"
    code = b.find(".panel__code").text
    assert re.fullmatch(r"H29\.101\.14-\d{6}-01\d{4,}", code)
    assert b.find(".qr-block img").get_attribute("src").startswith("data:image/svg+xml")
    b.check("khong-js-da-nop")
    b.click("Xem hồ sơ")
    assert b.h1() == f"Hồ sơ {code}"
    dossier_id = b.path.rsplit("/", 1)[1]

    # Signed out (the sign-out button is a form post), anyone looks it up by code, with no personal data.
    b.click("Đăng xuất")
    assert b.h1() == "Anh/chị đã đăng xuất"
    b.click("Tra cứu hồ sơ")
    b.fill("ma", "khong-phai-ma")
    b.click("Tra cứu")
    assert "Mã hồ sơ chưa đúng định dạng" in b.find(".error-summary").text
    b.fill("ma", code)
    b.click("Tra cứu")
    assert b.h1() == f"Hồ sơ {code}"
    assert "Mới đăng ký" in b.find(".status-line").text and "Chưa có (hồ sơ chưa được tiếp nhận)" in b.text
    assert full_name not in b.text and id_number not in b.text
    b.check("khong-js-tra-cuu")

    # The desk accepts it from its queue; Form 01 is a link that answers a PDF.
    b.sign_in("motcua.h29", DEMO_PASSWORD)
    assert b.h1() == "Hồ sơ cần xử lý"
    eventually(lambda: b.visit("/can-bo/ho-so") or code in b.text, what="the dossier in the desk's queue")
    b.click(code)
    assert b.h1() == f"Hồ sơ {code}" and "Quyết định tiếp nhận" in b.text
    assert "de-nghi.pdf" in b.text and "cccd.pdf" in b.text
    b.act("Tiếp nhận và in Giấy hẹn")
    b.shows("Đã tiếp nhận hồ sơ")
    assert "Được tiếp nhận" in b.find(".status-line").text
    link = b.find("a[href$='/in/receipt.pdf']")
    assert link.text == "In Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01)"
    printed = b.fetch(link.get_attribute("href"))
    assert printed.status_code == 200 and printed.headers["Content-Type"] == "application/pdf"
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in pdf.text(printed.content) and code in pdf.text(printed.content)
    b.check("khong-js-da-tiep-nhan")

    # The Department of Finance: the specialist completes the appraisal, the head enters the result in the
    # folded part of the same form (<details>, which opens without a script).
    b.sign_in("chuyenvien.stc", DEMO_PASSWORD)
    eventually(lambda: b.visit("/can-bo/ho-so") or code in b.text, what="the dossier at the department")
    b.click(code)
    b.fill("note", "Hồ sơ hợp lệ, đủ điều kiện cấp giấy chứng nhận")
    b.act("Hoàn thành bước")
    b.shows("Đã hoàn thành bước và chuyển tiếp")
    assert "Đang xử lý" in b.find(".status-line").text

    b.sign_in("lanhdao.stc", DEMO_PASSWORD)
    b.visit(f"/can-bo/ho-so/{dossier_id}")
    b.act("Hoàn thành bước")  # the last step without its result
    assert "Bước cuối cần thông tin kết quả (số, người ký, ngày ký)." in b.find(".error-summary").text
    assert "Đang xử lý" in b.find(".status-line").text
    enter_the_result(b, "khong-js-nhap-ket-qua")
    b.shows("Đã hoàn thành bước và chuyển tiếp")
    assert "Đã xử lý xong" in b.find(".status-line").text

    # Signed out again, the look-up shows where it stands now.
    b.signed_out()

    def looked_up():
        b.visit("/tra-cuu")
        b.fill("ma", code)
        b.click("Tra cứu")
        return "Đã xử lý xong" in b.find(".status-line").text
    eventually(looked_up, what="the result ready in the public look-up")
    assert re.search(r"Ngày hẹn trả kết quả\s+\d{2}:\d{2} ngày \d{2}/\d{2}/\d{4}", b.text), b.text
