"""The officer console and administration in a real headless Chromium at 360 and 1280 px, axe-core on every
page: an administrator creates the accounts of a land registration office and the tax authority (a postal
clerk at a post office, roles changed, an account deactivated); a walk-in applicant's dossier is filed at the
counter by an authorised person with scanned papers and a paper checklist, accepted with Form 01 and its
postal status shown; the head assigns it, the specialist consults the tax authority (which answers from its
inbox) and schedules a verification; the tax authority sets the financial obligation and the desk records the
payment. Then the administrator works on procedures (a new version, a draft published with its validity
window, a YAML import) and a calendar announcement whose moved dossiers are shown before it is saved."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import pytest
import requests

from services.intake.accounts.cli import DEMO_AGENCY, DEMO_PASSWORD
from shared.clock import VN_TZ, utc_now
from tests.support import factories, pdf
from tests.support.browser import Browser
from tests.support.waiting import eventually

pytestmark = pytest.mark.stack

LAND_OFFICE, TAX = "000.00.22.H29", "000.00.18.G12"   # seed catalogue: procedure 1.004227's agencies
PASSWORD = "mat-khau-can-bo-2026"


def _create_account(b: Browser, full_name: str, username: str, roles: list[str], agency: str | None = None,
                    post_office: str | None = None) -> None:
    b.visit("/quan-tri/tai-khoan/moi")
    for name, value in (("full_name", full_name), ("username", username), ("password", PASSWORD),
                        ("password_again", PASSWORD)):
        b.fill(name, value)
    for role in roles:
        b.tick("roles", role)
    if post_office:
        b.choose("workplace", "post_office")
        b.fill("post_office", post_office)
    else:
        b.choose("workplace", "agency")
        b.pick("agency_code", agency)
    b.click("Tạo tài khoản")


def test_counter_filing_processing_payment_and_postal_status(site, browser, tmp_path):
    b, tag = browser, uuid.uuid4().hex[:6]
    specialist, head, tax = f"cv.vpdk.{tag}", f"ld.vpdk.{tag}", f"cv.thue.{tag}"

    # The administrator creates the officers.
    b.sign_in("admin", DEMO_PASSWORD)
    assert b.h1() == "Quản trị hệ thống"
    b.check("quan-tri")
    b.visit("/quan-tri/tai-khoan/moi")
    b.check("quan-tri-tai-khoan-moi")
    _create_account(b, "Võ Văn Bưu", f"buucuc.{tag}", ["postal_staff"], agency=DEMO_AGENCY)
    assert "Nhân viên bưu chính thuộc một bưu cục" in b.find(".error-summary").text
    b.check("quan-tri-tai-khoan-loi")
    _create_account(b, "Võ Văn Bưu", f"buucuc.{tag}", ["postal_staff"], post_office="700001")
    b.shows("Đã tạo tài khoản")
    assert "Bưu cục 700001" in b.text
    b.check("quan-tri-tai-khoan")
    b.click("Khóa tài khoản")
    b.shows("Đã khóa tài khoản")
    assert "Đã khóa" in b.text
    _create_account(b, "Ngô Văn Đạt", specialist, ["specialist"], agency=LAND_OFFICE)
    _create_account(b, "Đinh Thị Lan", head, ["agency_head"], agency=LAND_OFFICE)
    _create_account(b, "Mai Văn Thuế", tax, ["clerk"], agency=TAX)
    b.untick("roles", "clerk")  # a slip: the tax officer appraises, they are no clerk
    b.tick("roles", "specialist")
    b.click("Lưu vai trò")
    b.shows("Đã đổi vai trò")
    assert "Chuyên viên xử lý" in b.find(".summary").text
    b.visit(f"/quan-tri/tai-khoan?co_quan={LAND_OFFICE}")
    assert specialist in b.text and head in b.text
    b.check("quan-tri-danh-sach-tai-khoan")
    b.sign_in(f"buucuc.{tag}", PASSWORD, refused=True)
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in b.text  # deactivated

    # A walk-in applicant's dossier at the counter: an authorised person, two scans, one paper presented.
    files = {}
    for name, content in (("don.pdf", factories.pdf_bytes("Don dang ky")), ("hop-dong.pdf", factories.pdf_bytes()),
                          ("gia-mao.pdf", b"MZ not a PDF")):
        (tmp_path / name).write_bytes(content)
        files[name] = str(tmp_path / name)
    b.sign_in("motcua.h29", DEMO_PASSWORD)
    b.click("Tiếp nhận tại quầy")
    b.check("tiep-nhan-quay")
    b.click("Đăng ký biến động quyền sử dụng đất")
    b.check("tiep-nhan-quay-ho-so")
    for name, value in (("full_name", "Lê Thị Mai"), ("id_number", "079190001234"), ("phone", "0903123456"),
                        ("submitter_full_name", "Trần Văn Hùng"), ("submitter_id_number", "079085004321"),
                        ("submitter_authorisation", "Giấy ủy quyền số 12/2026, chứng thực tại UBND phường Sài Gòn"),
                        ("line", "Số 5 Nguyễn Huệ"), ("commune_code", "26734"), ("commune_name", "Phường Sài Gòn"),
                        ("recipient_phone", "0903123456")):
        b.fill(name, value)
    b.choose("submitter_relation", "authorised")
    b.choose("method", "post")
    b.pick("province_code", "79")
    b.find("input[name='file-don-dang-ky']").send_keys(files["gia-mao.pdf"])
    b.find("input[name='file-hop-dong']").send_keys(files["hop-dong.pdf"])
    b.tick("presented", "giay-chung-nhan")
    b.click("Lưu hồ sơ và cấp mã")
    assert "Chỉ nhận tệp PDF, JPEG, PNG, DOCX" in b.find(".error-summary").text
    assert "Đã tải lên: hop-dong.pdf" in b.text  # the good scan is kept; the form keeps every answer
    assert b.find("input[name='submitter_full_name']").get_attribute("value") == "Trần Văn Hùng"
    b.check("tiep-nhan-quay-loi")
    b.find("input[name='file-don-dang-ky']").send_keys(files["don.pdf"])
    b.click("Lưu hồ sơ và cấp mã")
    assert b.h1() == "Đã lưu hồ sơ"
    code = b.find(".panel__code").text
    assert re.fullmatch(r"000\.00\.12\.H29-\d{6}-\d{4,}", code)
    b.check("tiep-nhan-quay-da-luu")
    b.click("Kiểm tra và quyết định tiếp nhận")
    dossier = b.path

    def arrived():
        b.visit(dossier)
        return "Quyết định tiếp nhận" in b.text and "Chờ kết quả để chuyển phát" in b.text
    eventually(arrived, what="the counter dossier at the workflow, its result delivery planned by the postal service")
    assert "Trần Văn Hùng (được ủy quyền" in b.text and "Bưu chính công ích" in b.text
    assert b.find("#presented-giay-chung-nhan").is_selected()  # the counter's checklist, carried over
    b.untick("presented", "giay-chung-nhan")
    b.act("Tiếp nhận và in Giấy hẹn")
    assert "Thiếu: Giấy chứng nhận đã cấp." in b.find(".error-summary").text  # the API's words
    b.check("can-bo-tiep-nhan-thieu")
    b.tick("presented", "giay-chung-nhan")
    b.act("Tiếp nhận và in Giấy hẹn")
    b.shows("Đã tiếp nhận hồ sơ")
    printed = b.fetch(b.find("a[href$='/in/receipt.pdf']").get_attribute("href"))
    assert code in pdf.text(printed.content) and "Lê Thị Mai" in pdf.text(printed.content)

    # The head of the land registration office assigns it to the specialist.
    b.sign_in(head, PASSWORD)
    eventually(lambda: b.visit("/can-bo/ho-so") or code in b.text, what="the dossier at the land office")
    b.click(code)
    assert "Ngô Văn Đạt" in b.find("select[name='assignee']").text  # the office's officers, by name
    b.check("can-bo-phan-cong")
    b.pick("assignee", next(o.get_attribute("value") for o in b.all("select[name='assignee'] option")
                            if o.text.startswith("Ngô Văn Đạt")))
    b.act("Phân công")
    b.shows("Đã phân công xử lý")

    # The specialist consults the tax authority and schedules a verification.
    b.sign_in(specialist, PASSWORD)
    b.visit(dossier)
    b.pick("agency_code", TAX)
    b.fill("question", "Đề nghị cho ý kiến về giá tính lệ phí trước bạ của thửa đất")
    b.fill("limit_value", "2")
    b.act("Gửi lấy ý kiến")
    b.shows("Đã gửi đề nghị cho ý kiến")
    assert "Phân công cho Ngô Văn Đạt" in b.text and "Lấy ý kiến Thuế Thành phố Hồ Chí Minh" in b.text  # names
    at = (utc_now() + timedelta(days=1)).astimezone(VN_TZ).replace(hour=9, minute=0)
    b.set_value("#schedule-verification-at", f"{at:%Y-%m-%dT%H:%M}")
    b.fill("place", "Thửa đất số 12, tờ bản đồ số 5, phường Sài Gòn")
    b.fill("participants", "Ngô Văn Đạt\nLê Thị Mai")
    b.fill("content", "Đối chiếu hiện trạng thửa đất")
    b.act("Hẹn xác minh")
    b.shows("Đã hẹn xác minh")
    assert f"{at:%H:%M ngày %d/%m/%Y} tại Thửa đất số 12" in b.text
    b.check("can-bo-xu-ly")

    # The tax authority finds the request in its inbox and answers.
    b.sign_in(tax, PASSWORD)
    b.click("Thông báo")
    eventually(lambda: b.visit("/can-bo/thong-bao") or f"Đề nghị cho ý kiến về hồ sơ {code}" in b.text,
               what="the consultation request in the tax authority's inbox")
    b.check("can-bo-thong-bao")
    b.click(f"Đề nghị cho ý kiến về hồ sơ {code}")
    b.fill("answer", "Giá tính lệ phí theo bảng giá đất năm 2026 của Thành phố")
    b.check("can-bo-tra-loi-y-kien")
    b.act("Gửi ý kiến trả lời")
    b.shows("Đã gửi ý kiến trả lời")
    assert "Giá tính lệ phí theo bảng giá đất" in b.text

    # The appraisal is done; the tax authority states the financial obligation (the API refuses it without).
    b.sign_in(specialist, PASSWORD)
    b.visit(dossier)
    b.fill("note", "Hồ sơ hợp lệ, chuyển cơ quan thuế")
    b.act("Hoàn thành bước")
    b.shows("Đã hoàn thành bước")
    b.sign_in(tax, PASSWORD)
    b.visit(dossier)
    b.act("Thông báo nghĩa vụ tài chính")
    assert "Cần số tiền và nội dung nghĩa vụ tài chính." in b.find(".error-summary").text
    b.fill("obligation_amount", "1.250.000")
    b.fill("obligation_description", "Lệ phí trước bạ nhà, đất")
    b.act("Thông báo nghĩa vụ tài chính")
    assert "Yêu cầu thực hiện nghĩa vụ tài chính" in b.find(".status-line").text
    assert "1.250.000 đồng" in b.text
    b.check("can-bo-nghia-vu-tai-chinh")

    # The applicant paid: the desk records the voucher and processing resumes.
    b.sign_in("motcua.h29", DEMO_PASSWORD)
    b.visit(dossier)
    b.fill("voucher", "BL-2026-001234")
    b.check("can-bo-ghi-nhan-nop-tien")
    b.act("Ghi nhận đã nộp")
    assert "Đang xử lý" in b.find(".status-line").text and "chứng từ BL-2026-001234" in b.text

    serious = [v for page in b.pages.values() for v in page if v.get("impact") in ("serious", "critical")]
    assert not serious


def _accepted_dossier(site) -> tuple[dict, dict[str, str]]:
    """A dossier filed at the demo counter and accepted, through the APIs (what the preview will move)."""
    def token(username):
        return requests.post(f"{site.url('intake')}/auth/token", timeout=30, json={
            "username": username, "password": DEMO_PASSWORD}).json()["access_token"]
    desk = {"Authorization": f"Bearer {token('motcua.h29')}"}
    upload = requests.post(f"{site.url('intake')}/uploads", headers=desk, timeout=30,
                           files={"file": ("de-nghi.pdf", factories.pdf_bytes())}).json()
    body = factories.submission(procedure_code="2.001610", receiving_agency_code=DEMO_AGENCY,
                                submitter={"full_name": "Nguyễn Văn An", "id_number": "001203004567",
                                           "relation": "self"})
    body["attachments"] = [{"component": "Giấy đề nghị", "component_code": "giay-de-nghi", "copy_kind": "original",
                            "file_id": upload["id"]}]
    filed = requests.post(f"{site.url('intake')}/counter/dossiers", headers=desk, json=body, timeout=30)
    assert filed.status_code == 201, filed.text
    dossier_id = filed.json()["id"]
    eventually(lambda: requests.get(f"{site.url('workflow')}/dossiers/{dossier_id}", headers=desk,
                                    timeout=30).status_code == 200, what="the dossier at the workflow")
    accepted = requests.post(f"{site.url('workflow')}/dossiers/{dossier_id}/accept", headers=desk, timeout=30,
                             json={"presented": ["giay-to-phap-ly"]})
    assert accepted.status_code == 200, accepted.text
    return accepted.json(), desk


def test_procedures_and_a_calendar_announcement_with_its_moved_dossiers_shown_first(site, browser, tmp_path):
    b, tag = browser, uuid.uuid4().hex[:6]
    today = utc_now().astimezone(VN_TZ).date()
    b.sign_in("admin", DEMO_PASSWORD)
    assert b.path == "/quan-tri", b.path  # the administrator's home, whose cards lead on

    # Procedures: the list, one procedure, a new draft version edited and published from a day.
    b.click("Thủ tục hành chính")
    b.check("quan-tri-thu-tuc")
    b.click("1.001806")
    b.check("quan-tri-thu-tuc-chi-tiet")
    b.click("Tạo phiên bản mới")
    document = b.find("#document").get_attribute("value")
    assert "code: '1.001806'" in document and "process:" in document
    b.check("quan-tri-phien-ban-moi")
    b.set_value("#document", document.replace("online: full", "online: partial"))
    b.click("Lưu bản nháp")
    b.shows("Đã tạo bản nháp phiên bản")
    assert "Bản nháp" in b.find(".status-line").text
    b.check("quan-tri-ban-nhap")
    b.click("Sửa bản nháp")
    b.check("quan-tri-sua-ban-nhap")
    b.set_value("#document", "process: [")
    b.click("Lưu bản nháp")
    assert "Nội dung không phải YAML/JSON hợp lệ" in b.find(".error-summary").text
    b.visit(b.path.rsplit("/sua", 1)[0])
    b.set_value("#valid_from", (today + timedelta(days=30)).isoformat())
    b.set_value("#valid_until", (today + timedelta(days=10)).isoformat())
    b.click("Công bố")
    assert "Phải sau ngày có hiệu lực." in b.find(".error-summary").text  # the API's words for the field
    b.check("quan-tri-cong-bo-loi")
    b.set_value("#valid_from", (today + timedelta(days=30)).isoformat())
    b.set_value("#valid_until", "")
    b.click("Công bố")
    b.shows("Đã công bố phiên bản")
    assert "Đã công bố" in b.find(".status-line").text
    assert f"{today + timedelta(days=30):%d/%m/%Y}" in b.find(".status-line").text

    # Import a YAML file: a new one-stop centre.
    agency = f"000.{uuid.uuid4().int % 90 + 10}.88.H29"
    good, bad = tmp_path / "danh-muc.yaml", tmp_path / "hong.yaml"
    good.write_text(f'agencies:\n  - {{code: "{agency}", name: "Trung tâm thử nghiệm {tag}", level: commune,\n'
                    f'     province_code: "79", one_stop: true}}\n', encoding="utf-8")
    bad.write_text("agencies: [", encoding="utf-8")
    b.visit("/quan-tri/thu-tuc/nhap")
    b.check("quan-tri-nhap")
    b.find("input[name='file']").send_keys(str(bad))
    b.click("Nhập")
    assert "Nội dung không phải YAML/JSON hợp lệ (dòng 1, cột 12)" in b.find(".error-summary").text
    b.find("input[name='file']").send_keys(str(good))
    b.click("Nhập")
    assert f"Cơ quan thêm mới hoặc thay đổi: {agency}" in b.text
    b.check("quan-tri-nhap-ket-qua")

    # A calendar announcement: the dossiers it moves are shown, old and new, before it is saved.
    dossier, desk = _accepted_dossier(site)
    code, announcement = dossier["code"], f"thu-nghiem-{tag}"
    day_off = today + timedelta(days=1)
    while not requests.get(f"{site.url('workflow')}/calendar/days?from={day_off}&to={day_off}",
                           timeout=30).json()[0]["working"]:
        day_off += timedelta(days=1)
    b.visit("/quan-tri/lich")
    b.check("quan-tri-lich")
    b.fill("title", "Nghỉ bù thử nghiệm")
    b.fill("reference", "Thông báo thử nghiệm số 1")
    b.fill("id", announcement)
    b.fill("days_off", "31/02/2027")
    b.click("Xem hồ sơ bị ảnh hưởng")
    assert "Ngày không hợp lệ: 31/02/2027" in b.find(".error-summary").text
    b.fill("days_off", f"{day_off:%d/%m/%Y}")
    b.click("Xem hồ sơ bị ảnh hưởng")
    assert b.h1() == "Xem trước: Nghỉ bù thử nghiệm"
    row = next(r for r in b.all("tbody tr") if code in r.text)
    old = datetime.fromisoformat(dossier["appointment_due"]).astimezone(VN_TZ)
    shown = re.findall(r"\d{2}:\d{2} ngày \d{2}/\d{2}/\d{4}", row.text)
    assert shown[0] == f"{old:%H:%M ngày %d/%m/%Y}" and shown[1] != shown[0], row.text
    b.check("quan-tri-lich-xem-truoc")
    published = requests.get(f"{site.url('workflow')}/calendar/announcements", timeout=30).json()
    assert announcement not in {a["id"] for a in published}  # nothing saved yet
    b.click("Lưu thông báo và tính lại hạn")
    b.shows("Đã lưu thông báo")
    assert "Nghỉ bù thử nghiệm" in b.text

    def moved():
        found = requests.get(f"{site.url('workflow')}/dossiers/{dossier['id']}", headers=desk, timeout=30).json()
        return datetime.fromisoformat(found["appointment_due"]).astimezone(VN_TZ)
    assert f"{moved():%H:%M ngày %d/%m/%Y}" == shown[1]  # moved exactly as the preview said

    serious = [v for page in b.pages.values() for v in page if v.get("impact") in ("serious", "critical")]
    assert not serious
