"""The sync API."""

from __future__ import annotations

from flask import Flask

from services.sync import SERVICE
from services.sync.indicators.resources import blp as indicators_blp
from services.sync.mirrors.resources import blp as mirrors_blp
from shared.api.app import create_service_app
from shared.config import Settings, get_settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    settings.secret("national_portal_client_secret")  # production refuses to start with the development secret
    return create_service_app(
        service=SERVICE,
        title="motcua sync",
        description="Every dossier's life mirrored on the National Public Service Portal: what the portal holds "
                    "of each dossier (revision, steps, last error), and Decision 766 indicator 1.4.",
        blueprints=[mirrors_blp, indicators_blp],
        settings=settings,
    )
