"""The consumer runner against the real broker: idempotency by event id, retry topic, DLQ, replay."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time

from shared.bus import dlq
from shared.bus.consumer import PROCESSED_EVENTS, ConsumerRunner, Headers, PermanentError, Subscription
from shared.bus.kafka import read_topic
from shared.clock import utc_now
from shared.events import Topic, topic_names
from tests.conftest import database, running
from tests.support import factories
from tests.support.bus import publish, publish_raw
from tests.support.concurrency import committed
from tests.support.waiting import eventually


def _submitted_event():
    return factories.submitted_event()


class Recorder:
    """A handler that records what it applied and fails while told to."""

    def __init__(self) -> None:
        self.applied: list[str] = []
        self.calls = 0
        self.failing: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, event, payload) -> None:
        with self.lock:
            self.calls += 1
            if event.event_id in self.failing:
                raise RuntimeError(f"boom for {payload['code']}")
            self.applied.append(event.event_id)


def _runner(settings, db, handler, group="testgroup") -> ConsumerRunner:
    return ConsumerRunner(group=group, db=db, settings=settings,
                          subscriptions=[Subscription(Topic.INTAKE_DOSSIERS, {"dossier.submitted": handler})])


def _dlq(settings) -> list:
    return read_topic(settings, topic_names(settings).dlq(Topic.INTAKE_DOSSIERS))


def test_the_same_event_delivered_twice_is_applied_once(mongo_client, fresh_settings):
    db = database(mongo_client, fresh_settings, "workflow")
    handler = Recorder()
    event = _submitted_event()
    publish(fresh_settings, event, event)
    with running(_runner(fresh_settings, db, handler)):
        eventually(lambda: db[PROCESSED_EVENTS].count_documents({}) == 1, what="event processed")
        publish(fresh_settings, event)  # and a third time, after it was processed
        eventually(lambda: _committed(fresh_settings, db) >= 3, what="offsets committed")
    assert handler.applied == [event.event_id]
    assert db[PROCESSED_EVENTS].find_one({"_id": f"testgroup:{event.event_id}"})["dossier_id"] == event.dossier_id


def _committed(settings, db) -> int:
    return committed(settings.kafka_bootstrap_servers, f"{settings.kafka_topic_prefix}testgroup",
                     topic_names(settings).main(Topic.INTAKE_DOSSIERS))


def test_a_failing_handler_goes_through_the_retry_topic_to_the_dlq_and_replay_puts_it_back(
        mongo_client, fresh_settings):
    db = database(mongo_client, fresh_settings, "workflow")
    handler = Recorder()
    bad, good = _submitted_event(), _submitted_event()
    handler.failing.add(bad.event_id)
    publish(fresh_settings, bad, good)

    with running(_runner(fresh_settings, db, handler)):
        letters = eventually(lambda: _dlq(fresh_settings), timeout=60, what="the event in the DLQ")
        assert good.event_id in handler.applied  # the poison event did not block the next one

    retries = read_topic(fresh_settings, topic_names(fresh_settings).retry(Topic.INTAKE_DOSSIERS))
    assert [dict(r.headers)[Headers.ATTEMPT] for r in retries] == [b"1", b"2"]
    assert all(r.key == bad.key and json.loads(r.value)["event_id"] == bad.event_id for r in retries)
    (letter,) = letters
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers[Headers.REASON] == "handler-failed"
    assert headers[Headers.ERROR_CLASS] == "RuntimeError"
    assert bad.payload["code"] in headers[Headers.ERROR]
    assert headers[Headers.GROUP] == "testgroup"
    assert headers[Headers.ATTEMPT] == "2"
    assert headers[Headers.ORIGINAL_TOPIC] == topic_names(fresh_settings).main(Topic.INTAKE_DOSSIERS)
    assert headers["event_id"] == bad.event_id
    # local attempts (2) on the main topic and on each of the two passes through the retry topic
    assert handler.calls >= 1 + 2 * 3  # more only if Kafka redelivered during a rebalance
    assert bad.event_id not in handler.applied

    handler.failing.clear()  # the cause is fixed
    listed = dlq.read_dead_letters(fresh_settings, Topic.INTAKE_DOSSIERS)
    assert [d.event_id for d in listed] == [bad.event_id]
    assert dlq.replay(fresh_settings, listed) == 1
    with running(_runner(fresh_settings, db, handler)):
        eventually(lambda: bad.event_id in handler.applied, what="the replayed event applied")
        assert dlq.replay(fresh_settings, listed) == 1  # replaying again changes nothing
        eventually(lambda: _committed(fresh_settings, db) >= 4, what="the second replay consumed")
    assert handler.applied.count(bad.event_id) == 1 and handler.applied.count(good.event_id) == 1


def test_events_that_cannot_be_read_go_straight_to_the_dlq(mongo_client, fresh_settings):
    db = database(mongo_client, fresh_settings, "workflow")
    handler = Recorder()
    invalid = _submitted_event()
    invalid = invalid.__class__(**{**invalid.__dict__, "payload": {**invalid.payload, "status": "one"}})
    publish(fresh_settings, invalid)
    publish_raw(fresh_settings, Topic.INTAKE_DOSSIERS, b"{not json")
    with running(_runner(fresh_settings, db, handler)):
        letters = eventually(lambda: len(_dlq(fresh_settings)) == 2 and _dlq(fresh_settings), what="2 in the DLQ")
    reasons = sorted({k: v.decode() for k, v in r.headers}[Headers.REASON] for r in letters)
    assert reasons == ["invalid-event", "invalid-event"]
    assert handler.calls == 0
    assert read_topic(fresh_settings, topic_names(fresh_settings).retry(Topic.INTAKE_DOSSIERS)) == []


def test_a_permanent_error_skips_the_retries(mongo_client, fresh_settings):
    db = database(mongo_client, fresh_settings, "workflow")
    calls = []

    def refuse(event, payload):
        calls.append(event.event_id)
        raise PermanentError("the dossier was withdrawn")

    event = _submitted_event()
    publish(fresh_settings, event)
    with running(_runner(fresh_settings, db, refuse)):
        (letter,) = eventually(lambda: _dlq(fresh_settings), what="the DLQ")
    assert {k: v.decode() for k, v in letter.headers}[Headers.REASON] == "permanent-error"
    assert calls == [event.event_id]


def test_each_group_retries_only_its_own_failures(mongo_client, fresh_settings):
    db = database(mongo_client, fresh_settings, "workflow")
    failing, healthy = Recorder(), Recorder()
    event = _submitted_event()
    failing.failing.add(event.event_id)
    publish(fresh_settings, event)
    with running(_runner(fresh_settings, db, failing, group="a")), \
            running(_runner(fresh_settings, db, healthy, group="b")):
        eventually(lambda: _dlq(fresh_settings), timeout=60, what="the DLQ")
    assert healthy.applied == [event.event_id] and healthy.calls == 1
    assert {k: v.decode() for k, v in _dlq(fresh_settings)[0].headers}[Headers.GROUP] == "a"


class Slow(Recorder):
    """A handler that takes ``seconds`` over the first event it sees, then is quick."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def __call__(self, event, payload) -> None:
        if self.calls == 0:
            time.sleep(self.seconds)
        super().__call__(event, payload)


def test_a_batch_longer_than_the_poll_interval_costs_a_rejoin_not_the_process(mongo_client, fresh_settings, caplog):
    """The handler takes longer than the consumer may go without polling: the client leaves the group, the commit
    of that batch is refused (CommitFailedError), as after a broker restart. The runner logs it, re-joins, gets the
    uncommitted records again and skips what it had done: every event applied once, offsets committed, the loop
    alive (before this, the process exited and its supervisor restarted it, repeatedly)."""
    settings = dataclasses.replace(fresh_settings, consumer_session_timeout_seconds=1.5,
                                   consumer_max_poll_interval_seconds=2.0)
    db = database(mongo_client, settings, "workflow")
    handler = Slow(seconds=4.0)
    events = [_submitted_event() for _ in range(3)]
    publish(settings, *events)
    runner = _runner(settings, db, handler)
    with caplog.at_level(logging.WARNING, logger="shared.bus.consumer"), running(runner) as stop:
        eventually(lambda: _committed(settings, db) >= 3, timeout=60, what="the offsets committed after the rejoin")
        later = _submitted_event()
        publish(settings, later)
        eventually(lambda: _committed(settings, db) >= 4, what="the next event committed as usual")
        assert not stop.is_set()  # the loop did not give up
    assert sorted(handler.applied) == sorted(e.event_id for e in [*events, later])
    assert "the group rebalanced" in caplog.text


def test_a_batch_handler_takes_its_types_a_poll_at_a_time_and_the_others_go_one_by_one(mongo_client, fresh_settings):
    """Batch mode limited to some types (the workflow's filings): those of a poll reach the batch handler in one
    call, once each (a redelivery is skipped); the poll's other events reach their own handlers one by one."""
    db = database(mongo_client, fresh_settings, "workflow")
    polls: list[list[str]] = []
    one_by_one, reports = Recorder(), Recorder()
    runner = ConsumerRunner(
        group="testgroup", db=db, settings=fresh_settings,
        subscriptions=[Subscription(Topic.INTAKE_DOSSIERS, {"dossier.submitted": one_by_one}),
                       Subscription(Topic.WORKFLOW_DOSSIERS, {"dossier.accepted": reports})],
        batch=lambda events: polls.append([event.event_id for event, _ in events]),
        batch_types={"dossier.submitted"})
    filings = [_submitted_event() for _ in range(6)]
    accepted = [factories.dossier_event("accepted", {"received_at": utc_now(), "appointment_due": utc_now(),
                                                     "receipt": True}) for _ in range(2)]
    publish(fresh_settings, *filings[:3], accepted[0], filings[1], *filings[3:], accepted[1])
    with running(runner):
        eventually(lambda: db[PROCESSED_EVENTS].count_documents({}) == 8, what="every event recorded")
    batched = [event_id for poll in polls for event_id in poll]
    assert sorted(batched) == sorted(event.event_id for event in filings)  # each once, the redelivery skipped
    assert len(polls) < len(filings)  # several filings per call: a poll at a time
    assert one_by_one.calls == 0  # the batch never failed, so never fell back
    assert sorted(reports.applied) == sorted(event.event_id for event in accepted)
