"""The reporting API."""

from __future__ import annotations

from flask import Flask

from services.reporting import SERVICE
from services.reporting.indicators.resources import blp as indicators_blp
from services.reporting.reports.resources import blp as reports_blp
from shared.api.app import create_service_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    return create_service_app(
        service=SERVICE,
        title="motcua reporting",
        description="How well the service serves: the Decision 766/QĐ-TTg index (live), the Circular 01/2018 scores "
                    "of agencies and staff, ratings and petitions, the quarterly report; every figure with its "
                    "numerator, denominator and the dossiers it counts.",
        blueprints=[indicators_blp, reports_blp],
        settings=settings,
    )
