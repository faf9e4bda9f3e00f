"""The workflow API."""

from __future__ import annotations

from flask import Flask

from services.workflow import SERVICE
from services.workflow.calendar.resources import blp as calendar_blp
from services.workflow.catalogue.resources import blp as catalogue_blp
from services.workflow.dossiers.resources import blp as dossiers_blp
from services.workflow.printing.resources import blp as printing_blp
from services.workflow.queues.resources import blp as queues_blp
from shared.api.app import create_service_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    return create_service_app(
        service=SERVICE,
        title="motcua workflow",
        description="Procedure catalogue, internal processes, tasks, deadlines and inter-agency routing.",
        blueprints=[catalogue_blp, calendar_blp, dossiers_blp, queues_blp, printing_blp],
        settings=settings,
    )
