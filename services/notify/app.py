"""The notify API."""

from __future__ import annotations

from flask import Flask

from services.notify import SERVICE
from services.notify.notifications.resources import blp as notifications_blp
from shared.api.app import create_service_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    return create_service_app(
        service=SERVICE,
        title="motcua notify",
        description="Messages to applicants and officers with their delivery status.",
        blueprints=[notifications_blp],
        settings=settings,
    )
