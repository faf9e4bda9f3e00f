"""What the workflow service does with other services' events."""

from __future__ import annotations

from pymongo.database import Database

from services.workflow import SERVICE
from services.workflow.dossiers import payments, shipments
from services.workflow.dossiers.service import on_submitted
from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic


def build_runner(db: Database, settings) -> ConsumerRunner:
    return ConsumerRunner(
        group=SERVICE,
        db=db,
        settings=settings,
        subscriptions=[
            Subscription(Topic.INTAKE_DOSSIERS, {
                "dossier.submitted": lambda event, payload: on_submitted(db, settings, event, payload),
            }),
            Subscription(Topic.POSTAL_SHIPMENTS, {
                name: lambda event, payload: shipments.on_shipment(db, settings, event, payload)
                for name in shipments.HANDLED
            }),
            Subscription(Topic.PAYMENTS_CHARGES, {
                name: lambda event, payload: payments.on_payment(db, settings, event, payload)
                for name in payments.HANDLED
            }),
        ],
    )
