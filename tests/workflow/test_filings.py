"""Filings becoming dossiers at the desk: a poll's filings at once (the consumer's batch mode), and the workflow's
real consumer runner applying a burst of them from the broker."""

from __future__ import annotations

import logging

import pytest

from services.workflow.catalogue import service as catalogue_service
from services.workflow.consumers import build_runner
from services.workflow.dossiers.service import on_submitted, on_submitted_many
from services.workflow.queues.entries import QUEUE
from services.workflow.storage import DOSSIERS
from shared.auth.roles import Role
from shared.bus.consumer import PROCESSED_EVENTS, PermanentError
from tests.conftest import database, running
from tests.support import catalogue, factories
from tests.support.bus import publish
from tests.support.waiting import eventually
from tests.workflow.conftest import filing


def test_a_poll_of_filings_becomes_dossiers_at_the_desk_in_one_go(workflow_db, settings):
    earlier = filing()
    on_submitted(workflow_db, settings, *earlier)
    stored_before = workflow_db[DOSSIERS].find_one({"_id": earlier[0].dossier_id})
    fresh = [filing() for _ in range(3)]
    poll = [fresh[0], earlier, fresh[1], fresh[0], fresh[2]]  # a redelivery within the poll, one filed before

    assert on_submitted_many(workflow_db, settings, poll) == 3

    for event, payload in fresh:
        dossier = workflow_db[DOSSIERS].find_one({"_id": event.dossier_id})
        assert dossier["status"] == 1 and dossier["code"] == payload["code"]
        assert dossier["source_event_id"] == event.event_id
        assert dossier["receiving_agency_code"] == "000.00.01.H11"
        assert workflow_db[QUEUE].count_documents({"_id": event.dossier_id}) == 1  # waiting in the desk's queue
    assert workflow_db[DOSSIERS].find_one({"_id": earlier[0].dossier_id}) == stored_before  # left alone
    assert on_submitted_many(workflow_db, settings, poll) == 0  # the whole poll again: nothing new


def test_a_filing_under_a_procedure_not_published_here_writes_nothing_of_its_poll(workflow_db, settings):
    good = filing()
    unknown = filing()
    unknown[1]["procedure_version"] = 99
    with pytest.raises(PermanentError):
        on_submitted_many(workflow_db, settings, [good, unknown])
    assert workflow_db[DOSSIERS].count_documents({"_id": {"$in": [good[0].dossier_id, unknown[0].dossier_id]}}) == 0
    assert on_submitted(workflow_db, settings, *good)  # handled alone (the consumer's fallback), it is filed


def test_the_consumer_files_a_burst_a_poll_at_a_time(mongo_client, fresh_settings, caplog):
    db = database(mongo_client, fresh_settings, "workflow")
    catalogue_service.import_catalogue(db, fresh_settings, catalogue.seeds(),
                                       factories.officer_principal("000.00.01.H11", Role.ADMIN))
    filings = [filing() for _ in range(12)]
    events = [event for event, _ in filings]
    publish(fresh_settings, *events, events[3])  # one delivered twice
    ids = [event.dossier_id for event in events]
    with caplog.at_level(logging.INFO, logger="shared.bus.consumer"), running(build_runner(db, fresh_settings)):
        eventually(lambda: db[PROCESSED_EVENTS].count_documents({}) == 12, what="every filing recorded")
    assert db[DOSSIERS].count_documents({"_id": {"$in": ids}, "status": 1}) == 12
    assert any(r.getMessage().startswith("batch of ") and r.getMessage().endswith(" events processed")
               for r in caplog.records)  # the poll was applied at once, not event by event
