"""What the notify service does with other services' events."""

from __future__ import annotations

from pymongo.database import Database

from services.notify import SERVICE
from services.notify.notifications.email import SmtpSender
from services.notify.notifications.service import on_dossier_submitted
from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic


def build_runner(db: Database, settings) -> ConsumerRunner:
    sender = SmtpSender(settings)
    return ConsumerRunner(
        group=SERVICE,
        db=db,
        settings=settings,
        subscriptions=[
            Subscription(Topic.INTAKE_DOSSIERS, {
                "dossier.submitted": lambda event, payload: on_dossier_submitted(db, sender, settings, event,
                                                                                 payload),
            }),
        ],
    )
