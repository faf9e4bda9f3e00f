"""What the postal service does with other services' events."""

from __future__ import annotations

from pymongo.database import Database

from services.postal import SERVICE
from services.postal.calendar.service import apply_announcement
from services.postal.shipments.service import plan_result_delivery
from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic


def build_runner(db: Database, settings) -> ConsumerRunner:
    return ConsumerRunner(
        group=SERVICE,
        db=db,
        settings=settings,
        subscriptions=[
            Subscription(Topic.INTAKE_DOSSIERS, {
                "dossier.submitted": lambda event, payload: plan_result_delivery(db, event, payload),
            }),
            Subscription(Topic.WORKFLOW_CATALOGUE, {
                "calendar.announcement-published": lambda event, payload: apply_announcement(db, event, payload),
            }),
        ],
    )
