"""Petitions (phản ánh, kiến nghị) through the API: anyone sends one (signed in or not, with attachments), the
agency concerned handles it within the Decision 766 deadlines on the shared calendar (refuse within 2 working days,
ask for more within 5, answer within 15, publish within 2), due-soon and overdue alerts as for dossiers, and the
sender rates the answer."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta

from services.feedback.petitions.alerts import scan
from services.feedback.petitions.service import context_for
from services.notify.notifications.planner import plan
from shared.auth.roles import Role
from shared.calendar import TimeLimit, Unit
from shared.clock import as_utc, utc_now
from shared.domain import evaluation as ev
from shared.events import Event
from tests.feedback.conftest import officer, returned_dossier
from tests.support import factories
from tests.support.bus import outbox_events


def petition(**overrides) -> dict:
    body = {"subject": "procedure", "procedure_code": "1.001806", "title": "Thành phần hồ sơ chưa rõ",
            "content": "Trên Cổng Dịch vụ công không nêu rõ số bản sao cần nộp.\nĐề nghị hướng dẫn.",
            "sender": {"full_name": "Lê Thị Mai", "email": f"mai.{uuid.uuid4().hex[:6]}@example.vn"}}
    body.update(overrides)
    return body


def send(client, agency, headers=None, **overrides):
    answer = client.post("/petitions", json=petition(agency_code=agency, **overrides), headers=headers or {})
    assert answer.status_code == 201, answer.json
    return answer.json


def events(db, code) -> list[dict]:
    return [e for e in outbox_events(db, "petitions") if e["payload"]["code"] == code]


def test_anyone_sends_a_petition_with_an_attachment_and_follows_it_with_the_key(feedback, agency):
    settings, db, client = feedback
    upload = client.post("/petitions/attachments", data={"file": (io.BytesIO(factories.pdf_bytes()),
                                                                  "anh-chup.pdf")},
                         headers={"Idempotency-Key": f"a-{uuid.uuid4().hex}"})
    assert upload.status_code == 201, upload.json
    fake = client.post("/petitions/attachments", data={"file": (io.BytesIO(b"MZ not a pdf"), "x.pdf")})
    assert fake.status_code == 422 and "theo nội dung tệp" in fake.json["errors"]["files"]["file"][0]

    sent = send(client, agency, attachment_ids=[upload.json["id"]])
    assert sent["status"] == "received" and sent["code"].startswith("PA-") and sent["access_key"]
    assert sent["sender"]["account_id"] is None and sent["category"] == "rules"
    calendar = context_for(db, settings, factories.applicant_principal()).calendar
    received = as_utc(datetime.fromisoformat(sent["received_at"]))
    expected = calendar.add(received, TimeLimit(15, Unit.WORKING_DAYS), apply_cutoff=False).due
    assert as_utc(datetime.fromisoformat(sent["answer_due"])) == expected
    assert sent["attachments"][0]["file_name"] == "anh-chup.pdf"

    code, key = sent["code"], sent["access_key"]
    assert client.get(f"/petitions/{code}").status_code == 401
    assert client.get(f"/petitions/{code}", headers={"X-Petition-Key": "wrong"}).status_code == 401
    mine = client.get(f"/petitions/{code}", headers={"X-Petition-Key": key})
    assert mine.status_code == 200 and "access_key" not in mine.json
    file = client.get(f"/petitions/{code}/attachments/{upload.json['id']}", headers={"X-Petition-Key": key})
    assert file.status_code == 200 and file.data.startswith(b"%PDF-")

    (received_event,) = events(db, code)
    assert received_event["type"] == "petition.received"
    assert received_event["payload"]["details"] == {"attachments": 1, "anonymous": True}


def test_a_signed_in_sender_petitions_about_their_dossier_and_the_agency_answers_and_publishes(feedback, agency):
    settings, db, client = feedback
    person = factories.applicant_principal()
    auth = factories.bearer(settings, person)
    dossier = returned_dossier(db, owner=person.subject, agency=agency)
    sent = send(client, None, auth, subject="dossier", dossier_code=dossier["code"],
                title="Hồ sơ trả chậm", content="Hồ sơ của tôi trả muộn hai ngày.")
    assert sent["agency_code"] == agency and sent["dossier_code"] == dossier["code"]
    assert sent["sender"]["account_id"] == person.subject
    code = sent["code"]
    assert client.get("/petitions/mine", headers=auth).json["items"][0]["code"] == code

    specialist = officer(settings, agency, Role.SPECIALIST)
    stranger = officer(settings, factories.agency_code(), Role.SPECIALIST)
    assert client.post(f"/petitions/{code}/accept", json={}, headers=stranger).status_code == 403
    assert client.post(f"/petitions/{code}/accept", json={}, headers=specialist).json["status"] == "in_progress"
    answer = client.post(f"/petitions/{code}/answer", headers=specialist, json={
        "answer": "Cơ quan xin lỗi vì trả kết quả chậm; đã nhắc nhở bộ phận xử lý.", "conclusion": "upheld",
        "publish": True})
    assert answer.status_code == 200 and answer.json["status"] == "answered"
    assert answer.json["answer"]["on_time"] is True and answer.json["publish_due"]
    assert answer.json["state"] == "open"  # publication is still due
    published = client.post(f"/petitions/{code}/publish", json={}, headers=specialist)
    assert published.json["status"] == "published" and published.json["state"] == "closed"
    public = client.get("/petitions/published", query_string={"agency": agency}).json["items"]
    assert public[0]["code"] == code and "sender" not in public[0]

    rated = client.post(f"/petitions/{code}/rating", json={"satisfied": False, "comment": "Chưa thỏa đáng"},
                        headers=auth)
    assert rated.status_code == 200 and rated.json["rating"]["satisfied"] is False
    assert client.post(f"/petitions/{code}/rating", json={"satisfied": True}, headers=auth).status_code == 409
    kinds = [e["type"] for e in events(db, code)]
    assert kinds == ["petition.received", "petition.accepted", "petition.answered", "petition.published",
                     "petition.rated"]
    assert [e["payload"]["revision"] for e in events(db, code)] == [1, 2, 3, 4, 5]


def test_asking_for_more_stops_the_answer_clock_and_is_refused_after_five_working_days(feedback, agency,
                                                                                       business_clock):
    settings, db, client = feedback
    sent = send(client, agency)
    code, key = sent["code"], sent["access_key"]
    handler = officer(settings, agency, Role.COUNTER_OFFICER)
    asked = client.post(f"/petitions/{code}/request-info", json={"request": "Cho biết mã hồ sơ."}, headers=handler)
    assert asked.json["status"] == "info_requested" and asked.json["queue_due"] is None
    due_before = as_utc(datetime.fromisoformat(asked.json["answer_due"]))
    with business_clock.advanced(timedelta(days=7), why="the sender answers a week later"):
        supplied = client.post(f"/petitions/{code}/supply-info", json={"note": "Mã hồ sơ là 000.00.12.H29-..."},
                               headers={"X-Petition-Key": key})
        assert supplied.status_code == 200 and supplied.json["status"] == "in_progress"
        due_after = as_utc(datetime.fromisoformat(supplied.json["answer_due"]))
        assert due_after > due_before + timedelta(days=4)  # the week waited is not counted

    late = send(client, agency)
    with business_clock.advanced(timedelta(days=9), why="more than five working days after receipt"):
        refused = client.post(f"/petitions/{late['code']}/request-info", json={"request": "x"}, headers=handler)
        assert refused.status_code == 409 and "05 ngày làm việc" in refused.json["message"]
        gone = client.post(f"/petitions/{late['code']}/refuse", json={"reason": "Không thuộc thẩm quyền."},
                           headers=handler)
        assert gone.json["status"] == "refused" and gone.json["refusal"]["on_time"] is False


def test_due_soon_and_overdue_alerts_are_raised_once_per_deadline(feedback, agency, business_clock):
    settings, db, client = feedback
    sent = send(client, agency)
    assert scan(db, settings) == 0
    with business_clock.advanced(timedelta(days=1, hours=6), why="the decision deadline is near"):
        assert scan(db, settings) >= 1
        assert scan(db, settings) == 0
    with business_clock.advanced(timedelta(days=4), why="the decision deadline has passed"):
        assert scan(db, settings) >= 1
    kinds = [(e["type"], e["payload"]["details"]["stage"]) for e in events(db, sent["code"])[1:]]
    assert ("petition.due-soon", "decide") in kinds and ("petition.overdue", "decide") in kinds


def test_bad_petitions_get_field_messages(feedback, agency):
    _, db, client = feedback
    no_contact = client.post("/petitions", json=petition(agency_code=agency, sender={"full_name": "A"}))
    assert no_contact.status_code == 422 and "sender" in no_contact.json["errors"]["json"]
    unknown = client.post("/petitions", json=petition(agency_code="999.99.99.H99"))
    assert unknown.json["errors"]["json"]["agency_code"] == ["Không có cơ quan có mã này."]
    no_dossier = client.post("/petitions", json=petition(subject="dossier", dossier_code="X-1"))
    assert "dossier_code" in no_dossier.json["errors"]["json"]
    bad_subject = client.post("/petitions", json=petition(agency_code=agency, subject="weather", title=""))
    assert set(bad_subject.json["errors"]["json"]) == {"subject", "title"}
    assert db["petitions"].count_documents({}) == 0


def test_the_answer_goes_to_the_sender_and_the_agency_is_told(feedback, agency):
    settings, db, client = feedback
    sent = send(client, agency, sender={"full_name": "Lê Thị Mai", "email": "mai@example.vn",
                                        "phone": "0912345678"})
    handler = officer(settings, agency, Role.SPECIALIST)
    client.post(f"/petitions/{sent['code']}/answer", headers=handler,
                json={"answer": "Đã bổ sung hướng dẫn.", "conclusion": "explained"})
    by_type = {e["type"]: Event.from_document(e) for e in events(db, sent["code"])}
    received = plan(by_type["petition.received"], _loaded(by_type["petition.received"]), "http://portal")
    assert {(m.template.id, m.channel) for m in received.messages} == {
        ("petition-received", "email"), ("petition-received", "sms"), ("officer-petition-received", "in_app")}
    answered = plan(by_type["petition.answered"], _loaded(by_type["petition.answered"]), "http://portal")
    (email,) = [m for m in answered.messages if m.channel == "email"]
    text = email.template.render("email", email.personalisation)["text"]
    assert "Đã bổ sung hướng dẫn." in text and ev.CONCLUSIONS["explained"] in text
    assert f"http://portal/phan-anh/{sent['code']}" in text


def _loaded(event):
    from shared.events import event_type

    return event_type(event.type).load(event.payload, event.schema_version)


def test_received_moment_is_business_now(feedback, agency):
    _, _, client = feedback
    sent = send(client, agency)
    received = as_utc(datetime.fromisoformat(sent["received_at"]))
    assert abs(received - utc_now()) < timedelta(seconds=30)
