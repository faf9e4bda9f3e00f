"""Every postal scenario end to end on the real stack: intake, workflow, notify and postal as real processes,
Kafka, FerretDB, the SMTP server and the provider simulator calling the postal service's webhook over HTTP.

The simulator stamps each scenario's updates on a timeline starting weeks ago (working days after the
pickup), so J+n and the two-working-day rule are checked on real dates."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta

import pymongo
import pytest
import requests

from services.postal.shipments import statuses as st
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.calendar import calendar_for
from shared.clock import utc_now, vn_date, vn_datetime
from shared.config import Settings
from tests.conftest import FAST
from tests.support import factories
from tests.support.waiting import eventually
from tests.system.helpers import FILING_PATH, SEED_AGENCY, sign_up, submit
from tools.devstack.mail import read_messages
from tools.simulators.postal_provider import post_office_for

pytestmark = pytest.mark.stack

HEALTH = "000.00.15.H11"           # competent for 1.001806 (seed catalogue)
POST_OFFICE = post_office_for("04")  # serves the Cao Bằng centre (SEED_AGENCY)
COMPONENTS = ["don-de-nghi", "danh-sach-lao-dong", "giay-xac-nhan-kt"]
CALENDAR = calendar_for(Settings())


@pytest.fixture(scope="module")
def site(stack, provider):
    prefix = f"ps{uuid.uuid4().hex[:9]}"
    deployed = stack.derive(name=prefix, db_prefix=prefix, topic_prefix=f"{prefix}.", overrides=FAST)
    deployed.ensure_topics()
    provider.control(step_delay_ms=120, start_offset_hours=-480)
    try:
        deployed.start_services(FILING_PATH)
        deployed.seed_catalogue()
        yield deployed
    finally:
        deployed.stop_services()
        provider.control(reset=True)


@pytest.fixture(scope="module")
def dbs(site):
    client = pymongo.MongoClient(site.mongo.uri, tz_aware=True)
    yield {s: client[site.settings().database_name(s)] for s in FILING_PATH}
    client.close()


def _bearer(site, agency: str, role: Role, subject: str | None = None) -> dict[str, str]:
    principal = Principal(subject=subject or str(uuid.uuid4()), kind=PrincipalKind.OFFICER, roles=frozenset({role}),
                          agency_code=agency, name="Cán bộ")
    return factories.bearer(site.settings(), principal)


def _command(site, dossier_id: str, name: str, headers, **body) -> dict:
    """An officer's command. A command without If-Match that loses its compare-and-set answers 409 and writes
    nothing (two officers acting on one dossier: one wins). Here no other officer acts, but the workflow consumer
    may be applying the postal service's events to the same dossier at that moment (a slow machine's lag): the
    officer reloads and does it again, as the message asks."""
    for _ in range(5):
        response = requests.post(f"{site.url('workflow')}/dossiers/{dossier_id}/{name}", json=body,
                                 headers=headers, timeout=10)
        if response.status_code != 409:
            break
        time.sleep(0.2)
    assert response.status_code == 200, response.text
    return response.json()


def _to_result_ready(site, dossier_id: str, *, presented: list[str] | None = None) -> dict:
    """Accepted at the desk, assigned, appraised, reviewed, approved and registered: status 9."""
    desk = _bearer(site, SEED_AGENCY, Role.COUNTER_OFFICER)
    eventually(lambda: requests.get(f"{site.url('workflow')}/dossiers/{dossier_id}", headers=desk, timeout=5).ok,
               what="the dossier in the workflow")
    accepted = _command(site, dossier_id, "accept", desk, presented=presented or [])
    head = _bearer(site, HEALTH, Role.AGENCY_HEAD)
    _command(site, dossier_id, "assign", head, assignee="cv-post", assignee_name="Chuyên viên")
    _command(site, dossier_id, "complete-step", _bearer(site, HEALTH, Role.SPECIALIST, "cv-post"), note="Đủ")
    _command(site, dossier_id, "complete-step", head)
    _command(site, dossier_id, "complete-step", head)
    ready = _command(site, dossier_id, "complete-step", _bearer(site, HEALTH, Role.CLERK), result={
        "number": "99/QĐ-SYT", "signer": "Giám đốc Sở Y tế", "signed_at": accepted["received_at"]})
    assert ready["status"]["code"] == 9
    return accepted


def _posted_dossier(site, provider, scenario: str) -> tuple[dict, str]:
    """A dossier filed online whose applicant wants the result by post, with its scenario at the provider."""
    phone = factories.phone()
    provider.control(scenario_for={phone: scenario})
    auth = sign_up(site)
    dossier = submit(site, auth, result_return={**factories.postal_return(), "recipient_phone": phone},
                     attachments=[{"component": c, "component_code": c, "file_name": f"{c}.pdf",
                                   "media_type": "application/pdf", "size_bytes": 2048, "sha256": "cd" * 32,
                                   "copy_kind": "original"} for c in COMPONENTS])
    _to_result_ready(site, dossier["id"])
    return dossier, phone


def _shipment(dbs, dossier_id: str, final: frozenset = st.FINAL, timeout: float = 60) -> dict:
    def settled():
        doc = dbs["postal"].shipments.find_one({"dossier_id": dossier_id, "direction": st.RESULT_DELIVERY})
        return doc if doc and doc["status"] in final else None
    return eventually(settled, timeout=timeout, what="the shipment to settle")


def _mails(site, dossier: dict, subject_part: str) -> list:
    return [m for m in read_messages(site.maildir) if m["To"] == dossier["contact"]["email"]
            and subject_part in m["Subject"]]


def _dossier(site, dossier_id: str) -> dict:
    desk = _bearer(site, SEED_AGENCY, Role.COUNTER_OFFICER)
    return requests.get(f"{site.url('workflow')}/dossiers/{dossier_id}", headers=desk, timeout=5).json()


def _timeline(site, dossier_id: str) -> list[str]:
    desk = _bearer(site, SEED_AGENCY, Role.COUNTER_OFFICER)
    entries = requests.get(f"{site.url('workflow')}/dossiers/{dossier_id}/timeline", headers=desk, timeout=5)
    return [e["action"] for e in entries.json()["entries"]]


def _statuses(shipment: dict) -> list[str]:
    return [h["status"] for h in shipment["history"] if not h.get("out_of_order")]


def _j_plus(shipment: dict, n: int) -> str:
    return CALENDAR.working_days_after(vn_date(shipment["accepted_at"]), n)[0].isoformat()


def test_a_result_sent_by_post_is_delivered_and_the_dossier_returned(site, dbs, provider):
    dossier, _ = _posted_dossier(site, provider, "normal")
    shipment = _shipment(dbs, dossier["id"])
    assert shipment["status"] == st.DELIVERED and shipment["late"] is False
    assert _statuses(shipment) == [st.AWAITING_RESULT, st.REQUESTED, st.PICKED_UP, st.IN_TRANSIT, st.DELIVERED]
    # Cao Bằng (04) to Hà Nội (01): other inter-provincial, J+4 (Circular 17/2017 Art. 7(2)).
    assert shipment["route"] == {"code": "inter_province", "name": "Liên tỉnh khác", "days": 4}
    assert shipment["expected_by"] == _j_plus(shipment, 4)
    assert shipment["post_office"] == POST_OFFICE and shipment["tracking_code"].endswith("VN")
    assert shipment["delivery"]["recipient_check"]["document_number"]

    returned = eventually(lambda: (d := _dossier(site, dossier["id"]))["status"]["code"] == 10 and d,
                          what="the dossier returned (status 10)")
    assert returned["returned"]["method"] == "post"
    assert returned["returned"]["tracking_code"] == shipment["tracking_code"]
    (posted,) = eventually(lambda: _mails(site, dossier, "đã được gửi qua bưu chính"), what="the posted notice")
    text = posted.get_body(("plain",)).get_content()
    expected = date.fromisoformat(shipment["expected_by"])
    assert f"Số hiệu bưu gửi: {shipment['tracking_code']}" in text and f"ngày {expected:%d/%m/%Y}" in text
    eventually(lambda: _mails(site, dossier, "đã trả kết quả"), what="the result-returned e-mail")
    lookup = eventually(lambda: (r := requests.get(f"{site.url('intake')}/lookup/{dossier['code']}", timeout=5)
                                 .json())["status"]["code"] == 10 and r, what="the public look-up at status 10")
    assert lookup["code"] == dossier["code"]
    tracking = requests.get(f"{site.url('postal')}/tracking/{shipment['tracking_code']}", timeout=5).json()
    assert tracking[0]["status_name"] == "Đã phát thành công"


def test_a_failed_attempt_is_repeated_two_working_days_later(site, dbs, provider):
    dossier, _ = _posted_dossier(site, provider, "one_failed_attempt")
    shipment = _shipment(dbs, dossier["id"])
    assert shipment["status"] == st.DELIVERED and shipment["breaches"] == []
    (attempt,) = shipment["attempts"]
    assert attempt["next_attempt_on"] == CALENDAR.working_days_after(vn_date(attempt["at"]), 2)[0].isoformat()
    assert vn_date(shipment["delivered_at"]).isoformat() == attempt["next_attempt_on"]
    (failed,) = eventually(lambda: _mails(site, dossier, "Chưa phát được kết quả"), what="the failed-attempt notice")
    again = date.fromisoformat(attempt["next_attempt_on"])
    assert f"Bưu chính sẽ phát lại vào ngày {again:%d/%m/%Y}." in failed.get_body(("plain",)).get_content()
    eventually(lambda: _dossier(site, dossier["id"])["status"]["code"] == 10, what="status 10")


def test_two_failed_attempts_send_the_result_back_to_the_agency_and_everyone_is_told(site, dbs, provider):
    dossier, _ = _posted_dossier(site, provider, "returned")
    shipment = _shipment(dbs, dossier["id"])
    assert shipment["status"] == st.RETURNED_TO_AGENCY and shipment["breaches"] == []
    assert [a["number"] for a in shipment["attempts"]] == [1, 2]
    assert shipment["attempts"][1]["at"] >= shipment["attempts"][0]["at"] + timedelta(days=2)

    shown = eventually(lambda: (d := _dossier(site, dossier["id"]))["returned"] and
                       d["returned"].get("postal_failure") and d, what="the dossier to show the return")
    assert shown["status"]["code"] == 9 and shown["returned"]["postal_attempts"] == 2
    assert any("chuyển hoàn về Bộ phận Một cửa" in action for action in _timeline(site, dossier["id"]))
    (told,) = eventually(lambda: _mails(site, dossier, "đã được chuyển trả về cơ quan"), what="the applicant told")
    assert "hai lần nhưng không thành công" in told.get_body(("plain",)).get_content()
    desk = _bearer(site, SEED_AGENCY, Role.COUNTER_OFFICER)
    inbox = eventually(lambda: [i for i in requests.get(f"{site.url('notify')}/inbox", headers=desk, timeout=5)
                                .json()["items"] if i["dossier_code"] == dossier["code"]
                                and i["template_id"] == "officer-postal-returned"], what="the desk's inbox")
    assert inbox[0]["title"] == f"Kết quả hồ sơ {dossier['code']} bị chuyển trả về"
    # The applicant can still collect it at the desk.
    returned = _command(site, dossier["id"], "return-result", desk, method="counter", recipient="Nguyễn Thị Hoà")
    assert returned["status"]["code"] == 10


def test_a_late_delivery_is_flagged_against_its_j_plus_n_and_the_postage_refunded(site, dbs, provider):
    provider.control(start_offset_hours=-720)
    try:
        dossier, _ = _posted_dossier(site, provider, "late")
    finally:
        provider.control(start_offset_hours=-480)
    shipment = _shipment(dbs, dossier["id"])
    assert shipment["expected_by"] == _j_plus(shipment, 4)
    assert vn_date(shipment["delivered_at"]).isoformat() == _j_plus(shipment, 9)
    assert shipment["late"] is True and shipment["postage_refund"] == shipment["postage"] > 0
    explained = [n["text"] for n in shipment["expected_explained"]]
    assert explained[-1].startswith(f"J+4: ngày {date.fromisoformat(shipment['expected_by']):%d/%m/%Y}")


def test_a_lost_result_is_compensated_at_four_times_the_postage(site, dbs, provider):
    dossier, _ = _posted_dossier(site, provider, "lost")
    shipment = _shipment(dbs, dossier["id"])
    assert shipment["status"] == st.LOST and shipment["compensation"] == 4 * shipment["postage"]
    shown = eventually(lambda: (d := _dossier(site, dossier["id"]))["returned"] and
                       d["returned"].get("postal_failure") == "lost" and d, what="the dossier to show the loss")
    assert shown["status"]["code"] == 9
    assert any("thất lạc" in action for action in _timeline(site, dossier["id"]))


@pytest.mark.parametrize("scenario", ["duplicate_callbacks", "out_of_order"])
def test_duplicated_and_out_of_order_callbacks_apply_each_status_once_and_never_backwards(scenario, site, dbs,
                                                                                          provider):
    dossier, _ = _posted_dossier(site, provider, scenario)
    shipment = _shipment(dbs, dossier["id"])
    assert shipment["status"] == st.DELIVERED
    if scenario == "duplicate_callbacks":
        assert _statuses(shipment) == [st.AWAITING_RESULT, st.REQUESTED, st.PICKED_UP, st.IN_TRANSIT,
                                       st.DELIVERED]
        # every update twice, each answered 2xx (the copies as duplicates)
        eventually(lambda: provider.shipment(shipment["_id"])["webhooks_sent"] == 6, what="the second copies")
        again = dbs["postal"].shipments.find_one({"_id": shipment["_id"]})
        assert _statuses(again) == _statuses(shipment) and again["version"] == shipment["version"]
    else:
        assert _statuses(shipment) == [st.AWAITING_RESULT, st.REQUESTED, st.PICKED_UP, st.DELIVERED]
        late = eventually(lambda: [h["status"] for h in dbs["postal"].shipments.find_one(
            {"_id": shipment["_id"]})["history"] if h.get("out_of_order")], what="the overtaken update")
        assert late == [st.IN_TRANSIT]
        assert dbs["postal"].shipments.find_one({"_id": shipment["_id"]})["status"] == st.DELIVERED
    returned = eventually(lambda: (d := _dossier(site, dossier["id"]))["status"]["code"] == 10 and d,
                          what="status 10")
    assert returned["returned"]["method"] == "post"
    assert sum(a == "Trả kết quả qua bưu chính công ích" for a in _timeline(site, dossier["id"])) == 1
    eventually(lambda: _mails(site, dossier, "đã trả kết quả"), what="the returned e-mail")
    assert len(_mails(site, dossier, "đã được gửi qua bưu chính")) == 1
    assert len(_mails(site, dossier, "đã trả kết quả")) == 1


def test_a_dossier_sent_by_post_is_filed_at_the_hand_over_signature(site, dbs, provider):
    auth = sign_up(site)
    body = {
        "procedure_code": "1.001806", "receiving_agency_code": SEED_AGENCY,
        "applicant": {"kind": "citizen", "full_name": "Nguyễn Thị Hoà", "id_number": "001203004567"},
        "contact": {"email": f"buu.chinh.{uuid.uuid4().hex[:6]}@example.vn", "phone": factories.phone()},
        "result_return": {"method": "counter"},
        "pickup": {"name": "Nguyễn Thị Hoà", "phone": factories.phone(), "with_receipt": True,
                   "address": {"line": "Số 3 Hoàng Đình Giong", "commune_code": "01273", "province_code": "04"}},
        "documents": [{"name": "Văn bản đề nghị công nhận", "original": True},
                      {"name": "Danh sách lao động là người khuyết tật", "original": True},
                      {"name": "Giấy xác nhận khuyết tật của người lao động", "original": False, "count": 3}],
    }
    requested = requests.post(f"{site.url('intake')}/postal-filings", json=body, headers=auth, timeout=10)
    assert requested.status_code == 201, requested.text
    filing = requested.json()
    assert filing["state"] == "awaiting_pickup" and filing["dossier_code"] is None

    pickup = eventually(lambda: (s := dbs["postal"].shipments.find_one({"dossier_id": filing["id"]}))
                        and s["status"] == st.IN_TRANSIT and s, what="the pickup on its way")
    assert pickup["direction"] == st.DOSSIER_PICKUP and pickup["route"]["days"] == 2  # same commune, with receipt
    signed_at = (utc_now() - timedelta(hours=2)).replace(microsecond=0)
    staff = _bearer(site, pickup["post_office"], Role.POSTAL_STAFF)
    handed = requests.post(f"{site.url('postal')}/shipments/{pickup['_id']}/handover", headers=staff, timeout=10,
                           json={"record_number": "BBGN-2026-0007", "signed_at": signed_at.isoformat(),
                                 "agency_party": {"name": "Trần Thị Bình"},
                                 "postal_party": {"name": "Võ Thị Hạnh", "staff_id": "VNP-0042"}})
    assert handed.status_code == 200, handed.text

    filed = eventually(lambda: (f := requests.get(f"{site.url('intake')}/postal-filings/{filing['id']}",
                                                   headers=auth, timeout=5).json())["state"] == "filed" and f,
                       what="the dossier filed from the hand-over")
    assert filed["dossier_code"].startswith(f"{SEED_AGENCY}-{vn_datetime(signed_at):%y%m%d}-")
    mine = requests.get(f"{site.url('intake')}/dossiers/{filing['id']}", headers=auth, timeout=5).json()
    assert mine["channel"] == "post" and mine["submitted_at"].startswith(signed_at.isoformat()[:19])
    accepted = _to_result_ready(site, filing["id"], presented=COMPONENTS)
    # Decision 45/2016 Art. 7(4): received when the record was signed, not when the desk accepted it.
    assert accepted["received_at"].startswith(signed_at.isoformat()[:19])
    (notice,) = eventually(lambda: [m for m in read_messages(site.maildir) if m["To"] == body["contact"]["email"]
                                    and "gửi qua bưu chính" in m["Subject"]], what="the filing notice")
    local = vn_datetime(signed_at)
    assert f"lúc {local:%H:%M} ngày {local:%d/%m/%Y}" in notice.get_body(("plain",)).get_content()


def test_updates_the_webhooks_missed_are_caught_up_by_looking_the_shipment_up(site, dbs, provider):
    provider.control(webhooks=False)
    try:
        dossier, _ = _posted_dossier(site, provider, "normal")
        eventually(lambda: (s := provider.shipment(f"{dossier['id']}:result_delivery")) and s["status"] == "delivered",
                   what="the provider to finish the scenario")
    finally:
        provider.control(webhooks=True)
    shipment = _shipment(dbs, dossier["id"])
    assert shipment["status"] == st.DELIVERED
    assert provider.shipment(shipment["_id"])["webhooks_sent"] == 0
    eventually(lambda: _dossier(site, dossier["id"])["status"]["code"] == 10, what="status 10")
