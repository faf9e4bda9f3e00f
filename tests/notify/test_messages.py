"""Every message type, produced by its event through Kafka and the notify service's real processes, read
back where people get it: the SMTP server's mailbox, the SMS gateway simulator (folded to GSM-7), the in-app
inbox through the API. All events are published at once; each test checks one of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pymongo
import pytest
import requests

from services.notify.notifications import statuses
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.clock import VN_TZ, utc_now, vn_date
from tests.notify.conftest import international, mail_to, text_of
from tests.support import factories
from tests.support.bus import publish
from tests.support.waiting import eventually

CONSULTED = factories.agency_code()
LATE_UNIT = factories.agency_code()
ASSIGNEE = str(uuid.uuid4())
ALERTED = str(uuid.uuid4())


@dataclass
class Expect:
    template: str
    email: tuple[str, list[str]] | None = None       # subject, fragments of the text
    sms: list[str] | None = None                      # fragments of the SMS as sent (folded)
    inbox: tuple[str, str, list[str]] | None = None   # whose inbox ("owner", an agency code, an account), title, text
    events: list = field(default_factory=list)


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    """``days`` after today (business clock) at ``hour:minute`` in Hà Nội."""
    return datetime.combine(vn_date(utc_now()), time(hour, minute), VN_TZ) + timedelta(days=days)


def _said(moment: datetime | str, *, sms: bool = False) -> str:
    """A moment as the messages write it: ``17:00 ngày 26/11/2026`` (``ngay`` once folded for SMS)."""
    local = (datetime.fromisoformat(moment) if isinstance(moment, str) else moment).astimezone(VN_TZ)
    return f"{local:%H:%M} {'ngay' if sms else 'ngày'} {local:%d/%m/%Y}"


# Officers' alerts that go to their digest of the period (services/notify/digests/), not to a message each:
# the event and the inbox whose digest lists it.
DIGESTED = {
    "assigned": (factories.dossier_event("assigned", {"assignee": ASSIGNEE, "assignee_name": "Lê Thị Thu",
                                                      "step": "tham-dinh", "step_name": "Thẩm định hồ sơ",
                                                      "step_due_at": _at(1, 11, 30)}), ASSIGNEE),
    "due-soon": (factories.dossier_event("due-soon", {"scope": "step", "due_at": _at(1, 11, 30), "step": "tham-dinh",
                                                      "agency_code": LATE_UNIT, "assignee": ALERTED,
                                                      "step_name": "Thẩm định hồ sơ"}), ALERTED),
    "overdue": (factories.dossier_event("overdue", {"scope": "step", "due_at": _at(1, 11, 30), "step": "phe-duyet",
                                                    "agency_code": LATE_UNIT, "assignee": None,
                                                    "step_name": "Phê duyệt"}), f"agency:{LATE_UNIT}"),
}


def _cases():
    ev = factories.dossier_event
    submitted = factories.submitted_event()
    p = submitted.payload
    cases = {
        "submitted": (submitted, Expect(
            "dossier-submitted",
            email=(f"[Một cửa] Đã nhận hồ sơ trực tuyến {p['code']}",
                   ["Kính gửi Nguyễn Thị Hoà,", f"lúc {_said(p['submitted_at'])}", f"Mã số hồ sơ: {p['code']}",
                    f"Cơ quan tiếp nhận: {factories.DESK_NAME}\n",
                    "Trạng thái: Mới đăng ký", "Hình thức nhận kết quả: Nhận trực tiếp tại Bộ phận Một cửa"]),
            sms=[f"Ho so {p['code']} da duoc nop truc tuyen luc {_said(p['submitted_at'], sms=True)}."],
            inbox=("owner", f"Đã nhận hồ sơ {p['code']}", [f"đã được nộp lúc {_said(p['submitted_at'])}"]))),
        "submitted-desk": (submitted, Expect(
            "officer-agency-work",
            inbox=(p["receiving_agency_code"], f"Hồ sơ {p['code']}: Mới đăng ký", ["chờ kiểm tra và tiếp nhận"]))),
        "accepted": (ev("accepted", {"received_at": _at(0, 9), "appointment_due": _at(3, 17), "receipt": True},
                        status=2, appointment_due=_at(3, 17)), Expect(
            "dossier-accepted",
            email=("[Một cửa] Hồ sơ {code} đã được tiếp nhận",
                   [f"Thời gian hẹn trả kết quả: {_said(_at(3, 17))}.",
                    "Hình thức nhận kết quả: Nhận trực tiếp tại Bộ phận Một cửa."]),
            sms=[f"Ho so {{code}} da duoc tiep nhan. Hen tra ket qua: {_said(_at(3, 17), sms=True)}."],
            inbox=("owner", "Hồ sơ {code} đã được tiếp nhận", [f"Hẹn trả kết quả: {_said(_at(3, 17))}."]))),
        "supplement-requested": (ev("supplement-requested", {"phase": "reception", "request_id": "r1", "items": [
            {"component_code": None, "name": "Giấy xác nhận khuyết tật", "reason": "Bản sao chưa được chứng thực"},
            {"component_code": None, "name": "Danh sách lao động", "reason": "Thiếu chữ ký của người đứng đầu"},
        ]}, status=5), Expect(
            "dossier-supplement-requested",
            email=("[Một cửa] Hồ sơ {code} cần bổ sung, hoàn thiện",
                   ["1. Giấy xác nhận khuyết tật: Bản sao chưa được chứng thực\n"
                    "2. Danh sách lao động: Thiếu chữ ký của người đứng đầu", "bổ sung đầy đủ một lần"]),
            sms=["Ho so {code} can bo sung: Giay xac nhan khuyet tat; Danh sach lao dong."],
            inbox=("owner", "Hồ sơ {code} cần bổ sung, hoàn thiện", ["2. Danh sách lao động"]))),
        "supplement-received": (ev("supplement-received", {"phase": "reception", "request_id": "r1",
                                                           "appointment_due": None}, status=1), Expect(
            "dossier-status",
            email=("[Một cửa] Hồ sơ {code}: Đã nhận hồ sơ bổ sung", ["tiếp tục được giải quyết"]),
            sms=["Ho so {code}: Da nhan ho so bo sung."])),
        "refused": (ev("refused", {"stage": "reception", "reasons": [
            "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan", "Hồ sơ giả mạo"]}, status=3), Expect(
            "dossier-refused",
            email=("[Một cửa] Hồ sơ {code} không được tiếp nhận giải quyết",
                   ["1. Thủ tục không thuộc thẩm quyền giải quyết của cơ quan\n2. Hồ sơ giả mạo"]),
            sms=["khong duoc tiep nhan giai quyet. Ly do: Thu tuc khong thuoc tham quyen"])),
        "assigned-applicant": (DIGESTED["assigned"][0], Expect(
            "dossier-status", email=("[Một cửa] Hồ sơ {code}: Đang xử lý", ["phân công cho chuyên viên xử lý"]),
            sms=["Ho so {code}: Dang xu ly."])),
        "payment-requested": (ev("payment-requested", {"amount": 12_500_000, "description": "Lệ phí trước bạ"},
                                 status=6), Expect(
            "dossier-payment-requested",
            email=("[Một cửa] Hồ sơ {code}: thực hiện nghĩa vụ tài chính",
                   ["Lệ phí trước bạ, số tiền 12.500.000 đồng", "không tính vào thời hạn giải quyết"]),
            sms=["de nghi nop 12.500.000 dong (Le phi truoc ba)"])),
        "payment-recorded": (ev("payment-recorded", {"voucher": "BL-000123", "appointment_due": None}), Expect(
            "dossier-status", email=("[Một cửa] Hồ sơ {code}: Đang xử lý", ["chứng từ BL-000123"]))),
        "consultation-requested": (ev("consultation-requested", {
            "consultation_id": "c1", "agency_code": CONSULTED, "question": "Đề nghị xác nhận số lao động khuyết tật",
            "due_at": _at(4, 17)}), Expect(
            "officer-consultation-requested",
            inbox=(CONSULTED, "Đề nghị cho ý kiến về hồ sơ {code}",
                   [f"Đề nghị xác nhận số lao động khuyết tật — trả lời trước {_said(_at(4, 17))}."]))),
        "appointment-extended": (ev("appointment-extended", {
            "reason": "Chờ kết quả xác minh tại doanh nghiệp", "old_due": _at(3, 17), "new_due": _at(10, 17)}),
            Expect(
            "dossier-apology",
            email=("[Một cửa] Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}",
                   [f"chưa được giải quyết đúng thời hạn đã hẹn ({_said(_at(3, 17))})",
                    "Lý do: Chờ kết quả xác minh tại doanh nghiệp",
                    f"Thời gian hẹn trả kết quả mới: {_said(_at(10, 17))}."]),
            sms=["Xin loi Ong/Ba: ho so {code} chua duoc giai quyet dung hen. "
                 f"Hen lai: {_said(_at(10, 17), sms=True)}."])),
        "deadline-changed": (ev("deadline-changed", {
            "reason": f"Ngày {_at(1, 0):%d/%m/%Y} được công bố là ngày nghỉ", "old_due": _at(3, 17),
            "new_due": _at(4, 17), "calendar_version": "v2"}), Expect(
            "dossier-deadline-changed",
            email=("[Một cửa] Hồ sơ {code}: thay đổi thời gian hẹn trả kết quả",
                   [f"được điều chỉnh thành {_said(_at(4, 17))}", f"Lý do: Ngày {_at(1, 0):%d/%m/%Y} được công bố"]))),
        "result-ready": (ev("result-ready", {"result_kind": "decision", "outcome": "on_time", "early": False,
                                             "return_method": "counter"}, status=9), Expect(
            "dossier-result-ready", email=("[Một cửa] Hồ sơ {code} đã có kết quả",
                                           ["Hình thức nhận kết quả: Nhận trực tiếp tại Bộ phận Một cửa."]))),
        "early-return": (ev("early-return-notified", {"note": None, "appointment_due": _at(3, 17)}, status=9), Expect(
            "dossier-early-return",
            email=("[Một cửa] Mời nhận kết quả hồ sơ {code} trước thời gian hẹn",
                   [f"đã sẵn sàng trước thời gian hẹn trả kết quả ({_said(_at(3, 17))})"]),
            sms=[f"Ket qua ho so {{code}} da san sang truoc hen ({_said(_at(3, 17), sms=True)})."])),
        "result-returned": (ev("result-returned", {"method": "counter", "outcome": "on_time"}, status=10), Expect(
            "dossier-result-returned",
            email=("[Một cửa] Hồ sơ {code} đã trả kết quả", ["(nhận trực tiếp tại bộ phận một cửa)"]))),
        "rating": (None, Expect(
            "rating-request", email=("[Một cửa] Mời đánh giá việc giải quyết hồ sơ {code}", ["/danh-gia/{code}"]),
            sms=["Moi Ong/Ba danh gia muc do hai long ve ho so {code}"])),
        "withdrawn": (ev("withdrawn", {"reason": "Công dân xin rút để bổ sung sau", "stop_notice": False},
                         status=7), Expect(
            "dossier-closed", email=("[Một cửa] Hồ sơ {code}: dừng giải quyết",
                                     ["Rút hồ sơ theo yêu cầu của tổ chức, cá nhân",
                                      "Lý do: Công dân xin rút để bổ sung sau"]))),
        "stopped": (ev("stopped", {"reason": "Quá hạn bổ sung theo quy định", "stop_notice": True}, status=8), Expect(
            "dossier-closed", email=("[Một cửa] Hồ sơ {code}: dừng giải quyết", ["Dừng xử lý hồ sơ"]))),
    }
    # Messages that come from an event listed above: same event, another template.
    cases["rating"] = (cases["result-returned"][0], cases["rating"][1])
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def published(notify_stack):
    settings = notify_stack.settings()
    events = {id(event): event for event, _ in [*CASES.values(), *DIGESTED.values()]}
    publish(settings, *events.values())
    return settings


@pytest.fixture(scope="module")
def notify_db(notify_stack, published):
    client = pymongo.MongoClient(notify_stack.mongo.uri, tz_aware=True)
    yield client[published.database_name("notify")]
    client.close()


def _token(settings, subject: str, *, officer_of: str | None = None) -> dict[str, str]:
    if officer_of:
        principal = Principal(subject=subject, kind=PrincipalKind.OFFICER, roles=frozenset({Role.SPECIALIST}),
                              agency_code=officer_of, name="Cán bộ")
    else:
        principal = Principal(subject=subject, kind=PrincipalKind.APPLICANT, roles=frozenset({Role.APPLICANT}))
    return factories.bearer(settings, principal)


def _settled(notify_db, dossier_id: str, template: str) -> list[dict]:
    docs = list(notify_db.notifications.find({"dossier_id": dossier_id, "template_id": template}))
    return docs if docs and all(d["status"] in statuses.FINAL for d in docs) else []


@pytest.mark.parametrize("case", list(CASES))
def test_message_reaches_its_recipients(case, notify_stack, published, notify_db, sms_gateway):
    event, expect = CASES[case]
    payload = event.payload
    code = payload["code"]
    docs = eventually(lambda: _settled(notify_db, event.dossier_id, expect.template), timeout=60,
                      what=f"{expect.template} notifications of {case} settled")
    assert {d["status"] for d in docs} == {statuses.DELIVERED}, [(d["channel"], d["attempts"]) for d in docs]
    # Applicants on every channel their contact gives (e-mail, phone, account); officers in their inbox.
    expected_channels = ["email", "in_app", "sms"] if expect.email else ["in_app"]
    assert sorted(d["channel"] for d in docs) == expected_channels

    if expect.email:
        subject, fragments = expect.email
        messages = [m for m in mail_to(notify_stack, payload["contact"]["email"])
                    if m["Subject"] == subject.format(code=code)]
        assert len(messages) == 1, [m["Subject"] for m in mail_to(notify_stack, payload["contact"]["email"])]
        text = text_of(messages[0])
        for fragment in fragments:
            assert fragment.format(code=code) in text
        # people read agencies' names, never their codes (the dossier code starts with one: that is its own)
        for agency in (payload.get("receiving_agency_code"), payload.get("competent_agency_code")):
            assert agency is None or agency not in text.replace(code, ""), text
        assert messages[0]["X-Motcua-Dossier-Code"] == code

    if expect.sms:
        sent = [m["text"] for m in sms_gateway.messages(to=international(payload["contact"]["phone"]))]
        wanted = [f.format(code=code) for f in expect.sms]
        matching = [t for t in sent if all(w in t for w in wanted)]
        assert len(matching) == 1, sent
        assert matching[0].isascii()  # folded: no diacritics left

    if expect.inbox:
        whose, title, fragments = expect.inbox
        if whose == "owner":
            headers = _token(published, payload["owner_account_id"])
        elif whose in (ASSIGNEE, ALERTED):
            headers = _token(published, whose, officer_of=factories.agency_code())
        else:
            headers = _token(published, str(uuid.uuid4()), officer_of=whose)
        inbox = requests.get(f"{notify_stack.url('notify')}/inbox", headers=headers, timeout=10).json()
        mine = [item for item in inbox["items"] if item["dossier_code"] == code and item["title"] == title.format(
            code=code)]
        assert len(mine) == 1, inbox
        for fragment in fragments:
            assert fragment.format(code=code) in mine[0]["text"]
        assert mine[0]["read"] is False


@pytest.mark.parametrize("case", list(DIGESTED))
def test_an_officers_alert_is_listed_in_their_digest_of_the_period(case, notify_db):
    """The consumer lists it in the recipient's digest (sent when the period ends: tests/notify/test_digests.py)
    and plans no officer message of its own."""
    event, recipient = DIGESTED[case]
    entry = eventually(lambda: notify_db.digest_entries.find_one({"recipient": recipient, "event_id": event.event_id}),
                       timeout=60, what=f"{case} listed in the digest of {recipient}")
    digest = notify_db.digests.find_one({"_id": entry["digest_id"]})
    assert entry["code"] == event.payload["code"] and entry["kind"] == case and digest["status"] == "collecting"
    assert notify_db.notifications.count_documents({"dossier_id": event.dossier_id, "audience": "officer"}) == 0
