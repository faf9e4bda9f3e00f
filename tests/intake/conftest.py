from __future__ import annotations

import io

import pytest

from services.intake.app import create_app
from services.intake.procedures.service import apply_agency, apply_procedure
from tests.conftest import database
from tests.support import catalogue, factories


@pytest.fixture(scope="session")
def intake_app(settings, intake_catalogue):
    return create_app(settings)


@pytest.fixture
def client(intake_app):
    return intake_app.test_client()


@pytest.fixture
def intake_db(mongo_client, settings, intake_catalogue):
    return database(mongo_client, settings, "intake")


def _handlers(db) -> dict:
    return {"catalogue.agency-published": lambda e, p: apply_agency(db, e, p),
            "catalogue.procedure-published": lambda e, p: apply_procedure(db, e, p)}


@pytest.fixture(scope="session")
def intake_catalogue(mongo_client, settings):
    """Intake's read copy of the seed catalogue, as the workflow's events would build it."""
    catalogue.apply(catalogue.seed_events(), _handlers(database(mongo_client, settings, "intake")))


@pytest.fixture
def agency(intake_db) -> str:
    """A one-stop centre of its own for the test (so its daily sequence and queue are the test's alone),
    in Cao Bằng, where procedure 1.001806 is filed regardless of administrative boundary."""
    event = catalogue.one_stop_agency_event()
    catalogue.apply([event], _handlers(intake_db))
    return event.payload["code"]


@pytest.fixture
def applicant(settings):
    """A signed-in applicant: (principal, Authorization header)."""
    principal = factories.applicant_principal()
    return principal, factories.bearer(settings, principal)


@pytest.fixture
def upload(client):
    """Uploads a real PDF as the holder of ``auth`` (through the API); returns the upload's id."""
    def _upload(auth: dict[str, str], content: bytes | None = None, name: str = "don-de-nghi.pdf") -> str:
        sent = client.post("/uploads", data={"file": (io.BytesIO(content or factories.pdf_bytes()), name)},
                           headers=auth, content_type="multipart/form-data")
        assert sent.status_code == 201, sent.json
        return sent.json["id"]
    return _upload


@pytest.fixture
def submission(agency, applicant, upload):
    """Makes valid online submissions to the test's agency whose attachments are real files uploaded by the
    test's applicant (or by ``uploader``, an Authorization header); keyword arguments replace fields."""
    def _submission(uploader: dict[str, str] | None = None, **overrides):
        body = factories.submission(**{"receiving_agency_code": agency, **overrides})
        return factories.referencing(body, [upload(uploader or applicant[1])])
    return _submission
