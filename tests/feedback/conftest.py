"""Feedback tests in this process: a database of their own, the read copies filled the way the consumer fills them
(from events), and the API through Flask's test client."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from services.feedback.app import create_app
from services.feedback.catalogue.service import apply_agency
from services.feedback.dossiers.service import on_dossier_event
from services.feedback.storage import ensure_indexes
from shared.auth.roles import Role
from shared.clock import utc_now
from shared.events import event_type, new_event
from tests.conftest import database
from tests.support import factories


@pytest.fixture
def feedback(settings, mongo_client):
    """(settings, database, API test client) of a feedback service of its own."""
    value = dataclasses.replace(settings, mongo_db_prefix=f"f{uuid.uuid4().hex[:10]}")
    db = database(mongo_client, value, "feedback")
    ensure_indexes(db)
    return value, db, create_app(value).test_client()


def load(event) -> dict:
    return event_type(event.type).load(event.payload, event.schema_version)


def publish_agency(db, code: str, name: str = "Sở Tài chính") -> None:
    payload = {"code": code, "name": name, "level": "province", "province_code": "79", "one_stop": True,
               "revision": 1}
    event = new_event("catalogue.agency-published", None, payload, producer="workflow", aggregate_id=code)
    apply_agency(db, event, load(event))


def returned_dossier(db, *, owner: str | None, agency: str, returned_at=None, status: int = 10) -> dict:
    """A dossier whose result was returned (status 10) at ``returned_at`` (default: now), as the workflow's
    ``dossier.result-returned`` event tells it (``owner`` None: filed at the counter without an account; another
    ``status``: still in progress). Returns the event's payload with the dossier id."""
    if status == 10:
        event = factories.dossier_event("result-returned", {"method": "counter", "outcome": "on_time"},
                                        status=status, agency=agency, at=returned_at or utc_now(),
                                        competent_agency_code=agency, owner_account_id=owner)
    else:
        event = factories.dossier_event("assigned", {"assignee": "x"}, status=status, agency=agency,
                                        competent_agency_code=agency, owner_account_id=owner)
    on_dossier_event(db, event, load(event))
    return {**event.payload, "id": event.dossier_id}


@pytest.fixture
def agency(feedback) -> str:
    code = factories.agency_code()
    publish_agency(feedback[1], code)
    return code


def officer(settings, agency: str, *roles: Role) -> dict[str, str]:
    return factories.bearer(settings, factories.officer_principal(agency, *roles))
