"""What the feedback service does with other services' events: keep what it knows of dossiers (who may rate
them, when; what a petition concerns), of agencies and of the calendar (petition deadlines)."""

from __future__ import annotations

from pymongo.database import Database

from services.feedback import SERVICE
from services.feedback.catalogue.service import apply_agency, apply_announcement
from services.feedback.dossiers import service as dossiers
from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic
from shared.events.dossier_events import DOSSIER_EVENTS

# The alerts say nothing about the dossier's state a rating or a petition needs.
FOLLOWED = [name for name in DOSSIER_EVENTS if name not in ("dossier.due-soon", "dossier.overdue")]


def build_runner(db: Database, settings) -> ConsumerRunner:
    def dossier_event(event, payload):
        dossiers.on_dossier_event(db, event, payload)

    return ConsumerRunner(
        group=SERVICE,
        db=db,
        settings=settings,
        subscriptions=[
            Subscription(Topic.INTAKE_DOSSIERS, {
                "dossier.submitted": lambda event, payload: dossiers.on_submitted(db, event, payload)}),
            Subscription(Topic.WORKFLOW_DOSSIERS, {name: dossier_event for name in FOLLOWED}),
            Subscription(Topic.WORKFLOW_CATALOGUE, {
                "catalogue.agency-published": lambda event, payload: apply_agency(db, event, payload),
                "calendar.announcement-published": lambda event, payload: apply_announcement(db, event, payload),
            }),
        ],
    )
