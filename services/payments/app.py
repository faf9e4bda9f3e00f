"""The payments API."""

from __future__ import annotations

from flask import Flask

from services.payments import SERVICE
from services.payments.charges.resources import blp as charges_blp
from services.payments.gateway.resources import blp as gateway_blp
from services.payments.reconciliation.resources import blp as reconciliation_blp
from shared.api.app import create_service_app
from shared.config import Settings, get_settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    settings.secret("payment_gateway_secret")  # production refuses to start with the development key
    return create_service_app(
        service=SERVICE,
        title="motcua payments",
        description="What each dossier owes — fees due at filing, financial obligations — and paying it online "
                    "through the payment gateway: orders, signed payment notices, electronic receipts, refunds and "
                    "the daily reconciliation with the gateway's statement.",
        blueprints=[charges_blp, gateway_blp, reconciliation_blp],
        settings=settings,
    )
