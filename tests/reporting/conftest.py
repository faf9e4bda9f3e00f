"""Reporting tests in this process: a read model of its own, folded from hand-made histories by the real
projector on the real database."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, time, timedelta

import pytest

from services.reporting.indicators.periods import Period, quarter_of
from services.reporting.projection.projector import Projector
from services.reporting.storage import ensure_indexes
from shared.clock import VN_TZ, utc_now, vn_date
from tests.conftest import database
from tests.support import factories
from tests.support.histories import load


@pytest.fixture
def reporting(settings, mongo_client):
    """(settings, database) of a read model of its own."""
    value = dataclasses.replace(settings, mongo_db_prefix=f"r{uuid.uuid4().hex[:10]}")
    db = database(mongo_client, value, "reporting")
    ensure_indexes(db)
    return value, db


def fold(db, settings, events, projector: Projector | None = None) -> Projector:
    """Folds the events (one batch) and writes, as the projector does between two commits."""
    if projector is None:
        projector = Projector(db, settings)
        projector.start()
    projector.fold([(event, load(event)) for event in events])
    projector.write()
    return projector


def last_quarter() -> Period:
    """The quarter before the business clock's: wholly in the past."""
    return quarter_of(quarter_of(vn_date(utc_now())).first - timedelta(days=1))


def last_quarter_with_due() -> Period:
    """:func:`last_quarter`, with ``last_day_due``: a due moment ten days after its end (dossiers open at its end
    and still in time)."""
    q = last_quarter()
    object.__setattr__(q, "last_day_due", at(q, (q.last - q.first).days + 10))
    return q


def at(period: Period, days: int, hour: int = 9) -> datetime:
    """``days`` after the period's first day, at ``hour`` in Hà Nội."""
    return datetime.combine(period.first + timedelta(days=days), time(hour), VN_TZ)


@pytest.fixture
def agency() -> str:
    return factories.agency_code()
