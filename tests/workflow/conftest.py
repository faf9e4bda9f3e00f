from __future__ import annotations

import pytest

from services.workflow.app import create_app
from services.workflow.catalogue import service as catalogue_service
from services.workflow.dossiers.service import on_submitted
from shared.auth.roles import Role
from shared.events import event_type
from tests.conftest import database
from tests.support import catalogue, factories


@pytest.fixture(scope="session")
def workflow_app(settings, workflow_catalogue):
    return create_app(settings)


@pytest.fixture
def client(workflow_app):
    return workflow_app.test_client()


@pytest.fixture
def workflow_db(mongo_client, settings, workflow_catalogue):
    return database(mongo_client, settings, "workflow")


@pytest.fixture(scope="session")
def workflow_catalogue(mongo_client, settings):
    """The seed catalogue published in the workflow's own database."""
    catalogue_service.import_catalogue(database(mongo_client, settings, "workflow"), settings, catalogue.seeds(),
                                       factories.officer_principal("000.00.01.H11", Role.ADMIN))


def filing(procedure_code="1.001806", receiving="000.00.01.H11", owner=None, **overrides):
    """A seed procedure's filing as intake publishes it, every component attached: (event, loaded payload)."""
    proc = catalogue.seed_procedure(procedure_code)
    event = factories.submitted_event(procedure_code=procedure_code, receiving_agency_code=receiving,
                                      owner=owner, **overrides)
    event.payload["competent_agency_code"] = proc["competent_agency_code"]
    event.payload["attachments"] = [
        {"component": c["name"], "component_code": c["code"], "file_name": f"{c['code']}.pdf",
         "media_type": "application/pdf", "size_bytes": 1000, "sha256": "ab" * 32, "copy_kind": "original"}
        for c in proc["components"]]
    return event, event_type(event.type).load(event.payload, event.schema_version)


@pytest.fixture
def file_dossier(workflow_db, settings):
    """Files a dossier into the workflow as the intake event would (status 1 at the receiving desk)."""

    def file(procedure_code="1.001806", receiving="000.00.01.H11", owner=None, **overrides):
        event, payload = filing(procedure_code, receiving, owner, **overrides)
        on_submitted(workflow_db, settings, event, payload)
        return event.dossier_id

    return file
