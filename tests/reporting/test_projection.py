"""The projector on the real broker: it folds the topics under its own consumer group, a rebuild replays them from
the start into identical figures, and a projector killed between the commit point of a write and applying it
finishes the write when it starts again, and a write behind that fails is folded and written again (nothing lost,
nothing applied twice)."""

from __future__ import annotations

import dataclasses

import pytest

from services.reporting.consumers import build_runner, wanted
from services.reporting.indicators import service
from services.reporting.projection.projector import Projector
from services.reporting.storage import CELLS, DERIVED, META, ensure_indexes
from shared.bus.projection import ProjectionRunner, _Session, subscriptions
from tests.conftest import database, running
from tests.reporting.conftest import at, last_quarter_with_due
from tests.reporting.test_indicators import catalogue, indicator, on_time_histories
from tests.support.bus import publish
from tests.support.factories import agency_code
from tests.support.histories import load, petition_events
from tests.support.waiting import eventually

pytestmark = pytest.mark.stack


def _cells(db) -> list[dict]:
    return sorted(db[CELLS].find(), key=lambda d: d["_id"])


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
    return settings, db, q, agency


def test_the_projector_folds_the_topics_and_a_rebuild_replays_them_identically(fresh_settings, mongo_client):
    settings, db, q, agency = _published(fresh_settings, mongo_client)

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


def test_a_projector_killed_after_its_commit_point_finishes_the_write_at_restart(deployment, mongo_client):
    settings = deployment.settings()
    db = database(mongo_client, settings, "reporting")
    q = last_quarter_with_due()
    doomed = deployment.start_process("reporting", "consumer", name="reporting-consumer-doomed",
                                      failpoints="reporting.write.committed=kill")
    eventually(lambda: db[META].find_one({"_id": "state"}), timeout=60, what="the projector started")
    agency, events = _histories(q)
    publish(settings, *events)
    eventually(lambda: not doomed.alive(), timeout=60, what="the projector killed at its commit point")
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


class _FailingOnce(Projector):
    """The service's projector whose first write behind fails half-way: after its commit point and the first of its
    documents (as a store gone away in the middle of a write would leave it)."""

    failed = 0

    def _apply(self, items):
        if not self.failed:
            self.failed += 1
            super()._apply(items[:1])
            raise ConnectionError("the store went away in the middle of a write")
        super()._apply(items)


def test_a_write_behind_that_fails_is_folded_and_written_again(fresh_settings, mongo_client):
    settings, db, q, agency = _published(fresh_settings, mongo_client)
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
