"""What the sync service does with other services' events: every dossier's life, as the National Public Service
Portal must hold it. The filing (intake), every step and status (workflow) and the fees (payments) are applied
to the dossier's mirror a poll at a time (the consumer's batch mode: hundreds of events a second), each event
once; if a batch fails, its events are applied one by one with the usual retries and DLQ."""

from __future__ import annotations

from pymongo.database import Database

from services.sync import SERVICE
from services.sync.mirrors.fields import ACTIONS
from services.sync.mirrors.service import apply_batch
from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic
from shared.events.dossier_events import DOSSIER_EVENTS
from shared.events.payment_events import PAYMENT_EVENTS

# the workflow's events that change what the portal holds: a status, a date, a process step
WORKFLOW_EVENTS = sorted(name for name in DOSSIER_EVENTS if name in ACTIONS)
# the payments' events that change the fees the portal holds (not alerts)
PAYMENT_EVENT_TYPES = sorted(name for name in PAYMENT_EVENTS if name != "payment.alert")


def build_runner(db: Database, settings) -> ConsumerRunner:
    def one(event, payload):
        apply_batch(db, settings, [(event, payload)])

    return ConsumerRunner(
        group=SERVICE,
        db=db,
        settings=settings,
        subscriptions=[
            Subscription(Topic.INTAKE_DOSSIERS, {"dossier.submitted": one}),
            Subscription(Topic.WORKFLOW_DOSSIERS, {name: one for name in WORKFLOW_EVENTS}),
            Subscription(Topic.PAYMENTS_CHARGES, {name: one for name in PAYMENT_EVENT_TYPES}),
        ],
        batch=lambda events: apply_batch(db, settings, events),
        max_poll_records=2000,   # a backlog is applied in big polls: a dossier's events coalesce into one write
    )
