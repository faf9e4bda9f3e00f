"""The embedded outbox and its relay, against real FerretDB and Kafka."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.bus.kafka import producing, read_topic
from shared.clock import utc_now
from shared.events import Event, Topic, topic_names
from shared.storage import audit
from shared.storage.outbox import (
    AUDIT_LINES,
    BULK,
    LEASE_OWNER,
    LEASE_UNTIL,
    OUTBOX,
    PENDING,
    WAKEUPS,
    Outbox,
    OutboxRelay,
)
from tests.conftest import database
from tests.support.concurrency import at_once


def _event(dossier_id: str, n: int) -> Event:
    return Event(type="dossier.submitted", dossier_id=dossier_id, payload={"n": n}, producer="test")


@pytest.fixture
def relay_env(mongo_client, fresh_settings):
    db = database(mongo_client, fresh_settings, "intake")
    with producing(fresh_settings, client_id="test-relay", close_timeout=5) as producer:
        yield db, producer, fresh_settings


def _relay(relay_env, **kwargs) -> OutboxRelay:
    db, producer, settings = relay_env
    return OutboxRelay(db, ["things"], producer, topic_names(settings), settings, **kwargs)


def _published(settings) -> list[dict]:
    return [json.loads(r.value) for r in read_topic(settings, topic_names(settings).main(Topic.INTAKE_DOSSIERS))]


def test_insert_writes_the_document_and_its_events_in_one_write(relay_env):
    db, _, _ = relay_env
    dossier_id = str(uuid.uuid4())
    Outbox(db.things).insert({"_id": dossier_id, "status": 1}, [_event(dossier_id, 1)])

    stored = db.things.find_one({"_id": dossier_id})
    assert stored["status"] == 1
    assert stored[PENDING] is True
    assert [e["payload"] for e in stored[OUTBOX]] == [{"n": 1}]
    assert db[WAKEUPS].find_one({"_id": f"things:{dossier_id}"}) is not None


def test_relay_publishes_in_order_keyed_by_dossier_then_clears_the_outbox(relay_env):
    db, _, settings = relay_env
    dossier_id = str(uuid.uuid4())
    outbox = Outbox(db.things)
    outbox.insert({"_id": dossier_id, "status": 1}, [_event(dossier_id, 1), _event(dossier_id, 2)])
    outbox.update({"_id": dossier_id}, {"$set": {"status": 2}}, [_event(dossier_id, 3)])

    assert _relay(relay_env).run_once() == 3

    records = read_topic(settings, topic_names(settings).main(Topic.INTAKE_DOSSIERS))
    assert [json.loads(r.value)["payload"]["n"] for r in records] == [1, 2, 3]
    assert {r.key for r in records} == {dossier_id.encode()}
    assert dict(records[0].headers)["type"] == b"dossier.submitted"
    stored = db.things.find_one({"_id": dossier_id})
    assert stored[OUTBOX] == [] and stored[PENDING] is False and stored[LEASE_OWNER] is None
    assert stored["status"] == 2
    assert db[WAKEUPS].count_documents({}) == 0
    assert _relay(relay_env).run_once() == 0


def test_a_leased_document_is_not_claimed_by_a_second_relay(relay_env):
    db, _, settings = relay_env
    dossier_id = str(uuid.uuid4())
    Outbox(db.things).insert({"_id": dossier_id}, [_event(dossier_id, 1)])
    first, second = _relay(relay_env, relay_id="first"), _relay(relay_env, relay_id="second")

    claim = first._claim(db.things, dossier_id)
    assert claim is not None
    assert second._claim(db.things, dossier_id) is None
    assert second.run_once() == 0
    assert _published(settings) == []


def test_an_expired_lease_is_taken_over(relay_env):
    db, _, settings = relay_env
    dossier_id = str(uuid.uuid4())
    Outbox(db.things).insert({"_id": dossier_id}, [_event(dossier_id, 1)])
    crashed = _relay(relay_env, relay_id="crashed")
    assert crashed._claim(db.things, dossier_id) is not None  # ... and then the process died
    db.things.update_one({"_id": dossier_id}, {"$set": {"outbox_lease_until": None}})  # lease ran out

    assert _relay(relay_env, relay_id="survivor").run_once() == 1
    assert [e["payload"] for e in _published(settings)] == [{"n": 1}]


def test_events_appended_while_publishing_stay_for_the_next_round(relay_env):
    db, _, settings = relay_env
    dossier_id = str(uuid.uuid4())
    outbox = Outbox(db.things)
    outbox.insert({"_id": dossier_id}, [_event(dossier_id, 1)])
    relay = _relay(relay_env)
    claim = relay._claim(db.things, dossier_id)
    sent = relay._publish([claim])
    outbox.update({"_id": dossier_id}, {"$set": {"status": 4}}, [_event(dossier_id, 2)])  # concurrent change
    relay._clear(sent[0])

    stored = db.things.find_one({"_id": dossier_id})
    assert [e["payload"] for e in stored[OUTBOX]] == [{"n": 2}] and stored[PENDING] is True
    assert relay.run_once() == 1
    assert [e["payload"]["n"] for e in _published(settings)] == [1, 2]


def test_the_sweep_finds_pending_events_whose_wake_up_was_lost(relay_env):
    db, _, settings = relay_env
    dossier_id = str(uuid.uuid4())
    Outbox(db.things).insert({"_id": dossier_id}, [_event(dossier_id, 7)])
    db[WAKEUPS].delete_many({})  # the writer crashed between its write and the wake-up

    assert _relay(relay_env).run_once() == 1  # a fresh relay sweeps at once
    assert [e["payload"] for e in _published(settings)] == [{"n": 7}]


def test_outbox_updates_must_address_one_document_by_id(relay_env):
    db, _, _ = relay_env
    with pytest.raises(ValueError):
        Outbox(db.things).update({"code": "x"}, {"$set": {"status": 2}}, [_event("x", 1)])


def test_relays_racing_for_the_same_documents_claim_each_exactly_once(relay_env):
    db, _, _ = relay_env
    ids = [str(uuid.uuid4()) for _ in range(20)]
    for dossier_id in ids:
        Outbox(db.things).insert({"_id": dossier_id}, [_event(dossier_id, 1)])
    relays = iter([_relay(relay_env, relay_id=f"relay-{n}") for n in range(6)])

    def race():
        relay = next(relays)
        return [dossier_id for dossier_id in ids if relay._claim(db.things, dossier_id)]

    claimed = [dossier_id for won in at_once(race, 6) for dossier_id in won]
    assert sorted(claimed) == sorted(ids)


def test_bulk_claims_of_racing_relays_never_share_a_document(relay_env):
    db, _, _ = relay_env
    ids = [str(uuid.uuid4()) for _ in range(2 * BULK + 5)]  # several bulks per round
    for dossier_id in ids:
        Outbox(db.things).insert({"_id": dossier_id}, [_event(dossier_id, 1)])
    relays = iter([_relay(relay_env, relay_id=f"bulk-{n}") for n in range(3)])

    def race():
        relay = next(relays)
        return relay._claim_all([(db.things, dossier_id) for dossier_id in ids])

    rounds = at_once(race, 3)
    claimed = [claim.document_id for claims in rounds for claim in claims]
    assert sorted(claimed) == sorted(ids)  # each document claimed by exactly one relay
    for claims in rounds:
        for claim in claims:
            stored = db.things.find_one({"_id": claim.document_id})
            assert stored[LEASE_OWNER] == claim.owner and stored[LEASE_UNTIL] is not None
    assert len({claims[0].owner for claims in rounds if claims}) == len([c for c in rounds if c])


def test_a_bulk_clear_keeps_events_appended_since_the_claim_pending(relay_env):
    db, _, settings = relay_env
    ids = [str(uuid.uuid4()) for _ in range(BULK + 3)]
    outbox = Outbox(db.things)
    for dossier_id in ids:
        outbox.insert({"_id": dossier_id}, [_event(dossier_id, 1)])
    outbox.insert({"_id": "empty"}, [])
    db.things.update_one({"_id": "empty"}, {"$set": {PENDING: True}})  # a pending flag left with nothing to send
    relay = _relay(relay_env)
    claims = relay._claim_all([(db.things, dossier_id) for dossier_id in [*ids, "empty"]])
    assert [claim.document_id for claim in claims] == ids
    empty = db.things.find_one({"_id": "empty"})
    assert empty[PENDING] is False and empty[LEASE_OWNER] is None
    assert _relay(relay_env)._claim_all([(db.things, dossier_id) for dossier_id in ids]) == []  # leased

    sent = relay._publish(claims)
    changed = {ids[0], ids[-1]}  # in the first bulk and in the second
    for dossier_id in changed:
        outbox.update({"_id": dossier_id}, {"$set": {"status": 4}}, [_event(dossier_id, 2)])  # concurrent change
    relay._clear_all(sent)

    for dossier_id in ids:
        stored = db.things.find_one({"_id": dossier_id})
        assert stored[LEASE_OWNER] is None and stored[LEASE_UNTIL] is None
        if dossier_id in changed:
            assert [e["payload"] for e in stored[OUTBOX]] == [{"n": 2}] and stored[PENDING] is True
        else:
            assert stored[OUTBOX] == [] and stored[PENDING] is False
    assert relay.run_once() == 2
    published = _published(settings)
    assert len(published) == len(ids) + 2
    for dossier_id in changed:
        assert [e["payload"]["n"] for e in published if e["dossier_id"] == dossier_id] == [1, 2]


def _line(n: int) -> dict:
    return audit.line(at=utc_now(), actor=None, action=f"change-{n}", collection="things", document_id="x")


def test_the_audit_records_of_a_write_ride_in_its_wake_up_and_the_relay_writes_them_once(relay_env):
    db, _, _ = relay_env
    dossier_id, quiet_id = str(uuid.uuid4()), str(uuid.uuid4())
    outbox = Outbox(db.things)
    first, second, third, without_events = _line(1), _line(2), _line(3), _line(4)
    outbox.insert({"_id": dossier_id, "status": 1}, [_event(dossier_id, 1)], [first])
    outbox.insert({"_id": quiet_id, "status": 1}, [], [without_events])   # no wake-up: written at once
    assert [line["_id"] for line in db[audit.AUDIT].find()] == [without_events["_id"]]
    assert db[WAKEUPS].find_one({"_id": f"things:{dossier_id}"})[AUDIT_LINES] == [first]
    # a second write while the wake-up still waits for the relay: its record is written at once
    outbox.update({"_id": dossier_id}, {"$set": {"status": 2}}, [_event(dossier_id, 2)], [second])
    assert db[audit.AUDIT].count_documents({"_id": second["_id"]}) == 1
    # a compare-and-set that lost records nothing
    outbox.update({"_id": dossier_id, "status": 1}, {"$set": {"status": 3}}, [_event(dossier_id, 3)], [third])

    waiting = db[WAKEUPS].find_one({"_id": f"things:{dossier_id}"})
    assert _relay(relay_env).run_once() == 2
    assert db[WAKEUPS].count_documents({}) == 0
    assert sorted(line["_id"] for line in db[audit.AUDIT].find()) == sorted(
        line["_id"] for line in (first, second, without_events))
    assert db[audit.AUDIT].find_one({"_id": first["_id"]})["action"] == "change-1"

    # a relay that died after writing the records but before dropping the wake-up: the next round writes them
    # again, which changes nothing
    db[WAKEUPS].insert_one(waiting)
    _relay(relay_env).run_once()
    assert db[audit.AUDIT].count_documents({}) == 3 and db[WAKEUPS].count_documents({}) == 0


def test_an_audit_record_the_database_refuses_never_blocks_the_relay(relay_env):
    db, _, _ = relay_env
    dossier_id = str(uuid.uuid4())
    good, bad = _line(1), {**_line(2), "_id": ["not", "an", "id"]}   # an array is no document id
    Outbox(db.things).insert({"_id": dossier_id}, [_event(dossier_id, 1)], [bad, good])

    assert _relay(relay_env).run_once() == 1
    assert [line["_id"] for line in db[audit.AUDIT].find()] == [good["_id"]]
    assert db[WAKEUPS].count_documents({}) == 0
