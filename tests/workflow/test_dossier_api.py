"""The workflow's dossier API over the real database: commands with role × agency, optimistic concurrency,
events through the outbox, forms, queues, announcements and the scheduler."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from services.workflow.dossiers.alerts import scan
from services.workflow.dossiers.watch import NEXT_DUE_SOON, NEXT_OVERDUE, set_next_alerts
from services.workflow.queues.entries import QUEUE, QUEUE_VIEW
from shared.auth.roles import Role
from shared.clock import VN_TZ, utc_now
from shared.events import Event
from tests.support import factories
from tests.support.concurrency import at_once

DESK, HEALTH = "000.00.01.H11", "000.00.15.H11"


@pytest.fixture
def as_officer(settings):
    def headers(agency, *roles, subject=None):
        principal = factories.officer_principal(agency, *roles)
        if subject:
            principal = principal.__class__(**{**principal.__dict__, "subject": subject})
        return factories.bearer(settings, principal)
    return headers


def _events(workflow_db, dossier_id) -> list[str]:
    return [Event.from_document(e).type for e in workflow_db.dossiers.find_one({"_id": dossier_id})["outbox"]]


def test_a_filed_dossier_waits_at_the_receiving_desk(client, file_dossier, as_officer, settings):
    owner = factories.applicant_principal()
    dossier_id = file_dossier(owner=owner.subject)
    seen = client.get(f"/dossiers/{dossier_id}", headers=factories.bearer(settings, owner))
    assert seen.status_code == 200 and seen.json["status"] == {"code": 1, "name": "Mới đăng ký"}
    assert seen.headers["ETag"] == '"1"' and seen.json["procedure"]["version"] == 1
    # the agencies by name, from the registry, for people to read (steps too)
    assert seen.json["competent_agency_name"] == "Sở Y tế tỉnh Cao Bằng"
    assert {s["agency"]: s["agency_name"] for s in seen.json["steps"]}["000.00.15.H11"] == "Sở Y tế tỉnh Cao Bằng"
    assert client.get(f"/dossiers/{dossier_id}", headers=as_officer(DESK, Role.COUNTER_OFFICER)).status_code == 200
    outsider = as_officer("000.50.01.H40", Role.COUNTER_OFFICER)
    # an officer of an agency that takes no part gets what a missing dossier gets: no existence or status oracle
    assert client.get(f"/dossiers/{dossier_id}", headers=outsider).status_code == 404
    for command in ("accept", "refuse", "assign", "complete-step", "stop", "extend"):
        answer = client.post(f"/dossiers/{dossier_id}/{command}", json={}, headers=outsider)
        assert answer.status_code == 404 == client.post(f"/dossiers/khong-co/{command}", json={},
                                                        headers=outsider).status_code, command
    stranger = factories.bearer(settings, factories.applicant_principal())
    assert client.get(f"/dossiers/{dossier_id}", headers=stranger).status_code == 404


def test_the_whole_life_through_the_api_with_events_for_each_step(client, file_dossier, as_officer, workflow_db,
                                                                  settings):
    owner = factories.applicant_principal()
    dossier_id = file_dossier(owner=owner.subject)
    desk = as_officer(DESK, Role.COUNTER_OFFICER)
    accepted = client.post(f"/dossiers/{dossier_id}/accept", json={}, headers=desk)
    assert accepted.status_code == 200 and accepted.json["status"]["code"] == 2
    assert accepted.json["appointment"]["notes"][-1]["text"].startswith("Hạn:")
    head = as_officer(HEALTH, Role.AGENCY_HEAD)
    assert client.post(f"/dossiers/{dossier_id}/assign", json={"assignee": "cv-1", "assignee_name": "Chuyên viên"},
                       headers=head).json["status"]["code"] == 4
    specialist = as_officer(HEALTH, Role.SPECIALIST, subject="cv-1")
    for headers in (specialist, head, head):
        response = client.post(f"/dossiers/{dossier_id}/complete-step", json={}, headers=headers)
        assert response.status_code == 200, response.json
    result = {"number": "125/QĐ-SYT", "signer": "Giám đốc Sở Y tế", "signed_at": utc_now().isoformat()}
    ready = client.post(f"/dossiers/{dossier_id}/complete-step", json={"result": result},
                        headers=as_officer(HEALTH, Role.CLERK))
    assert ready.json["status"]["code"] == 9
    early = client.post(f"/dossiers/{dossier_id}/return-result", json={"method": "counter"}, headers=desk)
    assert early.status_code == 409 and "Nghị định 118/2025/NĐ-CP Điều 22" in early.json["message"]
    client.post(f"/dossiers/{dossier_id}/notify-early-return", json={}, headers=desk)
    returned = client.post(f"/dossiers/{dossier_id}/return-result", json={"method": "counter"}, headers=desk)
    assert returned.json["status"] == {"code": 10, "name": "Đã trả kết quả"}
    assert _events(workflow_db, dossier_id) == [
        "dossier.accepted", "dossier.assigned", "dossier.step-completed", "dossier.step-completed",
        "dossier.step-completed", "dossier.result-ready", "dossier.step-completed", "dossier.early-return-notified",
        "dossier.result-returned"]
    timeline = client.get(f"/dossiers/{dossier_id}/timeline", headers=factories.bearer(settings, owner)).json
    actions = [e["action"] for e in timeline["entries"]]
    assert actions[:3] == ["Nộp hồ sơ", "Tiếp nhận hồ sơ", "Phân công cho Chuyên viên"]


def test_two_officers_acting_at_once_one_wins_the_other_gets_409(workflow_app, file_dossier, as_officer):
    """Optimistic concurrency on the dossier version: the second write matches nothing."""
    dossier_id = file_dossier()
    desk = as_officer(DESK, Role.COUNTER_OFFICER)
    items = [{"name": "Danh sách lao động", "reason": "Thiếu chữ ký"}]

    def act(i):
        client = workflow_app.test_client()
        if i % 2:
            return client.post(f"/dossiers/{dossier_id}/accept", json={}, headers=desk).status_code
        return client.post(f"/dossiers/{dossier_id}/request-supplement", json={"items": items},
                           headers=desk).status_code

    counter = iter(range(2))
    lock = threading.Lock()

    def next_action():
        with lock:
            i = next(counter)
        return act(i)

    assert sorted(at_once(next_action, 2)) == [200, 409]


def test_a_stale_if_match_is_refused(client, file_dossier, as_officer):
    dossier_id = file_dossier()
    desk = as_officer(DESK, Role.COUNTER_OFFICER)
    stale = client.post(f"/dossiers/{dossier_id}/accept", json={}, headers={**desk, "If-Match": '"7"'})
    assert stale.status_code == 409
    for shapeless in ("*", "1_0", "W/\"x\"", "\"1\", \"2\"", "١"):  # what the documented pattern refuses
        refused = client.post(f"/dossiers/{dossier_id}/accept", json={}, headers={**desk, "If-Match": shapeless})
        assert refused.status_code == 422 and refused.json["errors"]["headers"]["If-Match"] == [shapeless]
    current = client.post(f"/dossiers/{dossier_id}/accept", json={}, headers={**desk, "If-Match": '"1"'})
    assert current.status_code == 200


def test_bad_command_input_is_422_in_vietnamese_and_changes_nothing(client, file_dossier, as_officer, workflow_db):
    dossier_id = file_dossier()
    desk = as_officer(DESK, Role.COUNTER_OFFICER)
    response = client.post(f"/dossiers/{dossier_id}/request-supplement", json={"items": []}, headers=desk)
    assert response.status_code == 422 and response.json["errors"]["json"]["items"] == ["Từ 1 đến 60 mục."]
    assert workflow_db.dossiers.find_one({"_id": dossier_id})["version"] == 1
    assert client.post("/dossiers/khong-co/accept", json={}, headers=desk).status_code == 404


def test_forms_are_filled_from_the_dossier_and_numbered_by_its_rule_set(client, file_dossier, as_officer):
    dossier_id = file_dossier()
    desk = as_officer(DESK, Role.COUNTER_OFFICER)
    assert client.get(f"/dossiers/{dossier_id}/forms/receipt", headers=desk).status_code == 404
    client.post(f"/dossiers/{dossier_id}/accept", json={}, headers=desk)
    receipt = client.get(f"/dossiers/{dossier_id}/forms/receipt", headers=desk).json
    assert receipt["number"] == "01" and receipt["title"] == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert receipt["agency"] == "Trung tâm Phục vụ hành chính công tỉnh Cao Bằng"
    assert receipt["legal_basis"] == "Mẫu số 01 ban hành kèm theo Thông tư 03/2025/TT-VPCP"
    page = client.get(f"/dossiers/{dossier_id}/forms/receipt?format=html", headers=desk)
    assert page.content_type.startswith("text/html") and "@page { size: A5" in page.text
    assert "GIẤY TIẾP NHẬN" not in page.text and "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in page.text
    slip = client.get(f"/dossiers/{dossier_id}/forms/control_slip", headers=desk).json
    assert slip["number"] == "06" and slip["rows"][0]["to_unit"] == "Sở Y tế tỉnh Cao Bằng"


def test_queues_sort_by_due_and_filter_by_due_state(client, file_dossier, as_officer, workflow_db):
    agency_desk = "000.31.01.H29"  # the Sài Gòn ward centre (certified copies: same-day)
    ids = [file_dossier("2.000815", receiving=agency_desk) for _ in range(3)]
    desk = as_officer(agency_desk, Role.COUNTER_OFFICER)
    queue = client.get(f"/agencies/{agency_desk}/queue?status=1&procedure=2.000815", headers=desk).json
    assert set(ids) <= {item["dossier_id"] for item in queue["items"]}
    dues = [item["queue_due"] for item in queue["items"]]
    assert dues == sorted(dues)
    for collection in (workflow_db.dossiers, workflow_db[QUEUE]):  # the dossier and its queue entry, due an hour ago
        collection.update_one({"_id": ids[1]}, {"$set": {"queue_due": utc_now() - timedelta(hours=1)}})
    late = client.get(f"/agencies/{agency_desk}/queue?due_state=late", headers=desk).json["items"]
    assert [item["dossier_id"] for item in late] == [ids[1]]
    page = client.get(f"/agencies/{agency_desk}/queue?limit=1", headers=desk).json
    assert page["next_cursor"]
    other_desk = as_officer(DESK, Role.COUNTER_OFFICER)
    assert client.get(f"/agencies/{agency_desk}/queue", headers=other_desk).status_code == 403


def test_every_write_of_a_dossier_brings_its_queue_entry_along_and_a_finished_one_leaves_the_queue(
        client, file_dossier, as_officer, workflow_db, settings):
    accepted, refused = file_dossier(), file_dossier()
    desk = as_officer(DESK, Role.COUNTER_OFFICER)
    entry = workflow_db[QUEUE].find_one({"_id": accepted})
    assert (entry["status"], entry["queue_agency"], entry["version"]) == (1, DESK, 1)
    client.post(f"/dossiers/{accepted}/accept", json={}, headers=desk)
    dossier, entry = workflow_db.dossiers.find_one({"_id": accepted}), workflow_db[QUEUE].find_one({"_id": accepted})
    assert (entry["status"], entry["queue_agency"], entry["queue_due"]) == (2, dossier["queue_agency"],
                                                                            dossier["queue_due"])
    assert entry["version"] == dossier["version"] and entry["applicant_name"] == dossier["applicant"]["full_name"]
    client.post(f"/dossiers/{refused}/refuse", headers=desk, json={"reasons": ["Thủ tục không thuộc thẩm quyền"]})
    assert set(workflow_db[QUEUE].find_one({"_id": refused})) == {"_id", "version", "gone_at"}  # a tombstone
    queue = client.get(f"/agencies/{DESK}/queue?limit=100", headers=desk).json["items"]
    assert refused not in {item["dossier_id"] for item in queue}
    finished = {item["dossier_id"]: item for item in
                client.get(f"/agencies/{DESK}/finished?limit=200", headers=desk).json["items"]}
    refused_dossier = workflow_db.dossiers.find_one({"_id": refused})
    assert finished[refused]["applicant_name"] == refused_dossier["applicant"]["full_name"]
    assert (finished[refused]["procedure_code"], finished[refused]["status"]["code"]) == (
        refused_dossier["procedure"]["code"], refused_dossier["status"])
    # entries lost (a writer stopped between its two writes, or dossiers older than the entries): the sweep
    workflow_db[QUEUE].delete_one({"_id": accepted})
    assert QUEUE_VIEW.reconcile(workflow_db, "dossiers", utc_now()) >= 1
    assert workflow_db[QUEUE].find_one({"_id": accepted})["version"] == dossier["version"]


def test_a_published_announcement_moves_open_appointments(client, file_dossier, as_officer, workflow_db):
    dossier_id = file_dossier()
    client.post(f"/dossiers/{dossier_id}/accept", json={}, headers=as_officer(DESK, Role.COUNTER_OFFICER))
    before = workflow_db.dossiers.find_one({"_id": dossier_id})["appointment_due"]
    first_working = (utc_now() + timedelta(days=1)).astimezone(VN_TZ).date()
    while not client.get(f"/calendar/days?from={first_working}&to={first_working}").json[0]["working"]:
        first_working += timedelta(days=1)
    announcement = {"id": f"test-{dossier_id[:8]}", "title": "Nghỉ bù thử nghiệm", "reference": "Thông báo thử",
                    "days_off": [first_working.isoformat()]}
    admin = as_officer(DESK, Role.ADMIN)
    assert client.post("/calendar/announcements", json=announcement, headers=admin).status_code == 201
    after = workflow_db.dossiers.find_one({"_id": dossier_id})
    assert after["appointment_due"] > before and "dossier.deadline-changed" in _events(workflow_db, dossier_id)
    assert after["deadline_history"][-1]["reason"].startswith("Lịch làm việc thay đổi: Nghỉ bù thử nghiệm")


def test_an_announcement_preview_shows_the_dossiers_publishing_would_move_and_saves_nothing(
        client, file_dossier, as_officer, workflow_db):
    """The preview counts with the same arithmetic as the recompute publishing runs: what it says moves, moves,
    to exactly the moment it said; nothing is written before the administrator saves."""
    dossier_id = file_dossier()
    client.post(f"/dossiers/{dossier_id}/accept", json={}, headers=as_officer(DESK, Role.COUNTER_OFFICER))
    waiting = file_dossier()  # status 1: its clock has not started, a calendar change does not recount it
    before = workflow_db.dossiers.find_one({"_id": dossier_id})
    first_working = (utc_now() + timedelta(days=1)).astimezone(VN_TZ).date()
    while not client.get(f"/calendar/days?from={first_working}&to={first_working}").json[0]["working"]:
        first_working += timedelta(days=1)
    announcement = {"id": f"xem-{dossier_id[:8]}", "title": "Nghỉ bù xem trước", "reference": "Thông báo thử",
                    "days_off": [first_working.isoformat()]}
    admin = as_officer(DESK, Role.ADMIN)
    assert client.post("/calendar/announcements/preview", json=announcement,
                       headers=as_officer(DESK, Role.COUNTER_OFFICER)).status_code == 403
    preview = client.post("/calendar/announcements/preview", json=announcement, headers=admin)
    assert preview.status_code == 200, preview.json
    moved = {d["id"]: d for d in preview.json["dossiers"]}
    assert dossier_id in moved and waiting not in moved and preview.json["total"] >= 1
    appointment = next(c for c in moved[dossier_id]["changes"] if c["scope"] == "appointment")
    old_due, new_due = (datetime.fromisoformat(appointment[k]) for k in ("old_due", "new_due"))
    assert old_due == before["appointment_due"] and new_due > old_due
    assert announcement["id"] not in {a["id"] for a in client.get("/calendar/announcements").json}
    assert workflow_db.dossiers.find_one({"_id": dossier_id})["version"] == before["version"]  # nothing written
    bad = client.post("/calendar/announcements/preview", json={**announcement, "days_off": []}, headers=admin)
    assert bad.status_code == 422

    assert client.post("/calendar/announcements", json=announcement, headers=admin).status_code == 201
    after = workflow_db.dossiers.find_one({"_id": dossier_id})
    assert after["appointment_due"] == new_due


def test_the_scheduler_raises_each_alert_once_even_on_two_replicas(file_dossier, workflow_db, settings):
    dossier_id = file_dossier()
    workflow_db.dossiers.update_one({"_id": dossier_id},
                                    {"$set": {"steps.0.due_at": utc_now() - timedelta(minutes=5),
                                              "queue_due": utc_now() - timedelta(minutes=5)}})
    moved = workflow_db.dossiers.find_one({"_id": dossier_id})
    set_next_alerts(moved)  # what the aggregate derives from the due moment written raw above
    workflow_db.dossiers.update_one({"_id": dossier_id}, {"$set": {NEXT_DUE_SOON: moved[NEXT_DUE_SOON],
                                                                   NEXT_OVERDUE: moved[NEXT_OVERDUE]}})
    at_once(lambda: scan(workflow_db, settings), 2)
    scan(workflow_db, settings)
    outbox = workflow_db.dossiers.find_one({"_id": dossier_id})["outbox"]
    overdue = [e for e in outbox if e["type"] == "dossier.overdue"]
    assert len(overdue) == 1 and overdue[0]["payload"]["details"]["scope"] == "step"
