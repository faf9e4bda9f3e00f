"""The feedback API."""

from __future__ import annotations

from flask import Flask

from services.feedback import SERVICE
from services.feedback.petitions.resources import blp as petitions_blp
from services.feedback.ratings.resources import blp as ratings_blp
from shared.api.app import create_service_app
from shared.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    return create_service_app(
        service=SERVICE,
        title="motcua feedback",
        description="How the public evaluates the service: applicants' ratings of their dossiers (Decree 61/2018 "
                    "Art. 28–31) and feedback and recommendations (phản ánh, kiến nghị) handled within the Decision "
                    "766/QĐ-TTg deadlines.",
        blueprints=[ratings_blp, petitions_blp],
        settings=settings,
    )
