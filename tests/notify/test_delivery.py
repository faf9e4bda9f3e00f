"""Delivery outcomes end to end: events through Kafka, the notify service's real processes, the SMS gateway
simulator failing on purpose and sending signed receipts back to the notify API."""

from __future__ import annotations

import time

import pymongo
import pytest

from services.notify.notifications import statuses
from shared.clock import utc_now
from tests.notify.conftest import international, mail_to
from tests.support import factories
from tests.support.bus import publish
from tests.support.waiting import eventually


@pytest.fixture(scope="module")
def notify_db(notify_stack):
    client = pymongo.MongoClient(notify_stack.mongo.uri, tz_aware=True)
    yield client[notify_stack.settings().database_name("notify")]
    client.close()


def _accepted(phone: str, **contact):
    return factories.dossier_event("accepted", {"received_at": utc_now(), "appointment_due": utc_now(),
                                                "receipt": True}, status=2,
                                   contact={"phone": phone, **contact})


def _sms_of(notify_db, event, timeout=30.0):
    def settled():
        doc = notify_db.notifications.find_one({"dossier_id": event.dossier_id, "channel": "sms",
                                                "template_id": "dossier-accepted"})
        return doc if doc and doc["status"] in statuses.FINAL else None
    return eventually(settled, timeout=timeout, what="the SMS settled")


def test_a_gateway_failing_twice_then_accepting_ends_delivered_with_three_attempts(notify_stack, notify_db,
                                                                                   sms_gateway):
    phone = factories.phone()
    sms_gateway.control(fail_for={international(phone): 2}, fail_status=503)
    event = _accepted(phone)
    publish(notify_stack.settings(), event)

    doc = _sms_of(notify_db, event)
    assert doc["status"] == statuses.DELIVERED
    assert [a["outcome"] for a in doc["attempts"]] == [statuses.TEMPORARY_FAILURE, statuses.TEMPORARY_FAILURE,
                                                       "accepted"]
    assert all("503" in a["error"] for a in doc["attempts"][:2])
    (receipt,) = doc["receipts"]
    assert receipt["status"] == "delivered" and receipt["attempt"] == 3
    (sms,) = sms_gateway.messages(to=international(phone))
    assert sms["id"] == doc["provider_reference"] == doc["attempts"][2]["provider_reference"]
    assert sms["text"].startswith(f"Ho so {event.payload['code']} da duoc tiep nhan.")


def test_an_unknown_subscriber_is_a_permanent_failure_and_is_not_retried(notify_stack, notify_db, sms_gateway):
    phone = "0912340000"  # the simulator's unknown subscriber
    event = _accepted(phone)
    publish(notify_stack.settings(), event)
    doc = _sms_of(notify_db, event)
    assert doc["status"] == statuses.PERMANENT_FAILURE
    assert doc["attempt_count"] == 1 and doc["receipts"][0]["error_code"] == "unknown_subscriber"
    # Nothing is tried again: not after the first retry delay, nor after five of them.
    time.sleep(5 * notify_stack.settings().notify_retry_base_seconds)
    assert notify_db.notifications.find_one({"_id": doc["_id"]})["attempt_count"] == 1
    assert len(sms_gateway.messages(to=international(phone))) == 1


def test_a_phone_switched_off_is_retried_with_backoff_then_given_up(notify_stack, notify_db, sms_gateway):
    phone = f"09{factories.phone()[2:6]}1111"  # the simulator's subscriber that is never reachable
    event = _accepted(phone)
    publish(notify_stack.settings(), event)
    doc = _sms_of(notify_db, event, timeout=60)
    attempts = notify_stack.settings().notify_max_attempts
    assert doc["status"] == statuses.TECHNICAL_FAILURE
    assert doc["attempt_count"] == attempts
    assert [r["error_code"] for r in doc["receipts"]] == ["absent_subscriber"] * attempts
    # Each attempt went to the gateway under its own reference; nothing was lost or doubled.
    sent = sms_gateway.messages(to=international(phone))
    assert sorted(m["reference"] for m in sent) == [f"{doc['_id']}:{n}" for n in range(1, attempts + 1)]


def test_an_event_delivered_twice_by_kafka_reaches_people_once(notify_stack, notify_db, sms_gateway):
    phone = factories.phone()
    email = f"hai.lan.{phone}@example.vn"
    event = _accepted(phone, email=email)
    publish(notify_stack.settings(), event, event)
    eventually(lambda: notify_db.notifications.count_documents(
        {"dossier_id": event.dossier_id, "status": statuses.DELIVERED}) == 4, what="all four delivered")
    assert len(mail_to(notify_stack, email)) == 1
    assert len(sms_gateway.messages(to=international(phone))) == 1
    assert notify_db.notifications.count_documents({"dossier_id": event.dossier_id}) == 4


def test_a_receipt_sent_twice_by_the_gateway_is_applied_once(notify_stack, notify_db, sms_gateway):
    phone = factories.phone()
    sms_gateway.control(duplicate_receipts=True)
    try:
        event = _accepted(phone)
        publish(notify_stack.settings(), event)
        doc = _sms_of(notify_db, event)
        (sms,) = sms_gateway.messages(to=international(phone))
        eventually(lambda: sms_gateway.messages(to=international(phone))[0]["receipts_sent"] == 2,
                   what="the second copy of the receipt")
    finally:
        sms_gateway.control(duplicate_receipts=False)
    doc = notify_db.notifications.find_one({"_id": doc["_id"]})
    assert doc["status"] == statuses.DELIVERED and len(doc["receipts"]) == 1
    assert sms["status"] == "delivered"
