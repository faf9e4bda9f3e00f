"""The postal API."""

from __future__ import annotations

from flask import Flask

from services.postal import SERVICE
from services.postal.offices.resources import blp as offices_blp
from services.postal.provider.resources import blp as provider_blp
from services.postal.reports.resources import blp as reports_blp
from services.postal.shipments.resources import blp as shipments_blp
from shared.api.app import create_service_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    return create_service_app(
        service=SERVICE,
        title="motcua postal",
        description="Shipments with the public postal provider in both directions — dossier pickup and result "
                    "delivery — with tracking, hand-over records, the provider's webhooks and quarterly reports.",
        blueprints=[shipments_blp, offices_blp, provider_blp, reports_blp],
        settings=settings,
    )
