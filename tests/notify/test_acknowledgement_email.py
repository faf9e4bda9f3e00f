"""The automatic acknowledgement of an online filing (Decree 45/2020 Art. 11), e-mailed in Vietnamese
through a real SMTP server and read back from it."""

from __future__ import annotations

import dataclasses

import pytest

from services.notify.app import create_app
from services.notify.notifications import statuses
from services.notify.notifications.email import SmtpSender, TemporaryDeliveryError
from services.notify.notifications.service import on_dossier_submitted
from shared.auth.roles import Role
from shared.events import event_type
from tests.conftest import database
from tests.support import factories
from tools.devstack.mail import read_messages


@pytest.fixture
def notify_db(mongo_client, settings):
    return database(mongo_client, settings, "notify")


def _handle(db, settings, event, smtp_settings=None):
    payload = event_type(event.type).load(event.payload, event.schema_version)
    on_dossier_submitted(db, SmtpSender(smtp_settings or settings), settings, event, payload)


def _mail_to(stack, address):
    return [m for m in read_messages(stack.maildir) if m["To"] == address]


def test_the_applicant_receives_one_vietnamese_acknowledgement(stack, settings, notify_db):
    event = factories.submitted_event()
    to = event.payload["contact"]["email"]

    _handle(notify_db, settings, event)
    _handle(notify_db, settings, event)  # the same event delivered again by Kafka

    (message,) = _mail_to(stack, to)
    code = event.payload["code"]
    assert message["Subject"] == f"[Một cửa] Đã nhận hồ sơ trực tuyến {code}"
    assert message["X-Motcua-Dossier-Code"] == code
    text = message.get_body(("plain",)).get_content()
    assert "Kính gửi Nguyễn Thị Hoà," in text
    assert "lúc 10:15 ngày 22/11/2026" in text  # 03:15 UTC is 10:15 in Hà Nội
    assert f"Mã số hồ sơ: {code}" in text
    assert "Trạng thái: Mới đăng ký" in text
    assert "Hình thức nhận kết quả: Nhận trực tiếp tại Bộ phận Một cửa" in text
    assert f"{settings.public_portal_url}/lookup/{code}" in text
    assert "Mã số hồ sơ" in message.get_body(("html",)).get_content()

    (notification,) = list(notify_db.notifications.find({"dossier_id": event.dossier_id}))
    assert notification["status"] == statuses.DELIVERED
    assert (notification["template_id"], notification["template_version"]) == ("dossier-submitted", 1)
    (attempt,) = notification["attempts"]
    assert attempt["outcome"] == statuses.DELIVERED and attempt["provider_reference"] == message["Message-ID"]


def test_no_e_mail_contact_sends_nothing(settings, notify_db):
    event = factories.submitted_event(contact={"phone": "0912345678"})
    _handle(notify_db, settings, event)
    assert notify_db.notifications.count_documents({"dossier_id": event.dossier_id}) == 0


def test_a_refused_mailbox_is_a_permanent_failure_and_is_not_retried(stack, settings, notify_db):
    event = factories.submitted_event(contact={"email": "khong-ton-tai@reject.invalid"})
    _handle(notify_db, settings, event)
    _handle(notify_db, settings, event)
    (notification,) = list(notify_db.notifications.find({"dossier_id": event.dossier_id}))
    assert notification["status"] == statuses.PERMANENT_FAILURE
    assert len(notification["attempts"]) == 1 and "550" in notification["attempts"][0]["error"]


def test_a_deferred_or_unreachable_relay_is_a_temporary_failure_raised_for_a_retry(settings, notify_db):
    deferred = factories.submitted_event(contact={"email": "ban@defer.invalid"})
    for _ in range(2):
        with pytest.raises(TemporaryDeliveryError):
            _handle(notify_db, settings, deferred)
    notification = notify_db.notifications.find_one({"dossier_id": deferred.dossier_id})
    assert notification["status"] == statuses.TEMPORARY_FAILURE
    assert [a["outcome"] for a in notification["attempts"]] == [statuses.TEMPORARY_FAILURE] * 2

    down = factories.submitted_event()
    closed_port = dataclasses.replace(settings, smtp_port=1)
    with pytest.raises(TemporaryDeliveryError):
        _handle(notify_db, settings, down, smtp_settings=closed_port)
    _handle(notify_db, settings, down)  # the relay is back: the next attempt delivers
    notification = notify_db.notifications.find_one({"dossier_id": down.dossier_id})
    assert notification["status"] == statuses.DELIVERED
    assert [a["outcome"] for a in notification["attempts"]] == [statuses.TEMPORARY_FAILURE, statuses.DELIVERED]


def test_the_owner_and_the_agency_see_the_messages_of_a_dossier(settings, notify_db):
    owner = factories.applicant_principal()
    event = factories.submitted_event(owner=owner.subject)
    _handle(notify_db, settings, event)
    client = create_app(settings).test_client()
    url = f"/dossiers/{event.dossier_id}/notifications"
    agency = event.payload["receiving_agency_code"]

    mine = client.get(url, headers=factories.bearer(settings, owner))
    assert mine.status_code == 200 and [n["status_name"] for n in mine.json] == ["Đã gửi thành công"]
    officer = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    assert client.get(url, headers=officer).status_code == 200
    stranger = factories.bearer(settings, factories.applicant_principal())
    assert client.get(url, headers=stranger).status_code == 404
