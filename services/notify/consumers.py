"""What the notify service does with other services' events: persist the messages they call for (the
sender process delivers them) and list officers' alerts in their digests. The events of a poll are handled at
once (the consumer's batch mode: one insert of messages, one of digest entries, so a scheduler round's thousands
of alerts are listed at hundreds a second); if the batch fails, they are handled one by one with the usual
retries and DLQ."""

from __future__ import annotations

from pymongo.database import Database

from services.notify import SERVICE
from services.notify.notifications.planner import PLANNED_EVENT_TYPES
from services.notify.notifications.service import on_event, on_events
from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic


def build_runner(db: Database, settings) -> ConsumerRunner:
    def handle(event, payload):
        on_event(db, settings, event, payload)

    return ConsumerRunner(
        group=SERVICE,
        db=db,
        settings=settings,
        subscriptions=[
            Subscription(Topic.INTAKE_DOSSIERS, {"dossier.submitted": handle}),
            Subscription(Topic.WORKFLOW_DOSSIERS,
                         {name: handle for name in PLANNED_EVENT_TYPES if name.startswith("dossier.")
                          and name != "dossier.submitted"}),
            Subscription(Topic.POSTAL_SHIPMENTS,
                         {name: handle for name in PLANNED_EVENT_TYPES if name.startswith("shipment.")}),
            Subscription(Topic.FEEDBACK_PETITIONS,
                         {name: handle for name in PLANNED_EVENT_TYPES if name.startswith("petition.")}),
            Subscription(Topic.PAYMENTS_CHARGES,
                         {name: handle for name in PLANNED_EVENT_TYPES if name.startswith("payment.")}),
            Subscription(Topic.SYNC_DOSSIERS,
                         {name: handle for name in PLANNED_EVENT_TYPES if name.startswith("sync.")}),
        ],
        batch=lambda events: on_events(db, settings, events),
        max_poll_records=500,
    )
