"""The projector on the real broker: it folds the topics under its own consumer group, a rebuild replays them from
the start into identical figures, and a projector killed between the commit point of a write and applying it
finishes the write when it starts again, a write behind that fails is folded and written again (nothing lost,
nothing applied twice), a write due while another is being applied waits for it, folding on, and records that
change nothing are committed all the same."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

from services.reporting.consumers import build_runner, wanted
from services.reporting.indicators import service
from services.reporting.projection import cells
from services.reporting.projection.document import CELLS_DECLARED
from services.reporting.projection.projector import Projector
from services.reporting.storage import CELLS, DERIVED, DOSSIERS, META, ensure_indexes
from shared.bus.consumer import Headers, group_id
from shared.bus.kafka import read_topic
from shared.bus.projection import ProjectionRunner, _Session, subscriptions
from shared.events import Event, Topic, event_type, topic_names
from tests.conftest import database, running
from tests.reporting.conftest import at, last_quarter_with_due
from tests.reporting.test_indicators import catalogue, indicator, on_time_histories
from tests.support.bus import publish, publish_raw
from tests.support.concurrency import committed
from tests.support.factories import agency_code, dossier_event
from tests.support.histories import load, petition_events
from tests.support.waiting import eventually

pytestmark = pytest.mark.stack


def _cells(db) -> list[dict]:
    return sorted((CELLS_DECLARED.loaded(doc) for doc in db[CELLS].find()), key=lambda d: d["_id"])


def _histories(q):
    agency = agency_code()
    h = on_time_histories(agency, q)
    events = catalogue(agency) + [e for x in h.values() for e in x.events]
    events += petition_events("PA-K1", agency=agency, received_at=at(q, 3), decide_due=at(q, 5),
                              answer_due=at(q, 24), answered_at=at(q, 20), rated=True, dossier=h["B"])
    return agency, events


def _published(fresh_settings, mongo_client):
    """A read model of its own, writing every 0.3 s, and a quarter's histories published on its topics."""
    settings = dataclasses.replace(fresh_settings, reporting_flush_seconds=0.3)
    db = database(mongo_client, settings, "reporting")
    ensure_indexes(db)
    q = last_quarter_with_due()
    agency, events = _histories(q)
    publish(settings, *events)
    return settings, db, q, agency, events


def test_the_projector_folds_the_topics_and_a_rebuild_replays_them_identically(fresh_settings, mongo_client):
    settings, db, q, agency, _ = _published(fresh_settings, mongo_client)

    def figures():
        return indicator(service.figures(db, settings, f"agency:{agency}", q), "2.1")

    with running(build_runner(db, settings)):
        folded = eventually(lambda: figures()["denominator"] == 10 and figures(), timeout=60, what="figures")
    assert (folded["numerator"], folded["denominator"]) == (6, 10)
    before = _cells(db)
    assert db[META].find_one({"_id": "state"})["journal"] == "applied"

    # Rebuild: drop the read model; the projector replays every topic from the start, whatever was committed.
    for name in DERIVED:
        db[name].delete_many({})
    with running(build_runner(db, settings)):
        eventually(lambda: len(_cells(db)) == len(before) and _cells(db) == before, timeout=60,
                   what="the same cells after the replay")


def test_events_that_change_nothing_are_committed_without_waiting_for_a_change(fresh_settings, mongo_client):
    """A record the projection reads but that changes nothing (here a type it ignores) is still committed at the
    next write due: otherwise the group owes it until some later event changes a figure (seen as a soak benchmark
    that never drained)."""
    settings, db, q, agency, events = _published(fresh_settings, mongo_client)
    topic = topic_names(settings).main(Topic.WORKFLOW_DOSSIERS)
    published = sum(1 for e in events if event_type(e.type).topic == Topic.WORKFLOW_DOSSIERS)
    group = group_id(settings, "reporting")
    with running(build_runner(db, settings)):
        eventually(lambda: committed(settings.kafka_bootstrap_servers, group, topic) == published, timeout=60,
                   what="the histories committed")
        # a type the projection ignores
        publish(settings, dossier_event("overdue", {"scope": "dossier", "due_at": at(q, 5)}, agency=agency))
        eventually(lambda: committed(settings.kafka_bootstrap_servers, group, topic) == published + 1, timeout=30,
                   what="the ignored event committed")


def test_records_that_are_not_valid_events_are_parked_and_the_rest_folded(fresh_settings, mongo_client):
    """The events are decoded in a child process of the consumer (shared/bus/projection.py): a record that is not
    an event, and an event whose payload breaks its schema, are parked on their topic's DLQ with the reason and
    committed; every valid event around them is folded."""
    settings, db, q, agency, events = _published(fresh_settings, mongo_client)
    names = topic_names(settings)
    publish_raw(settings, Topic.WORKFLOW_DOSSIERS, b"{not json")
    broken = Event(type="dossier.submitted", dossier_id="broken-1", payload={"code": 1}, producer="intake",
                   schema_version=event_type("dossier.submitted").version)
    publish_raw(settings, Topic.INTAKE_DOSSIERS, broken.to_json(), key=broken.key)

    def figures():
        return indicator(service.figures(db, settings, f"agency:{agency}", q), "2.1")

    def parked(topic):
        return [{k: v.decode() for k, v in r.headers} for r in read_topic(settings, names.dlq(topic))]

    with running(build_runner(db, settings)):
        folded = eventually(lambda: figures()["denominator"] == 10 and figures(), timeout=60, what="figures")
        eventually(lambda: parked(Topic.WORKFLOW_DOSSIERS) and parked(Topic.INTAKE_DOSSIERS), timeout=30,
                   what="both records parked")
    assert (folded["numerator"], folded["denominator"]) == (6, 10)
    for topic in (Topic.WORKFLOW_DOSSIERS, Topic.INTAKE_DOSSIERS):
        [letter] = parked(topic)
        assert letter[Headers.REASON] == "invalid-event" and letter[Headers.ORIGINAL_TOPIC] == names.main(topic)
    assert "payload is invalid" in parked(Topic.INTAKE_DOSSIERS)[0][Headers.ERROR]
    assert db[DOSSIERS].find_one({"_id": "broken-1"}) is None


def test_a_projector_killed_after_its_commit_point_finishes_the_write_at_restart(deployment, mongo_client):
    settings = deployment.settings()
    db = database(mongo_client, settings, "reporting")
    q = last_quarter_with_due()
    doomed = deployment.start_process("reporting", "consumer", name="reporting-consumer-doomed",
                                      failpoints="reporting.write.committed=kill")
    eventually(lambda: db[META].find_one({"_id": "state"}), timeout=60, what="the projector started")
    decoders = eventually(lambda: _children(doomed.pid), timeout=60, what="the decoding process started")
    agency, events = _histories(q)
    publish(settings, *events)
    eventually(lambda: not doomed.alive(), timeout=60, what="the projector killed at its commit point")
    # its decoding process is not left behind (killed, the consumer could not stop it)
    eventually(lambda: not any(Path(f"/proc/{pid}").exists() for pid in decoders), timeout=10,
               what="the decoding process gone with its consumer")
    state = db[META].find_one({"_id": "state"})
    assert state["journal"] == "written"  # committed, not applied: the journal holds the write

    deployment.start_process("reporting", "consumer")

    def figures():
        found = indicator(service.figures(db, settings, f"agency:{agency}", q), "2.1")
        return found["denominator"] == 10 and found
    folded = eventually(figures, timeout=60, what="the write finished and the rest folded")
    assert (folded["numerator"], folded["denominator"]) == (6, 10)
    # the interrupted write is applied, then its journal cleared (a step after the figures show, so waited for;
    # a later write may hold a journal for a moment too)
    eventually(lambda: db[META].find_one({"_id": "state"})["journal"] == "applied"
               and db["journal"].count_documents({}) == 0, timeout=30, what="the journal applied and cleared")


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (from /proc: the decoding process of a consumer)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class _FailingOnce(Projector):
    """The service's projector whose first write behind fails half-way: after its commit point and the first of its
    documents (as a store gone away in the middle of a write would leave it)."""

    failed = 0

    def _apply(self, items, new=frozenset()):
        if not self.failed:
            self.failed += 1
            super()._apply(items[:1], new)
            raise ConnectionError("the store went away in the middle of a write")
        super()._apply(items, new)


def test_a_write_behind_that_fails_is_folded_and_written_again(fresh_settings, mongo_client):
    settings, db, q, agency, _ = _published(fresh_settings, mongo_client)
    projector = _FailingOnce(db, settings)
    runner = ProjectionRunner(group="reporting", subscriptions=subscriptions(wanted()), db=db, settings=settings,
                              projection=projector)

    def figures():
        found = indicator(service.figures(db, settings, f"agency:{agency}", q), "2.1")
        return found["denominator"] == 10 and db[META].find_one({"_id": "state"})["journal"] == "applied" and found

    with running(runner):
        folded = eventually(figures, timeout=90, what="the figures after the failed write")
    assert projector.failed == 1
    assert (folded["numerator"], folded["denominator"]) == (6, 10)
    assert folded["breakdown"] == {"finished_on_time": 5, "finished_late": 3, "in_progress": 2,
                                   "in_progress_late": 1}


def test_a_failed_write_found_by_the_rebalance_listener_still_ends_the_session(fresh_settings, mongo_client):
    """The client only logs what its rebalance listener raises. A write behind found failed there must still end
    the session (its documents were taken from the folded state: writing on would lose them)."""
    db = database(mongo_client, fresh_settings, "reporting")
    ensure_indexes(db)
    projector = _FailingOnce(db, fresh_settings)
    projector.start()
    q = last_quarter_with_due()
    _, events = _histories(q)
    projector.fold([(event, load(event)) for event in events])
    runner = ProjectionRunner(group="reporting", subscriptions=subscriptions(wanted()), db=db,
                              settings=fresh_settings, projection=projector)
    session = _Session(runner, replay=False)
    try:
        session.behind = (session.writer.submit(projector.apply, projector.prepare()), {})
        with pytest.raises(ConnectionError):
            session.write_and_commit(final=True)  # as the listener does when partitions are revoked
        with pytest.raises(ConnectionError):
            session.poll()  # the next poll ends the session: the runner starts over from the last commit
    finally:
        session.close()


class _Gated(Projector):
    """The service's projector writing to a store that holds each write until the test opens the gate."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.events = 0   # folded in all
        self.writes = []  # events each write covered

    def fold(self, batch):
        super().fold(batch)
        self.events += len(batch)

    def apply(self, prepared):
        self.gate.wait(60)
        super().apply(prepared)
        self.writes.append(prepared.folded)


def test_a_write_due_while_another_is_applied_waits_for_it_and_then_takes_all_folded_meanwhile(fresh_settings,
                                                                                               mongo_client):
    """Group commit: folding goes on while a slow store applies a write; the next write covers everything folded
    meanwhile, instead of the folding waiting at every flush."""
    settings = dataclasses.replace(fresh_settings, reporting_flush_seconds=0.0)  # a write is due at every poll
    db = database(mongo_client, settings, "reporting")
    ensure_indexes(db)
    q = last_quarter_with_due()
    agency, events = _histories(q)
    projector = _Gated(db, settings)
    runner = ProjectionRunner(group="reporting", subscriptions=subscriptions(wanted()), db=db, settings=settings,
                              projection=projector)
    projector.start()
    session = _Session(runner, replay=False)
    try:
        half = len(events) // 2
        publish(settings, *events[:half])
        eventually(lambda: session.poll() or session.behind, timeout=60, what="a first write behind")
        first = session.behind[0]
        publish(settings, *events[half:])
        eventually(lambda: session.poll() or projector.events == len(events), timeout=60, what="everything folded")
        assert session.behind[0] is first and not first.done()  # still held: no write waited for it
        assert projector.writes == [] and projector.folded > 0   # the folding went on meanwhile

        projector.gate.set()
        session.finish_behind()
        session.write_and_commit(final=True)
        assert len(projector.writes) == 2 and sum(projector.writes) == len(events)
    finally:
        projector.gate.set()
        session.close()
    found = indicator(service.figures(db, settings, f"agency:{agency}", q), "2.1")
    assert (found["numerator"], found["denominator"]) == (6, 10)


def test_a_new_document_found_in_the_store_is_replaced(fresh_settings, mongo_client):
    """Documents folded as new are inserted several at a time; one already stored (a write applied again) is
    replaced instead of failing the write."""
    db = database(mongo_client, fresh_settings, "reporting")
    projector = Projector(db, fresh_settings)
    there, new = (cells.new_cell(cells.MONTHS, f"agency:{agency_code()}", "2025") for _ in range(2))
    db[CELLS].insert_one(CELLS_DECLARED.stored({**there, "v": {"old": {"1": 1}}}))
    items = [(CELLS, CELLS_DECLARED.stored({**new, "v": {"new": {"1": 3}}})),
             (CELLS, CELLS_DECLARED.stored({**there, "v": {"new": {"1": 2}}}))]  # not first
    projector._apply(items, frozenset({(CELLS, there["_id"]), (CELLS, new["_id"])}))
    assert {d["_id"]: CELLS_DECLARED.loaded(d)["v"]
            for d in db[CELLS].find({"_id": {"$in": [there["_id"], new["_id"]]}})} == {
        there["_id"]: {"new": {"1": 2}}, new["_id"]: {"new": {"1": 3}}}
