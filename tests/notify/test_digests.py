"""Officers' digests (issue 13): the due-soon, overdue and assignment alerts of one officer (or agency inbox) in one
period become one message, sent when the period ends — not a message per dossier. The consumer's work and the
sender in this process against the real database."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from services.notify.delivery.sender import loop as sender_loop
from services.notify.digests.sending import LISTED, TEMPLATE, send_ended
from services.notify.digests.service import listed, period_of
from services.notify.notifications import statuses
from services.notify.notifications.planner import agency_inbox
from services.notify.notifications.service import on_events, rendered
from services.notify.storage import DIGEST_ENTRIES, DIGESTS, NOTIFICATIONS
from shared.clock import utc_now, vn_datetime
from shared.events import event_type
from tests.notify.conftest import deliver_all, persist
from tests.support import factories

PERIOD_MINUTES = 60  # the default NOTIFY_DIGEST_MINUTES


@pytest.fixture
def notify_settings(isolated_notify):
    assert isolated_notify[0].notify_digest_minutes == PERIOD_MINUTES
    return isolated_notify[0]


@pytest.fixture
def notify_db(isolated_notify):
    return isolated_notify[1]


@pytest.fixture
def in_one_period(business_clock):
    """Business time a few minutes into a period, so every alert a test raises falls in that one period however
    long the session has run; yields the period's end."""
    start, end = period_of(utc_now(), PERIOD_MINUTES)
    with business_clock.moved_to(vn_datetime(start + timedelta(minutes=5)),
                                 why="the alerts of the test are raised early in one digest period"):
        yield end


def _alert(kind: str, officer: str | None, *, agency: str | None = None, due_in: timedelta = timedelta(hours=3)):
    due = utc_now() + due_in
    if kind == "assigned":
        return factories.dossier_event("assigned", {"assignee": officer, "assignee_name": "Lê Thị Thu",
                                                    "step": "tham-dinh", "step_name": "Thẩm định hồ sơ",
                                                    "step_due_at": due})
    return factories.dossier_event(kind, {"scope": "step", "due_at": due, "step": "tham-dinh",
                                          "agency_code": agency or factories.agency_code(), "assignee": officer,
                                          "step_name": "Thẩm định hồ sơ"})


def _digest_messages(notify_db, recipient: str) -> list[dict]:
    return list(notify_db[NOTIFICATIONS].find({"template_id": TEMPLATE, "recipient": recipient}))


def _said(moment: str) -> str:
    """A moment of an event's payload as people write it: ``17:00 ngày 01/12/2026``."""
    local = vn_datetime(datetime.fromisoformat(moment))
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def _end_period(business_clock, end):
    return business_clock.moved_to(vn_datetime(end + timedelta(seconds=1)),
                                   why="the digest period has ended: its digest is due")


def test_an_officers_alerts_of_one_period_make_one_digest_sent_when_it_ends(
        notify_db, notify_settings, in_one_period, business_clock):
    officer = str(uuid.uuid4())
    late = [_alert("overdue", officer, due_in=-timedelta(minutes=30 + n)) for n in range(3)]
    soon = [_alert("due-soon", officer, due_in=timedelta(hours=2, minutes=n)) for n in range(LISTED)]
    assigned = [_alert("assigned", officer)]
    for event in late + soon + assigned:
        persist(notify_db, notify_settings, event)
    # Entries of the officer's digest, no message of their own (the applicant is still told of the assignment).
    assert listed(notify_db, [officer]) == len(late + soon + assigned)
    assert notify_db[DIGESTS].count_documents({"recipient": officer}) == 1
    assert notify_db[NOTIFICATIONS].count_documents({"audience": "officer"}) == 0

    # Before the period ends nothing is sent, whatever the sender does.
    assert send_ended(notify_db, notify_settings) == 0
    deliver_all(notify_db, notify_settings)
    assert _digest_messages(notify_db, officer) == []

    sender = sender_loop(notify_db, notify_settings)  # the notify scheduler process's loop
    [digests] = [task for task in sender.tasks if task.label == "digests"]
    try:
        assert digests.run() == 0
        with _end_period(business_clock, in_one_period):
            assert digests.run() == 1
            assert digests.run() == 0  # sent once
            deliver_all(notify_db, notify_settings)
    finally:
        sender.on_stop()
    [message] = _digest_messages(notify_db, officer)
    assert message["channel"] == "in_app" and message["status"] == statuses.DELIVERED
    shown = rendered(message)
    assert shown["subject"].endswith(": 3 hồ sơ quá hạn, 20 hồ sơ sắp đến hạn")
    text = shown["text"]
    assert text.startswith("Số hồ sơ quá hạn: 3; sắp đến hạn: 20; mới được giao: 1.\n")
    lines = text.splitlines()[1:-1]
    assert len(lines) == LISTED + 1 and lines[-1] == f"và {len(late) + len(soon) + 1 - LISTED} hồ sơ khác"
    # The late ones first, each with its code, procedure, step and due moment as people write it.
    first = late[-1]  # the one due longest ago
    assert lines[0] == (f"1. Quá hạn: {first.payload['code']} — {first.payload['procedure_name']} — "
                        f"Thẩm định hồ sơ, hạn {_said(first.payload['details']['due_at'])}")
    assert all(line.split(". ", 1)[1].startswith("Quá hạn") for line in lines[:3])
    assert all(line.split(". ", 1)[1].startswith("Sắp đến hạn") for line in lines[3:LISTED])
    assert text.endswith(f"Xem danh sách: {notify_settings.public_portal_url.rstrip('/')}/can-bo/ho-so?han=late")
    assert notify_db[DIGESTS].find_one({"recipient": officer})["notification_id"] == message["_id"]


def test_two_officers_get_a_digest_each_and_an_agency_inbox_its_own(
        notify_db, notify_settings, in_one_period, business_clock):
    first, second, unit = str(uuid.uuid4()), str(uuid.uuid4()), factories.agency_code()
    mine = [_alert("due-soon", first) for _ in range(2)]
    theirs = [_alert("overdue", second, due_in=-timedelta(minutes=10))]
    nobodys = [_alert("overdue", None, agency=unit, due_in=-timedelta(minutes=10))]
    for event in mine + theirs + nobodys:
        persist(notify_db, notify_settings, event)
    with _end_period(business_clock, in_one_period):
        assert send_ended(notify_db, notify_settings) == 3
        deliver_all(notify_db, notify_settings)
    for recipient, events, counts in ((first, mine, "quá hạn: 0; sắp đến hạn: 2"),
                                      (second, theirs, "quá hạn: 1; sắp đến hạn: 0"),
                                      (agency_inbox(unit), nobodys, "quá hạn: 1; sắp đến hạn: 0")):
        [message] = _digest_messages(notify_db, recipient)
        text = rendered(message)["text"]
        assert counts in text
        codes = {line.split(": ", 1)[1].split(" — ")[0] for line in text.splitlines()[1:-1]}
        assert codes == {e.payload["code"] for e in events}
    assert notify_db[NOTIFICATIONS].find_one({"recipient": agency_inbox(unit)})["agency_codes"] == [unit]


def test_an_alert_delivered_twice_is_listed_once(notify_db, notify_settings, in_one_period, business_clock):
    officer = str(uuid.uuid4())
    event = _alert("overdue", officer, due_in=-timedelta(minutes=10))
    assert persist(notify_db, notify_settings, event) == 1
    assert persist(notify_db, notify_settings, event) == 0  # Kafka delivered it again
    assert listed(notify_db, [officer]) == 1
    with _end_period(business_clock, in_one_period):
        send_ended(notify_db, notify_settings)
        # Delivered again after its digest was sent: it went out already, it is not listed again.
        assert persist(notify_db, notify_settings, event) == 0
        deliver_all(notify_db, notify_settings)
    [message] = _digest_messages(notify_db, officer)
    assert "quá hạn: 1;" in rendered(message)["text"] and len(rendered(message)["text"].splitlines()) == 3
    assert notify_db[DIGESTS].count_documents({"recipient": officer}) == 1


def test_an_alert_that_comes_after_its_period_was_sent_goes_into_the_next(
        notify_db, notify_settings, in_one_period, business_clock):
    officer = str(uuid.uuid4())
    persist(notify_db, notify_settings, _alert("overdue", officer, due_in=-timedelta(minutes=10)))
    delayed = _alert("overdue", officer, due_in=-timedelta(minutes=20))  # raised now, delivered after the end
    with _end_period(business_clock, in_one_period):
        assert send_ended(notify_db, notify_settings) == 1
        assert persist(notify_db, notify_settings, delayed) == 1
        assert send_ended(notify_db, notify_settings) == 0  # the next period has not ended
    _, next_end = period_of(in_one_period, PERIOD_MINUTES)
    with _end_period(business_clock, next_end):
        assert send_ended(notify_db, notify_settings) == 1
        deliver_all(notify_db, notify_settings)
    messages = sorted(_digest_messages(notify_db, officer), key=lambda m: m["created_at"])
    assert len(messages) == 2 and delayed.payload["code"] in rendered(messages[1])["text"]


def test_a_polls_alerts_are_listed_at_once_each_once(notify_db, notify_settings, in_one_period, business_clock):
    """The consumer's batch: a scheduler round's alerts for two officers, one of them delivered twice in the poll
    and one listed by an earlier poll, become one entry each in their officer's digest."""
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    earlier = _alert("overdue", first, due_in=-timedelta(minutes=5))
    persist(notify_db, notify_settings, earlier)
    poll = [_alert("overdue", (first, second)[n % 2], due_in=-timedelta(minutes=n)) for n in range(40)]
    events = [(e, event_type(e.type).load(e.payload, e.schema_version)) for e in [*poll, poll[0], earlier]]
    assert on_events(notify_db, notify_settings, events) == len(poll)
    assert (listed(notify_db, [first]), listed(notify_db, [second])) == (21, 20)
    assert notify_db[DIGESTS].count_documents({"recipient": {"$in": [first, second]}}) == 2
    with _end_period(business_clock, in_one_period):
        assert send_ended(notify_db, notify_settings) == 2
        deliver_all(notify_db, notify_settings)
    assert "quá hạn: 21;" in rendered(_digest_messages(notify_db, first)[0])["text"]


def test_an_entry_left_in_a_closed_digest_goes_out_once(notify_db, notify_settings, in_one_period, business_clock):
    """A collector that stopped between writing an entry and checking its digest (which closed meanwhile) left
    it there. Redelivered, the alert moves to the period open now unless the sender took it into the closed
    digest: then it went out with it and is not listed again."""
    officer = str(uuid.uuid4())
    taken, left = (_alert("overdue", officer, due_in=-timedelta(minutes=n)) for n in (10, 20))
    for event in (taken, left):
        persist(notify_db, notify_settings, event)
    with _end_period(business_clock, in_one_period):
        # What the stopped collector left: the sender had closed the digest and taken every entry but this one.
        digest = notify_db[DIGEST_ENTRIES].find_one({"event_id": left.event_id})["digest_id"]
        notify_db[DIGESTS].update_one({"_id": digest}, {"$set": {"status": "closed"}})
        notify_db[DIGEST_ENTRIES].update_one({"event_id": taken.event_id}, {"$set": {"taken": True}})
        assert persist(notify_db, notify_settings, taken) == 0
        assert persist(notify_db, notify_settings, left) == 0  # listed before, not new: moved
        moved = notify_db[DIGEST_ENTRIES].find_one({"event_id": left.event_id})
        assert moved["digest_id"] != digest and not moved["taken"]
        assert notify_db[DIGESTS].find_one({"_id": moved["digest_id"]})["status"] == "collecting"
        assert send_ended(notify_db, notify_settings) == 1   # the closed one, with the taken entry alone
    _, next_end = period_of(in_one_period, PERIOD_MINUTES)
    with _end_period(business_clock, next_end):
        assert send_ended(notify_db, notify_settings) == 1
        deliver_all(notify_db, notify_settings)
    first, second = sorted(_digest_messages(notify_db, officer), key=lambda m: m["created_at"])
    assert taken.payload["code"] in rendered(first)["text"] and left.payload["code"] not in rendered(first)["text"]
    assert left.payload["code"] in rendered(second)["text"] and taken.payload["code"] not in rendered(second)["text"]
