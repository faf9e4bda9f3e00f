"""Filed dossiers land in the receiving agency's queue; officers of that agency page through it."""

from __future__ import annotations

import pytest

from services.workflow.app import create_app
from services.workflow.queue.service import enqueue_submitted
from shared.auth.roles import Role
from shared.events import event_type
from tests.conftest import database
from tests.support import factories


@pytest.fixture(scope="module")
def client(settings):
    return create_app(settings).test_client()


@pytest.fixture
def workflow_db(mongo_client, settings):
    return database(mongo_client, settings, "workflow")


def _enqueue(db, event) -> bool:
    return enqueue_submitted(db, event, event_type(event.type).load(event.payload, event.schema_version))


def test_a_submitted_dossier_is_queued_once_however_often_the_event_arrives(workflow_db):
    event = factories.submitted_event()
    assert _enqueue(workflow_db, event) is True
    assert _enqueue(workflow_db, event) is False
    (entry,) = list(workflow_db.dossiers.find({"_id": event.dossier_id}))
    assert entry["code"] == event.payload["code"] and entry["status"] == 1
    assert entry["receiving_agency_code"] == event.payload["receiving_agency_code"]
    assert entry["applicant_name"] == "Nguyễn Thị Hoà" and entry["source_event_id"] == event.event_id


def test_officers_page_through_their_agency_queue_oldest_first(client, settings, workflow_db):
    agency = factories.agency_code()
    events = [factories.submitted_event(receiving_agency_code=agency) for _ in range(5)]
    for n, event in enumerate(events):
        event.payload["submitted_at"] = f"2026-11-22T0{n}:00:00+00:00"
        _enqueue(workflow_db, event)
    _enqueue(workflow_db, factories.submitted_event())  # another agency's
    auth = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))

    seen, cursor = [], None
    while True:
        page = client.get(f"/agencies/{agency}/queue?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=auth).json
        seen += [item["dossier_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e.dossier_id for e in events]

    first = client.get(f"/agencies/{agency}/queue?status=1", headers=auth).json["items"][0]
    assert first["status"] == {"code": 1, "name": "Mới đăng ký"} and first["applicant_name"] == "Nguyễn Thị Hoà"
    assert client.get(f"/agencies/{agency}/queue?status=2", headers=auth).json["items"] == []


def test_the_queue_is_closed_to_other_agencies_applicants_and_anonymous_callers(client, settings):
    agency = factories.agency_code()
    url = f"/agencies/{agency}/queue"
    other = factories.bearer(settings, factories.officer_principal(factories.agency_code(), Role.COUNTER_OFFICER))
    applicant = factories.bearer(settings, factories.applicant_principal())
    assert client.get(url).status_code == 401
    assert client.get(url, headers=other).status_code == 403
    assert client.get(url, headers=applicant).status_code == 403
    own = factories.bearer(settings, factories.officer_principal(agency, Role.COUNTER_OFFICER))
    invalid = client.get(f"{url}?status=11&limit=1000", headers=own)
    assert invalid.status_code == 422 and set(invalid.json["errors"]["query"]) == {"status", "limit"}
