"""What the payments service does with other services' events: the fee lines of each procedure version, a
charge when a dossier is filed with fees due at filing or when the workflow asks for a financial obligation,
payments recorded at the desk, and where each dossier stands (void and refund rules)."""

from __future__ import annotations

from pymongo.database import Database

from services.payments import SERVICE
from services.payments.charges import service
from services.payments.procedures.service import apply_procedure
from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic
from shared.events.dossier_events import DOSSIER_EVENTS


def build_runner(db: Database, settings) -> ConsumerRunner:
    def dossier_event(event, payload):
        service.on_dossier_event(db, settings, event, payload)
        if event.type == "dossier.payment-requested":
            service.on_payment_requested(db, settings, event, payload)
        elif event.type == "dossier.payment-recorded":
            service.on_payment_recorded(db, settings, event, payload)

    return ConsumerRunner(
        group=SERVICE,
        db=db,
        settings=settings,
        subscriptions=[
            Subscription(Topic.WORKFLOW_CATALOGUE, {
                "catalogue.procedure-published": lambda event, payload: apply_procedure(db, event, payload),
            }),
            Subscription(Topic.INTAKE_DOSSIERS, {
                "dossier.submitted": lambda event, payload: service.on_submitted(db, settings, event, payload),
            }),
            Subscription(Topic.WORKFLOW_DOSSIERS, {name: dossier_event for name in DOSSIER_EVENTS}),
        ],
    )
