"""The sender in this process against the real SMTP server and the SMS gateway simulator: persist first,
claim once, pace per channel, hold SMS in quiet hours, recover interrupted attempts without a second SMS."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from services.notify.delivery import sender as sender_module
from services.notify.delivery.attempts import attempt_reference
from services.notify.delivery.limits import in_quiet_hours, parse_quiet_hours
from services.notify.delivery.retries import backoff
from services.notify.delivery.sender import Sender
from services.notify.notifications import statuses
from services.notify.storage import NOTIFICATIONS
from shared.clock import utc_now
from tests.notify.conftest import international, mail_to, persist
from tests.support import factories
from tests.support.concurrency import at_once


@pytest.fixture
def notify_settings(isolated_notify):
    return isolated_notify[0]


@pytest.fixture
def notify_db(isolated_notify):
    return isolated_notify[1]


def _persist(db, settings, event):
    persist(db, settings, event)
    return {d["channel"]: d for d in db[NOTIFICATIONS].find({"dossier_id": event.dossier_id})}


def _accepted_event(**contact):
    return factories.dossier_event("accepted", {"received_at": utc_now(), "appointment_due": utc_now(),
                                                "receipt": True}, status=2, contact=contact or None)


def test_the_same_event_handled_twice_persists_and_sends_once(stack, notify_db, notify_settings, sms_gateway):
    event = _accepted_event()
    first = _persist(notify_db, notify_settings, event)
    again = _persist(notify_db, notify_settings, event)  # Kafka redelivered it
    assert first.keys() == again.keys() == {"email", "sms", "in_app"}
    assert {d["_id"] for d in first.values()} == {d["_id"] for d in again.values()}
    assert all(d["status"] == statuses.CREATED and d["attempts"] == [] for d in first.values())

    sender = Sender(notify_db, notify_settings)
    try:
        while sender.run_round():
            pass
    finally:
        sender.close()
    assert len(mail_to(stack, event.payload["contact"]["email"])) == 1
    assert len(sms_gateway.messages(to=international(event.payload["contact"]["phone"]))) == 1
    after = {d["channel"]: d for d in notify_db[NOTIFICATIONS].find({"dossier_id": event.dossier_id})}
    assert after["email"]["status"] == after["in_app"]["status"] == statuses.DELIVERED
    assert after["sms"]["status"] == statuses.SENDING  # accepted by the gateway, waiting for the receipt
    assert after["sms"]["attempts"][0]["outcome"] == "accepted" and after["sms"]["provider_reference"]
    assert [a["number"] for d in after.values() for a in d["attempts"]] == [1, 1, 1]


def test_an_sms_opt_out_stops_optional_messages_but_not_required_notices(notify_db, notify_settings):
    contact = {"email": f"a.{factories.phone()}@example.vn", "phone": factories.phone(), "sms_opt_out": True}
    required = _persist(notify_db, notify_settings, _accepted_event(**contact))
    optional = _persist(notify_db, notify_settings, factories.dossier_event(
        "payment-recorded", {"voucher": "BL-1", "appointment_due": None}, contact=contact))
    assert set(required) == {"email", "sms", "in_app"}
    assert required["sms"]["required"] is True
    assert set(optional) == {"email", "in_app"}


def test_a_contact_without_e_mail_gets_sms_and_inbox_only(notify_db, notify_settings):
    made = _persist(notify_db, notify_settings, _accepted_event(phone=factories.phone()))
    assert set(made) == {"sms", "in_app"}


def _hanoi(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour - 7, minute, tzinfo=UTC) if hour >= 7 else \
        datetime(2026, 11, 22, hour + 17, minute, tzinfo=UTC)


def test_quiet_hours_cross_midnight_in_hanoi_time():
    quiet = parse_quiet_hours("22:00-06:00")
    assert in_quiet_hours(quiet, _hanoi(23, 30)) and in_quiet_hours(quiet, _hanoi(5, 59))
    assert not in_quiet_hours(quiet, _hanoi(6, 0)) and not in_quiet_hours(quiet, _hanoi(21, 59))
    assert not in_quiet_hours(parse_quiet_hours(""), _hanoi(23, 30))
    with pytest.raises(ValueError):
        parse_quiet_hours("tối")


def test_sms_waits_out_the_quiet_hours_while_e_mail_goes(notify_db, notify_settings, sms_gateway):
    settings = dataclasses.replace(notify_settings, sms_quiet_hours="22:00-06:00")
    event = _accepted_event()
    made = _persist(notify_db, settings, event)
    # Business time: the notification became due "now"; the night and the morning are after that.
    night, morning = utc_now() + timedelta(days=1), utc_now() + timedelta(days=1)
    night = night.astimezone(UTC).replace(hour=16, minute=30)   # 23:30 in Hà Nội
    morning = morning.astimezone(UTC).replace(hour=23, minute=5)  # 06:05 the next morning in Hà Nội
    clock = {"now": night}
    sender = Sender(notify_db, settings, clock=lambda: clock["now"])
    try:
        while sender.run_round():
            pass
        held = notify_db[NOTIFICATIONS].find_one({"_id": made["sms"]["_id"]})
        assert held["status"] == statuses.CREATED and held["attempt_count"] == 0
        assert notify_db[NOTIFICATIONS].find_one({"_id": made["email"]["_id"]})["status"] == statuses.DELIVERED
        assert sms_gateway.messages(to=international(event.payload["contact"]["phone"])) == []
        clock["now"] = morning
        assert sender.run_round() >= 1
    finally:
        sender.close()
    sent = notify_db[NOTIFICATIONS].find_one({"_id": made["sms"]["_id"]})
    assert sent["status"] == statuses.SENDING and sent["attempt_count"] == 1
    assert len(sms_gateway.messages(to=international(event.payload["contact"]["phone"]))) == 1


def test_the_rate_limit_queues_the_excess_instead_of_dropping_it(stack, notify_db, notify_settings):
    settings = dataclasses.replace(notify_settings, notify_rate_email_per_second=4)
    events = [_accepted_event(email=f"rate.{i}.{factories.phone()}@example.vn") for i in range(10)]
    ids = [_persist(notify_db, settings, e)["email"]["_id"] for e in events]
    clock = {"now": utc_now().replace(microsecond=0) + timedelta(seconds=1)}
    sender = Sender(notify_db, settings, clock=lambda: clock["now"])

    def delivered() -> int:
        return notify_db[NOTIFICATIONS].count_documents({"_id": {"$in": ids}, "status": statuses.DELIVERED})

    sent_per_second = []
    try:
        for _ in range(4):
            for _ in range(3):  # more rounds within the same second hand over nothing more
                sender.run_round()
            sent_per_second.append(delivered() - sum(sent_per_second))
            clock["now"] += timedelta(seconds=1)
    finally:
        sender.close()
    assert sent_per_second == [4, 4, 2, 0]
    assert all(len(mail_to(stack, e.payload["contact"]["email"])) == 1 for e in events)


def test_a_refused_mailbox_fails_for_good_and_is_not_retried(stack, notify_db, notify_settings):
    made = _persist(notify_db, notify_settings, _accepted_event(email="khong-ton-tai@reject.invalid"))
    sender = Sender(notify_db, notify_settings)
    try:
        for _ in range(3):
            sender.run_round()
    finally:
        sender.close()
    doc = notify_db[NOTIFICATIONS].find_one({"_id": made["email"]["_id"]})
    assert doc["status"] == statuses.PERMANENT_FAILURE and doc["next_attempt_at"] is None
    (attempt,) = doc["attempts"]
    assert attempt["outcome"] == statuses.PERMANENT_FAILURE and "550" in attempt["error"]


def test_a_deferring_relay_is_retried_with_exponential_backoff_until_it_gives_up(notify_db, notify_settings):
    settings = dataclasses.replace(notify_settings, notify_max_attempts=4, notify_retry_base_seconds=0.1)
    made = _persist(notify_db, settings, _accepted_event(email="hop-thu-day@defer.invalid"))
    sender = Sender(notify_db, settings)
    try:
        deadline = utc_now() + timedelta(seconds=20)
        while notify_db[NOTIFICATIONS].find_one({"_id": made["email"]["_id"]})["status"] not in statuses.FINAL:
            assert utc_now() < deadline
            sender.run_round()
    finally:
        sender.close()
    doc = notify_db[NOTIFICATIONS].find_one({"_id": made["email"]["_id"]})
    assert doc["status"] == statuses.TECHNICAL_FAILURE
    outcomes = [a["outcome"] for a in doc["attempts"]]
    assert outcomes == [statuses.TEMPORARY_FAILURE] * 3 + [statuses.TECHNICAL_FAILURE]
    assert all("451" in a["error"] for a in doc["attempts"])
    for number, (before, after) in enumerate(zip(doc["attempts"], doc["attempts"][1:], strict=False), start=1):
        waited = after["started_at"] - before["finished_at"]
        assert waited >= backoff(number, 0.1) - timedelta(milliseconds=5), (number, waited)


def test_backoff_doubles_and_is_capped():
    assert [backoff(n, 30).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20, 30) == timedelta(hours=6)


def _claim_and_crash(notify_db, settings, notification_id):
    """What a sender that dies mid-attempt leaves: the claim (status sending, attempt counted, lease)."""
    sender = Sender(notify_db, settings)
    try:
        doc = notify_db[NOTIFICATIONS].find_one({"_id": notification_id})
        [claimed] = sender._claim_all([doc], utc_now())
    finally:
        sender.close()
    assert claimed["status"] == statuses.SENDING
    notify_db[NOTIFICATIONS].update_one({"_id": notification_id},
                                        {"$set": {"lease_until": utc_now() - timedelta(seconds=1)}})
    return claimed


def test_an_sms_interrupted_after_the_gateway_took_it_is_not_sent_again(notify_db, notify_settings, sms_gateway):
    event = _accepted_event(phone=factories.phone())
    sms_id = _persist(notify_db, notify_settings, event)["sms"]["_id"]
    claimed = _claim_and_crash(notify_db, notify_settings, sms_id)
    # The attempt reached the gateway before the crash:
    sender = Sender(notify_db, notify_settings)
    sender.sms.send(reference=attempt_reference(sms_id, claimed["attempt_count"]), to=claimed["recipient"],
                    text="Ho so da duoc tiep nhan.")
    before = sms_gateway.stats()["duplicate_references"]
    try:
        assert sender.sweep() >= 1
        for _ in range(3):
            sender.run_round()
    finally:
        sender.close()
    doc = notify_db[NOTIFICATIONS].find_one({"_id": sms_id})
    assert doc["status"] == statuses.SENDING and doc["attempt_count"] == 1 and doc["provider_reference"]
    assert doc["attempts"][-1]["error"].startswith("recovered")
    assert len(sms_gateway.messages(to=international(event.payload["contact"]["phone"]))) == 1
    assert sms_gateway.stats()["duplicate_references"] == before  # not even resubmitted


def test_an_sms_interrupted_before_the_gateway_took_it_is_sent_once(notify_db, notify_settings, sms_gateway):
    event = _accepted_event(phone=factories.phone())
    sms_id = _persist(notify_db, notify_settings, event)["sms"]["_id"]
    _claim_and_crash(notify_db, notify_settings, sms_id)
    sender = Sender(notify_db, notify_settings)
    try:
        sender.sweep()
        sender.run_round()
    finally:
        sender.close()
    doc = notify_db[NOTIFICATIONS].find_one({"_id": sms_id})
    assert [a["outcome"] for a in doc["attempts"]] == [statuses.TEMPORARY_FAILURE, "accepted"]
    assert doc["attempts"][0]["error"].startswith("interrupted")
    assert len(sms_gateway.messages(to=international(event.payload["contact"]["phone"]))) == 1


def test_an_unreachable_gateway_is_a_temporary_failure(notify_db, notify_settings):
    settings = dataclasses.replace(notify_settings, sms_gateway_url="http://127.0.0.1:9")
    sms_id = _persist(notify_db, settings, _accepted_event(phone=factories.phone()))["sms"]["_id"]
    sender = Sender(notify_db, settings)
    try:
        sender.run_round()
    finally:
        sender.close()
    doc = notify_db[NOTIFICATIONS].find_one({"_id": sms_id})
    assert doc["status"] == statuses.TEMPORARY_FAILURE and doc["next_attempt_at"] > doc["attempts"][0]["finished_at"]
    assert "unreachable" in doc["attempts"][0]["error"]


def test_new_messages_are_taken_oldest_first_a_batch_at_a_time(notify_db, notify_settings):
    """New messages are taken in the order they were stored, without a sort (a sort made the store decode every
    waiting message at every round); a batch at most per round."""
    sender = Sender(notify_db, notify_settings)
    try:
        events = []
        for _ in range(sender.batch + 4):   # each event: the applicant's and the desk's inbox messages
            events.append(_accepted_event())
            persist(notify_db, notify_settings, events[-1])
        inbox = [{d["_id"] for d in notify_db[NOTIFICATIONS].find({"dossier_id": e.dossier_id, "channel": "in_app"})}
                 for e in events]
        per_event = len(inbox[0])
        assert all(len(ids) == per_event for ids in inbox) and sender.batch % per_event == 0
        oldest = set().union(*inbox[:sender.batch // per_event])
        due = [d["_id"] for d in sender._due("in_app", utc_now())]
        assert len(due) == sender.batch and set(due) == oldest
    finally:
        sender.close()


def test_two_senders_never_send_one_message_twice(stack, notify_db, notify_settings):
    events = [_accepted_event(email=f"twice.{i}.{factories.phone()}@example.vn") for i in range(12)]
    for e in events:
        _persist(notify_db, notify_settings, e)

    def a_sender_replica():
        replica = Sender(notify_db, notify_settings)
        try:
            return sum(replica.run_round() for _ in range(3))
        finally:
            replica.close()

    attempts = at_once(a_sender_replica, 2)
    # 12 × (e-mail and inbox to the applicant, inbox to the competent agency), each attempted by one replica
    assert sum(attempts) == 36
    for e in events:
        assert len(mail_to(stack, e.payload["contact"]["email"])) == 1
        doc = notify_db[NOTIFICATIONS].find_one({"dossier_id": e.dossier_id, "channel": "email"})
        assert doc["status"] == statuses.DELIVERED and len(doc["attempts"]) == 1


def test_senders_claiming_the_same_due_messages_in_bulk_each_win_a_part_and_together_all(notify_db,
                                                                                         notify_settings):
    """Claims go in bulk writes, which say how many they matched, not which: each sender reads back the messages
    its round's token won. Two senders that read the same due messages claim each exactly once between them."""
    for _ in range(30):   # 30 events: 60 inbox messages, more than a bulk
        persist(notify_db, notify_settings, _accepted_event())
    senders = [Sender(notify_db, notify_settings) for _ in range(2)]
    waiting = list(senders)
    try:
        now = utc_now()
        due = list(notify_db[NOTIFICATIONS].find({"status": statuses.CREATED, "channel": "in_app"},
                                                 {"status": 1, "attempt_count": 1}))
        assert len(due) == 60
        won = at_once(lambda: waiting.pop()._claim_all(due, now), 2)
    finally:
        for sender in senders:
            sender.close()
    ids = [[doc["_id"] for doc in part] for part in won]
    assert not set(ids[0]) & set(ids[1]) and set(ids[0]) | set(ids[1]) == {doc["_id"] for doc in due}
    for part in won:
        assert len({doc["claim"] for doc in part}) <= 1   # one token per round
        for doc in part:
            assert doc["status"] == statuses.SENDING and doc["attempt_count"] == 1
            assert doc["attempts"][-1]["outcome"] == "started"


def test_the_process_loop_stops_on_request(notify_db, notify_settings):
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=sender_module.run, args=(notify_db, notify_settings, stop))
    thread.start()
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
