"""The workflow API."""

from __future__ import annotations

from flask import Flask

from services.workflow import SERVICE
from services.workflow.queue.resources import blp as queue_blp
from shared.api.app import create_service_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    return create_service_app(
        service=SERVICE,
        title="motcua workflow",
        description="Procedure catalogue, internal processes, tasks, deadlines and inter-agency routing.",
        blueprints=[queue_blp],
        settings=settings,
    )
