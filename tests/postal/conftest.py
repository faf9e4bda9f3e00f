"""Postal tests in this process: a database of their own, the real provider simulator, and helpers that put
shipments in a known state the way the service does (planning from an event, then the rules)."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from services.postal.app import create_app
from services.postal.shipments import rules, service
from services.postal.storage import ensure_indexes
from shared.calendar import calendar_for
from shared.events import Event, event_type
from tests.conftest import database
from tests.support import factories
from tools.simulators.postal_provider import PostalProviderClient


@pytest.fixture
def postal(settings, mongo_client):
    """(settings, database, API test client) of a postal service of its own."""
    value = dataclasses.replace(settings, mongo_db_prefix=f"p{uuid.uuid4().hex[:10]}")
    db = database(mongo_client, value, "postal")
    ensure_indexes(db)
    return value, db, create_app(value).test_client()


@pytest.fixture(scope="session")
def provider(stack) -> PostalProviderClient:
    return PostalProviderClient(stack.postal_provider.url)


def load(event: Event) -> dict:
    return event_type(event.type).load(event.payload, event.schema_version)


def planned_delivery(db, settings, *, tracking: str | None = "EB100000005VN", post_office: str = "700000",
                     postage: int = 38_000, **overrides) -> dict:
    """A result delivery planned from a filing, ready and registered with the provider (unless ``tracking``
    is None)."""
    event = factories.submitted_event(result_return=factories.postal_return(), **overrides)
    service.plan_result_delivery(db, settings, event, load(event))
    id_ = service.shipment_id(event.dossier_id, "result_delivery")
    service.execute(db, settings, id_, rules.result_ready)
    if tracking:
        _register(db, settings, id_, {"tracking_code": tracking, "slip_number": "PG1", "post_office": post_office,
                                      "postage": postage})
    return service.get(db, settings, id_)


def planned_pickup(db, settings, *, tracking: str = "EB200000001VN", post_office: str = "700000",
                   **overrides) -> dict:
    event = factories.pickup_requested_event(**overrides)
    service.plan_pickup(db, settings, event, load(event))
    id_ = service.shipment_id(event.dossier_id, "dossier_pickup")
    _register(db, settings, id_, {"tracking_code": tracking, "slip_number": "PG2", "post_office": post_office,
                                  "postage": 37_000})
    return service.get(db, settings, id_)


def _register(db, settings, id_: str, answer: dict) -> None:
    shipment = service.get(db, settings, id_)
    service.execute(db, settings, id_, rules.registered, answer=answer, sender=shipment["sender"],
                    recipient=shipment["recipient"])


def calendar(settings):
    return calendar_for(settings)


def tracking_code() -> str:
    return f"EB{uuid.uuid4().int % 10**9:09d}VN"
