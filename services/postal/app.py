"""The postal API."""

from __future__ import annotations

from flask import Flask

from services.postal import SERVICE
from services.postal.shipments.resources import blp as shipments_blp
from shared.api.app import create_service_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    return create_service_app(
        service=SERVICE,
        title="motcua postal",
        description="Shipments with the public postal provider, both directions, and tracking.",
        blueprints=[shipments_blp],
        settings=settings,
    )
