from __future__ import annotations

import pytest

from services.intake.app import create_app
from tests.conftest import database
from tests.support import factories


@pytest.fixture(scope="session")
def intake_app(settings):
    return create_app(settings)


@pytest.fixture
def client(intake_app):
    return intake_app.test_client()


@pytest.fixture
def intake_db(mongo_client, settings):
    return database(mongo_client, settings, "intake")


@pytest.fixture
def applicant(settings):
    """A signed-in applicant: (principal, Authorization header)."""
    principal = factories.applicant_principal()
    return principal, factories.bearer(settings, principal)
