"""What the workflow service does with other services' events: filings become dossiers at the desk, the postal
service's reports and the payments' are recorded on their dossiers. The filings of a poll are applied at once
(the consumer's batch mode: one insert of dossiers, so a burst reaches the desks at hundreds a second); if the
batch fails, they are handled one by one with the usual retries and DLQ. Reports are handled one by one."""

from __future__ import annotations

from pymongo.database import Database

from services.workflow import SERVICE
from services.workflow.dossiers import payments, shipments
from services.workflow.dossiers.service import on_submitted, on_submitted_many
from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic

SUBMITTED = "dossier.submitted"


def build_runner(db: Database, settings) -> ConsumerRunner:
    return ConsumerRunner(
        group=SERVICE,
        db=db,
        settings=settings,
        subscriptions=[
            Subscription(Topic.INTAKE_DOSSIERS, {
                SUBMITTED: lambda event, payload: on_submitted(db, settings, event, payload),
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
        batch=lambda filings: on_submitted_many(db, settings, filings),
        batch_types={SUBMITTED},
        max_poll_records=500,   # a burst of filings is applied in big polls
    )
