"""The notify API."""

from __future__ import annotations

from flask import Flask

from services.notify import SERVICE
from services.notify.delivery.resources import blp as receipts_blp
from services.notify.inbox.resources import blp as inbox_blp
from services.notify.notifications.resources import blp as notifications_blp
from services.notify.templates.resources import blp as templates_blp
from shared.api.app import create_service_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    return create_service_app(
        service=SERVICE,
        title="motcua notify",
        description="Messages to applicants and officers (e-mail, SMS, in-app inbox) with their delivery status.",
        blueprints=[notifications_blp, inbox_blp, templates_blp, receipts_blp],
        settings=settings,
    )
