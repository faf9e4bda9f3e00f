"""The notify API in this process: who may read a dossier's messages, resending, messages asked for by other
systems, templates and their preview, the delivery-receipt callback, the in-app inbox."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from services.notify.app import create_app
from services.notify.notifications import statuses
from services.notify.storage import NOTIFICATIONS
from services.notify.templates.library import TEMPLATES, TEMPLATES_LIST
from shared.auth.policy import sign
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.clock import utc_now
from tests.notify.conftest import deliver_all, mail_to, persist
from tests.support import factories


@pytest.fixture
def env(isolated_notify):
    settings, db = isolated_notify
    return settings, db, create_app(settings).test_client()


def _applicant(subject: str) -> Principal:
    return Principal(subject=subject, kind=PrincipalKind.APPLICANT, roles=frozenset({Role.APPLICANT}))


def _officer(agency: str, *roles: Role, subject: str | None = None) -> Principal:
    return Principal(subject=subject or str(uuid.uuid4()), kind=PrincipalKind.OFFICER,
                     roles=frozenset(roles or {Role.COUNTER_OFFICER}), agency_code=agency, name="Cán bộ")


def _accepted(**overrides):
    return factories.dossier_event("accepted", {"received_at": utc_now(), "appointment_due": utc_now(),
                                                "receipt": True}, status=2, **overrides)


def _delivered(env, event):
    settings, db, _ = env
    persist(db, settings, event)
    deliver_all(db, settings)
    return {(d["channel"], d["audience"]): d for d in db[NOTIFICATIONS].find({"dossier_id": event.dossier_id})}


# -- a dossier's messages ---------------------------------------------------------------------------------------

def test_the_owner_and_the_dossiers_officers_read_its_messages_and_nobody_else(env):
    settings, _, client = env
    event = _accepted()
    _delivered(env, event)
    url = f"/dossiers/{event.dossier_id}/notifications"

    mine = client.get(url, headers=factories.bearer(settings, _applicant(event.payload["owner_account_id"])))
    assert mine.status_code == 200
    assert {n["audience"] for n in mine.json} == {"applicant"}  # not the desk's inbox message
    by_channel = {n["channel"]: n for n in mine.json}
    assert set(by_channel) == {"email", "sms", "in_app"}
    email = by_channel["email"]
    assert email["status_name"] == "Đã gửi thành công" and email["attempt_count"] == 1
    assert email["content"]["subject"] == f"[Một cửa] Hồ sơ {event.payload['code']} đã được tiếp nhận"
    assert email["template_version"] == 1 and email["attempts"][0]["outcome"] == statuses.DELIVERED
    assert by_channel["sms"]["status_name"] == "Đang gửi"

    competent = factories.bearer(settings, _officer(event.payload["competent_agency_code"], Role.SPECIALIST))
    seen_by_officers = client.get(url, headers=competent)
    assert seen_by_officers.status_code == 200 and {n["audience"] for n in seen_by_officers.json} == {
        "applicant", "officer"}
    stranger = factories.bearer(settings, _applicant(str(uuid.uuid4())))
    assert client.get(url, headers=stranger).status_code == 404
    elsewhere = factories.bearer(settings, _officer(factories.agency_code()))
    assert client.get(url, headers=elsewhere).status_code == 404  # as if the dossier did not exist
    assert client.get(url).status_code == 401


# -- resend -------------------------------------------------------------------------------------------------------

def test_a_desk_officer_resends_a_finished_message_to_a_corrected_address_once(stack, env):
    settings, db, client = env
    event = _accepted(contact={"email": "sai-dia-chi@reject.invalid", "phone": factories.phone()})
    sent = _delivered(env, event)
    failed = sent[("email", "applicant")]
    assert failed["status"] == statuses.PERMANENT_FAILURE
    desk = factories.bearer(settings, _officer(event.payload["receiving_agency_code"]))
    corrected = f"dung.{uuid.uuid4().hex[:6]}@example.vn"
    body = {"recipient": corrected}
    keyed = {**desk, "Idempotency-Key": "gui-lai-0001"}

    first = client.post(f"/notifications/{failed['_id']}/resend", json=body, headers=keyed)
    again = client.post(f"/notifications/{failed['_id']}/resend", json=body, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 200) and again.headers["Idempotent-Replayed"] == "true"
    assert first.json["id"] == again.json["id"] != failed["_id"]
    assert first.json["resend_of"] == failed["_id"] and first.json["recipient"] == corrected
    deliver_all(db, settings)
    (message,) = mail_to(stack, corrected)
    assert message["Subject"] == f"[Một cửa] Hồ sơ {event.payload['code']} đã được tiếp nhận"
    assert db[NOTIFICATIONS].find_one({"_id": failed["_id"]})["status"] == statuses.PERMANENT_FAILURE

    still_sending = sent[("sms", "applicant")]
    answer = client.post(f"/notifications/{still_sending['_id']}/resend", json={}, headers=desk)
    assert answer.status_code == 409 and "đang được gửi" in answer.json["message"]
    specialist = factories.bearer(settings, _officer(event.payload["receiving_agency_code"], Role.SPECIALIST))
    assert client.post(f"/notifications/{failed['_id']}/resend", json={}, headers=specialist).status_code == 403


# -- asked for by another system -----------------------------------------------------------------------------

def test_another_service_asks_for_a_message_under_its_own_idempotency_key(stack, env):
    settings, db, client = env
    workflow = factories.bearer(settings, Principal(subject="workflow", kind=PrincipalKind.SERVICE,
                                                    roles=frozenset()))
    address = f"thanh.toan.{uuid.uuid4().hex[:6]}@example.vn"
    personalisation = {"applicant_name": "Phạm Minh Châu", "code": "000.00.12.H29-261123-0042",
                       "procedure_name": "Cấp giấy phép xây dựng", "amount": "1.500.000 đồng",
                       "description": "Lệ phí cấp giấy phép", "pay_url": "http://127.0.0.1:8080/ho-so/42"}
    body = {"template_id": "dossier-payment-requested", "channel": "email", "recipient": address,
            "personalisation": personalisation, "agency_codes": ["000.00.12.H29"]}
    keyed = {**workflow, "Idempotency-Key": f"payment-{uuid.uuid4()}"}
    first = client.post("/notifications", json=body, headers=keyed)
    again = client.post("/notifications", json=body, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 200) and first.json["id"] == again.json["id"]
    latest = max(version for (template, version) in TEMPLATES if template == "dossier-payment-requested")
    assert first.json["template_version"] == latest == 2  # pinned to the latest version when not given
    deliver_all(db, settings)
    (message,) = mail_to(stack, address)
    assert "số tiền 1.500.000 đồng" in message.get_body(("plain",)).get_content()

    missing = client.post("/notifications", json={**body, "personalisation": {"code": "x"}}, headers=workflow)
    assert missing.status_code == 422 and "applicant_name" in missing.json["message"]
    unknown = client.post("/notifications", json={**body, "template_id": "khong-co"}, headers=workflow)
    assert unknown.status_code == 404
    no_sms = client.post("/notifications", json={**body, "template_id": "officer-overdue"}, headers=workflow)
    bad_key = client.post("/notifications", json=body, headers={**workflow, "Idempotency-Key": "có dấu"})
    assert bad_key.status_code == 422 and "Idempotency-Key" in bad_key.json["errors"]["headers"]
    assert no_sms.status_code == 422 and "email" in no_sms.json["message"]
    invalid = client.post("/notifications", json={"channel": "fax"}, headers=workflow)
    assert invalid.status_code == 422
    assert invalid.json["errors"]["json"]["channel"] == ["Phải là một trong: email, sms, in_app."]
    assert invalid.json["errors"]["json"]["template_id"] == ["Thiếu trường bắt buộc."]
    officer = factories.bearer(settings, _officer("000.00.12.H29", Role.ADMIN))
    assert client.post("/notifications", json=body, headers={**officer, "Idempotency-Key": "k"}).status_code == 403


# -- templates ----------------------------------------------------------------------------------------------------

def test_templates_are_listed_and_previewed_with_sample_data(env):
    settings, _, client = env
    officer = factories.bearer(settings, _officer(factories.agency_code(), Role.SPECIALIST))
    listed = client.get("/templates", headers=officer)
    assert listed.status_code == 200
    assert {(t["id"], t["version"]) for t in listed.json} == {(t.id, t.version) for t in TEMPLATES_LIST}
    apology = next(t for t in listed.json if t["id"] == "dossier-apology")
    assert apology["required"] is True and "new_appointment" in apology["fields"]

    preview = client.post("/templates/dossier-apology/preview", json={}, headers=officer)
    assert preview.status_code == 200
    email, sms = preview.json["channels"]["email"], preview.json["channels"]["sms"]["sms"]
    assert email["subject"].startswith("[Một cửa] Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ")
    assert "17:00 ngày 03/12/2026" in email["text"] and "<p>" in email["html"]
    assert sms["as_written"].startswith("Xin lỗi Ông/Bà") and sms["as_sent"].startswith("Xin loi Ong/Ba")
    assert sms["encoding"] == "gsm7" and sms["segments"] == (1 if sms["characters"] <= 160 else 2)

    own = client.post("/templates/dossier-apology/preview", json={"personalisation": {"code": "ABC-1"}},
                      headers=officer)
    assert "hồ sơ ABC-1" in own.json["channels"]["email"]["subject"]
    assert client.post("/templates/khong-co/preview", json={}, headers=officer).status_code == 404
    assert client.post("/templates/dossier-apology/preview", headers=officer).status_code == 200  # no body at all
    for name in ("", "Code", "ma ho so"):  # the documented pattern of a field's name (propertyNames)
        refused = client.post("/templates/dossier-apology/preview", json={"personalisation": {name: "x"}},
                              headers=officer)
        assert refused.status_code == 422, (name, refused.json)
        assert refused.json["errors"]["json"]["personalisation"][name]["key"] == [
            "Không được để trống." if not name else "Tên trường gồm chữ thường, số và dấu _."]
    assert client.post("/templates/dossier-apology/preview", json={"version": 9}, headers=officer).status_code == 404
    applicant = factories.bearer(settings, _applicant(str(uuid.uuid4())))
    assert client.get("/templates", headers=applicant).status_code == 403


def test_every_template_renders_on_each_of_its_channels_with_nothing_left_unfilled():
    from services.notify.templates.library import SAMPLE

    for template in TEMPLATES_LIST:
        assert not template.missing(SAMPLE), template.id
        for channel in template.channels:
            rendered = template.render(channel, SAMPLE)
            assert all("{" not in text and "}" not in text for text in rendered.values()), (template.id, channel)


def test_a_notification_keeps_the_template_version_it_was_sent_with(env, monkeypatch):
    from dataclasses import replace

    from services.notify.templates import library

    settings, db, client = env
    event = _accepted()
    sent = _delivered(env, event)
    v1 = library.get_template("dossier-accepted", 1)
    v2 = replace(v1, version=2, subject="[Một cửa] Hồ sơ {code}: đã tiếp nhận (mẫu mới)")
    monkeypatch.setitem(library.TEMPLATES, ("dossier-accepted", 2), v2)
    monkeypatch.setitem(library.LATEST, "dossier-accepted", v2)

    owner = factories.bearer(settings, _applicant(event.payload["owner_account_id"]))
    shown = client.get(f"/dossiers/{event.dossier_id}/notifications", headers=owner).json
    email = next(n for n in shown if n["id"] == sent[("email", "applicant")]["_id"])
    assert email["template_version"] == 1 and email["content"]["subject"].endswith("đã được tiếp nhận")
    later = _accepted()
    persist(db, settings, later)
    assert db[NOTIFICATIONS].find_one({"dossier_id": later.dossier_id, "channel": "email"})["template_version"] == 2


# -- delivery receipts ----------------------------------------------------------------------------------------

def _receipt(doc, **changes):
    body = {"receipt_id": f"r-{uuid.uuid4().hex}", "message_id": doc["provider_reference"],
            "reference": f"{doc['_id']}:{doc['attempt_count']}", "status": "delivered", "permanent": False,
            "error_code": None, "at": utc_now().isoformat(), **changes}
    return json.dumps(body).encode()


def _post_receipt(client, settings, raw: bytes, secret: str | None = None, timestamp: int | None = None):
    signature = sign(raw, secret or settings.sms_callback_secret, timestamp)
    return client.post("/sms/receipts", data=raw, headers={"Content-Type": "application/json",
                                                           "X-Signature": signature})


def test_a_signed_receipt_settles_the_sms_and_forged_replayed_or_repeated_ones_do_not(env):
    settings, db, client = env
    sms = _delivered(env, _accepted())[("sms", "applicant")]
    assert sms["status"] == statuses.SENDING
    raw = _receipt(sms)

    assert _post_receipt(client, settings, raw, secret="not-the-secret").status_code == 401
    assert client.post("/sms/receipts", data=raw, headers={"Content-Type": "application/json"}).status_code == 401
    stale = _post_receipt(client, settings, raw, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 401
    assert db[NOTIFICATIONS].find_one({"_id": sms["_id"]})["status"] == statuses.SENDING

    signature = sign(raw, settings.sms_callback_secret)
    headers = {"Content-Type": "application/json", "X-Signature": signature}
    first = client.post("/sms/receipts", data=raw, headers=headers)
    assert first.status_code == 200 and first.json == {"outcome": "applied"}
    replayed = client.post("/sms/receipts", data=raw, headers=headers)
    assert replayed.status_code == 409 and "phát lại" in replayed.json["message"]
    time.sleep(1.05)  # the gateway repeating its receipt later: a new timestamp, a new signature
    repeated = _post_receipt(client, settings, raw)
    assert repeated.status_code == 200 and repeated.json == {"outcome": "duplicate"}

    doc = db[NOTIFICATIONS].find_one({"_id": sms["_id"]})
    assert doc["status"] == statuses.DELIVERED and len(doc["receipts"]) == 1
    # A late failure receipt never overwrites the final status.
    late = _post_receipt(client, settings, _receipt(sms, status="failed", permanent=True))
    assert late.status_code == 200 and late.json == {"outcome": "recorded"}
    assert db[NOTIFICATIONS].find_one({"_id": sms["_id"]})["status"] == statuses.DELIVERED

    unknown = _post_receipt(client, settings, _receipt({**sms, "_id": str(uuid.uuid4())}))
    assert unknown.status_code == 404
    invalid = _post_receipt(client, settings, json.dumps({"status": "lost"}).encode())
    assert invalid.status_code == 422
    assert invalid.json["errors"]["json"]["status"] == ["Phải là một trong: delivered, failed."]


def test_a_permanent_failure_receipt_ends_the_sms_and_a_temporary_one_schedules_a_retry(env):
    settings, db, client = env
    unknown_number = _delivered(env, _accepted())[("sms", "applicant")]
    switched_off = _delivered(env, _accepted())[("sms", "applicant")]
    assert _post_receipt(client, settings, _receipt(unknown_number, status="failed", permanent=True,
                                                    error_code="unknown_subscriber")).status_code == 200
    assert _post_receipt(client, settings, _receipt(switched_off, status="failed",
                                                    error_code="absent_subscriber")).status_code == 200
    assert db[NOTIFICATIONS].find_one({"_id": unknown_number["_id"]})["status"] == statuses.PERMANENT_FAILURE
    retried = db[NOTIFICATIONS].find_one({"_id": switched_off["_id"]})
    assert retried["status"] == statuses.TEMPORARY_FAILURE and retried["next_attempt_at"] is not None


# -- the inbox ------------------------------------------------------------------------------------------------------

def test_the_inbox_shows_my_messages_newest_first_and_keeps_my_read_state(env):
    settings, db, client = env
    owner = str(uuid.uuid4())
    agency = factories.agency_code()
    events = [_accepted(owner=owner, agency=agency, competent_agency_code=agency) for _ in range(3)]
    for event in events:
        _delivered(env, event)
    me = factories.bearer(settings, _applicant(owner))

    inbox = client.get("/inbox", headers=me).json
    assert inbox["unread"] == 3
    assert [i["dossier_code"] for i in inbox["items"]] == [e.payload["code"] for e in reversed(events)]
    assert inbox["items"][0]["title"] == f"Hồ sơ {events[-1].payload['code']} đã được tiếp nhận"
    page1 = client.get("/inbox?limit=2", headers=me).json
    page2 = client.get(f"/inbox?limit=2&cursor={page1['next_cursor']}", headers=me).json
    assert [i["id"] for i in page1["items"] + page2["items"]] == [i["id"] for i in inbox["items"]]
    assert page2["next_cursor"] is None

    read = client.post(f"/inbox/{inbox['items'][0]['id']}/read", headers=me)
    assert read.status_code == 200 and read.json["read"] is True
    assert client.get("/inbox?unread=true", headers=me).json["unread"] == 2
    someone_else = factories.bearer(settings, _applicant(str(uuid.uuid4())))
    assert client.post(f"/inbox/{inbox['items'][1]['id']}/read", headers=someone_else).status_code == 404
    assert client.get("/inbox", headers=someone_else).json == {"items": [], "next_cursor": None, "unread": 0}

    # Messages to the agency: each officer of it sees them, and reads them for themselves.
    first, second = (factories.bearer(settings, _officer(agency, Role.SPECIALIST)) for _ in range(2))
    agency_items = client.get("/inbox", headers=first).json["items"]
    assert len(agency_items) == 3 and all(i["to_agency"] for i in agency_items)
    assert client.post("/inbox/read-all", headers=first).json == {"marked": 3}
    assert client.get("/inbox", headers=first).json["unread"] == 0
    assert client.get("/inbox", headers=second).json["unread"] == 3
    assert client.get("/inbox").status_code == 401


def test_an_attempt_under_way_is_answered_as_the_document_says():
    """Found by `make fuzz`: a notification read while its attempt was under way answered ``finished_at: null``,
    which the document did not allow."""
    import json

    import jsonschema

    from services.notify.delivery.attempts import started_entry
    from services.notify.notifications.schemas import AttemptView
    from shared.clock import utc_now
    from tools.openapi import path

    spec = json.loads(path("notify").read_text())
    answered = json.loads(json.dumps(AttemptView().dump(started_entry(1, utc_now()))))
    jsonschema.validate(answered, spec["components"]["schemas"]["AttemptView"])
    assert answered["finished_at"] is None and answered["outcome"] == "started"
