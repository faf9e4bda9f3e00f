"""The scheduler's due-soon and overdue alerts (issue 13): each raised once per due moment, and a round reads only
the dossiers still owed an alert — the backlog of late dossiers already alerted is never read again, so a
round's work follows the alerts due, not the number of open dossiers."""

from __future__ import annotations

from datetime import timedelta

from services.workflow.dossiers.alerts import derive_missing_next_alerts, scan
from services.workflow.dossiers.service import SYSTEM, context_for
from services.workflow.dossiers.watch import NEXT_DUE_SOON, NEXT_OVERDUE, owed_query
from services.workflow.queues.service import due_bounds
from shared.clock import as_utc
from shared.events import Event
from tests.support import factories

LATE_BACKLOG = 40  # late dossiers of one desk, alerted once already


def _owed(workflow_db, settings, ids: list[str]) -> list[str]:
    """Which of ``ids`` the scheduler's query returns now (the only documents a round reads)."""
    ctx = context_for(workflow_db, settings, SYSTEM)
    soon = due_bounds(ctx.now, ctx.calendar, settings)
    return [d["_id"] for d in workflow_db.dossiers.find({"$and": [owed_query(ctx.now, soon), {"_id": {"$in": ids}}]},
                                                        {"_id": 1})]


def _alerts(workflow_db, dossier_id: str) -> list[tuple[str, str]]:
    outbox = workflow_db.dossiers.find_one({"_id": dossier_id})["outbox"]
    return [(e.type, e.payload["details"]["scope"]) for e in map(Event.from_document, outbox)
            if e.type in ("dossier.due-soon", "dossier.overdue")]


def _reception_due(workflow_db, dossier_id: str):
    return as_utc(workflow_db.dossiers.find_one({"_id": dossier_id})["steps"][0]["due_at"])


def test_each_alert_is_raised_once_per_due_moment(file_dossier, workflow_db, settings, business_clock):
    # Filed now (Monday 09:00): the desk's half working day ends this afternoon, within the due-soon hours.
    dossier_id = file_dossier(receiving=factories.agency_code())
    due = _reception_due(workflow_db, dossier_id)
    assert _owed(workflow_db, settings, [dossier_id]) == [dossier_id]
    scan(workflow_db, settings)
    scan(workflow_db, settings)
    assert _alerts(workflow_db, dossier_id) == [("dossier.due-soon", "step")]
    stored = workflow_db.dossiers.find_one({"_id": dossier_id})
    assert stored[NEXT_DUE_SOON] is None and as_utc(stored[NEXT_OVERDUE]) == due
    assert _owed(workflow_db, settings, [dossier_id]) == []  # nothing more is owed before the due moment

    with business_clock.moved_to(due + timedelta(minutes=1), why="the desk's due moment has just passed"):
        assert _owed(workflow_db, settings, [dossier_id]) == [dossier_id]
        scan(workflow_db, settings)
        scan(workflow_db, settings)
        assert _alerts(workflow_db, dossier_id) == [("dossier.due-soon", "step"), ("dossier.overdue", "step")]
        stored = workflow_db.dossiers.find_one({"_id": dossier_id})
        assert stored[NEXT_DUE_SOON] is None and stored[NEXT_OVERDUE] is None
        assert _owed(workflow_db, settings, [dossier_id]) == []


def test_a_round_does_not_read_the_late_backlog_already_alerted(file_dossier, workflow_db, settings,
                                                                business_clock):
    desk = factories.agency_code()
    backlog = [file_dossier(receiving=desk) for _ in range(LATE_BACKLOG)]
    late = max(_reception_due(workflow_db, d) for d in backlog) + timedelta(minutes=1)
    with business_clock.moved_to(late, why="every dossier of the backlog is past the desk's due moment"):
        assert len(_owed(workflow_db, settings, backlog)) == LATE_BACKLOG
        scan(workflow_db, settings)
        assert all(_alerts(workflow_db, d) == [("dossier.overdue", "step")] for d in backlog)
        versions = {d["_id"]: d["version"] for d in workflow_db.dossiers.find({"_id": {"$in": backlog}})}

        # The next rounds: a new dossier due soon is read and alerted; none of the alerted backlog is read.
        fresh = file_dossier(receiving=desk)
        assert _owed(workflow_db, settings, [*backlog, fresh]) == [fresh]
        scan(workflow_db, settings)
        scan(workflow_db, settings)
        assert _alerts(workflow_db, fresh) == [("dossier.due-soon", "step")]
        assert _owed(workflow_db, settings, [*backlog, fresh]) == []
        assert {d["_id"]: d["version"] for d in workflow_db.dossiers.find({"_id": {"$in": backlog}})} == versions
        assert all(_alerts(workflow_db, d) == [("dossier.overdue", "step")] for d in backlog)


def test_a_dossier_written_before_the_derived_fields_gets_them_and_its_alerts(file_dossier, workflow_db, settings):
    dossier_id = file_dossier(receiving=factories.agency_code())
    # As a dossier stored by the version before next_due_soon_at / next_overdue_at existed.
    workflow_db.dossiers.update_one({"_id": dossier_id}, {"$unset": {NEXT_DUE_SOON: "", NEXT_OVERDUE: ""}})
    assert _owed(workflow_db, settings, [dossier_id]) == []  # the scan cannot see it yet
    assert derive_missing_next_alerts(workflow_db, settings) >= 1
    assert derive_missing_next_alerts(workflow_db, settings) == 0
    stored = workflow_db.dossiers.find_one({"_id": dossier_id})
    assert as_utc(stored[NEXT_DUE_SOON]) == as_utc(stored[NEXT_OVERDUE]) == _reception_due(workflow_db, dossier_id)
    assert _alerts(workflow_db, dossier_id) == []  # the write changed nothing else
    scan(workflow_db, settings)
    assert _alerts(workflow_db, dossier_id) == [("dossier.due-soon", "step")]
