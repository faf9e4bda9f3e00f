"""Ratings through the API: once per dossier after the result is returned and within the window, by the applicant
on the web for their own dossier only, or recorded at the counter by an officer of the receiving desk (Decree
61/2018 Art. 28–31; Circular 01/2018 Art. 12–14)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from shared.auth.roles import Role
from shared.clock import utc_now
from shared.events.topics import Topic
from tests.feedback.conftest import officer, returned_dossier
from tests.support import factories
from tests.support.bus import outbox_events

ANSWERS = {"time_vs_deadline": "on_time", "contacts": "none", "bodies_contacted": "desk_only",
           "staff_attitude": "good", "published_info": "accurate"}


def rating(**overrides) -> dict:
    return {"answers": dict(ANSWERS), "satisfied": True, "comment": "Cán bộ hướng dẫn tận tình.", **overrides}


def test_the_applicant_rates_their_returned_dossier_once(feedback, agency):
    settings, db, client = feedback
    person = factories.applicant_principal()
    dossier = returned_dossier(db, owner=person.subject, agency=agency)
    auth = factories.bearer(settings, person)

    status = client.get(f"/dossiers/{dossier['code']}/rating", headers=auth)
    assert status.status_code == 200 and status.json["open"] is True and status.json["rating"] is None

    first = client.post(f"/dossiers/{dossier['code']}/rating", json=rating(), headers={**auth, "Idempotency-Key": "r1"})
    assert first.status_code == 201, first.json
    assert first.json["channel"] == "web" and first.json["satisfied"] is True
    assert first.json["answers"]["contacts"] == "none"

    again = client.post(f"/dossiers/{dossier['code']}/rating", json=rating(), headers={**auth, "Idempotency-Key": "r1"})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    second = client.post(f"/dossiers/{dossier['code']}/rating", json=rating(satisfied=False), headers=auth)
    assert second.status_code == 409
    assert "một lần" in second.json["message"]

    (event,) = [e for e in outbox_events(db, "ratings") if e["type"] == "rating.recorded"]
    assert event["dossier_id"] == dossier["id"]
    assert event["payload"]["channel"] == "web" and event["payload"]["answers"]["staff_attitude"] == "good"
    assert Topic.FEEDBACK_RATINGS.value == "feedback.ratings"


def test_another_applicant_cannot_rate_or_see_the_dossier(feedback, agency):
    settings, db, client = feedback
    dossier = returned_dossier(db, owner=str(uuid.uuid4()), agency=agency)
    stranger = factories.bearer(settings, factories.applicant_principal())
    assert client.post(f"/dossiers/{dossier['code']}/rating", json=rating(), headers=stranger).status_code == 404
    assert client.get(f"/dossiers/{dossier['code']}/rating", headers=stranger).status_code == 404
    assert client.post(f"/dossiers/{dossier['code']}/rating", json=rating()).status_code == 401


def test_rating_opens_when_the_result_is_returned_and_closes_after_the_window(feedback, agency):
    settings, db, client = feedback
    person = factories.applicant_principal()
    auth = factories.bearer(settings, person)
    in_progress = returned_dossier(db, owner=person.subject, agency=agency, status=4)
    answer = client.post(f"/dossiers/{in_progress['code']}/rating", json=rating(), headers=auth)
    assert answer.status_code == 409 and "chưa được trả kết quả" in answer.json["message"]

    old = returned_dossier(db, owner=person.subject, agency=agency,
                           returned_at=utc_now() - timedelta(days=settings.rating_window_days, hours=1))
    late = client.post(f"/dossiers/{old['code']}/rating", json=rating(), headers=auth)
    assert late.status_code == 409 and "hết thời hạn đánh giá" in late.json["message"]
    assert client.get(f"/dossiers/{old['code']}/rating", headers=auth).json["open"] is False

    recent = returned_dossier(db, owner=person.subject, agency=agency,
                              returned_at=utc_now() - timedelta(days=settings.rating_window_days - 1))
    assert client.post(f"/dossiers/{recent['code']}/rating", json=rating(), headers=auth).status_code == 201


def test_a_counter_officer_records_a_paper_form_or_a_device_answer(feedback, agency):
    settings, db, client = feedback
    dossier = returned_dossier(db, owner=None, agency=agency)  # filed at the counter without an account
    desk = officer(settings, agency, Role.COUNTER_OFFICER)
    missing_channel = client.post(f"/dossiers/{dossier['code']}/rating", json=rating(), headers=desk)
    assert missing_channel.status_code == 422 and "channel" in missing_channel.json["errors"]["json"]
    answer = client.post(f"/dossiers/{dossier['code']}/rating", json=rating(channel="device", satisfied=False),
                         headers=desk)
    assert answer.status_code == 201 and answer.json["channel"] == "device"
    assert answer.json["recorded_by_name"] == "Trần Văn Bình"

    other_desk = officer(settings, factories.agency_code(), Role.COUNTER_OFFICER)
    other = returned_dossier(db, owner=None, agency=agency)
    assert client.post(f"/dossiers/{other['code']}/rating", json=rating(channel="paper"),
                       headers=other_desk).status_code == 403
    applicant = factories.applicant_principal()
    own = returned_dossier(db, owner=applicant.subject, agency=agency)
    as_device = client.post(f"/dossiers/{own['code']}/rating", json=rating(channel="device"),
                            headers=factories.bearer(settings, applicant))
    assert as_device.status_code == 422


def test_bad_answers_get_vietnamese_field_messages_and_nothing_is_stored(feedback, agency):
    settings, db, client = feedback
    person = factories.applicant_principal()
    dossier = returned_dossier(db, owner=person.subject, agency=agency)
    auth = factories.bearer(settings, person)
    bad = client.post(f"/dossiers/{dossier['code']}/rating", headers=auth, json={
        "answers": {**ANSWERS, "staff_attitude": "meh", "contacts": None}, "comment": "x" * 2001})
    assert bad.status_code == 422
    errors = bad.json["errors"]["json"]
    assert errors["satisfied"] == ["Thiếu trường bắt buộc."]
    assert "staff_attitude" in errors["answers"] and "contacts" in errors["answers"]
    assert "comment" in errors
    assert db["ratings"].count_documents({}) == 0


def test_the_criteria_are_public_and_name_their_indicator(feedback):
    _, _, client = feedback
    answer = client.get("/ratings/criteria")
    assert answer.status_code == 200
    by_code = {c["code"]: c for c in answer.json["criteria"]}
    assert by_code["contacts"]["indicator"] == 3 and by_code["bodies_contacted"]["indicator"] == 4
    assert [a["code"] for a in by_code["staff_attitude"]["answers"]] == ["good", "normal", "poor"]
    assert answer.json["channels"]["device"] == "Thiết bị đánh giá điện tử tại quầy"
