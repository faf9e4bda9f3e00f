"""The notify service's real processes (API, consumer, sender) on the test infrastructure, once for the
module that asks for them, plus ways to read back what reached people: the SMTP server's mailbox, the SMS
gateway simulator, the in-app inbox."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from services.notify.delivery.sender import Sender
from services.notify.notifications.service import on_event
from services.notify.storage import ensure_indexes
from shared.events import Event, event_type
from tests.conftest import FAST, database
from tools.devstack.mail import read_messages
from tools.devstack.stack import Stack
from tools.simulators.sms_gateway import SmsGatewayClient


@pytest.fixture(scope="module")
def notify_stack(stack) -> Iterator[Stack]:
    prefix = f"n{uuid.uuid4().hex[:10]}"
    deployed = stack.derive(name=prefix, db_prefix=prefix, topic_prefix=f"{prefix}.", overrides=FAST)
    deployed.ensure_topics()
    try:
        deployed.start_services(["notify"])
        yield deployed
    finally:
        deployed.stop_services()


@pytest.fixture
def isolated_notify(settings, mongo_client):
    """Settings and the notify database of a test of its own (a sender takes whatever is due in its
    database), for code run in this process. No notify API listens for the SMS receipts."""
    value = dataclasses.replace(settings, mongo_db_prefix=f"s{uuid.uuid4().hex[:10]}",
                                sms_callback_url="http://127.0.0.1:9/sms/receipts")
    db = database(mongo_client, value, "notify")
    ensure_indexes(db)
    return value, db


def persist(db, settings, event: Event) -> int:
    """What the notify consumer does with the event."""
    return on_event(db, settings, event, event_type(event.type).load(event.payload, event.schema_version))


def deliver_all(db, settings) -> None:
    """Sender rounds until nothing is due."""
    sender = Sender(db, settings)
    try:
        while sender.run_round():
            pass
    finally:
        sender.close()


@pytest.fixture(scope="session")
def sms_gateway(stack) -> SmsGatewayClient:
    return SmsGatewayClient(stack.sms.url)


def mail_to(stack: Stack, address: str):
    return [m for m in read_messages(stack.maildir) if m["To"] == address]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def international(phone: str) -> str:
    return "84" + phone[1:]
