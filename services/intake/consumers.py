"""What the intake service does with other services' events: a read copy of the catalogue, and the progress of
its dossiers."""

from __future__ import annotations

from pymongo.database import Database

from services.intake import SERVICE
from services.intake.attachments.service import on_supplement_received
from services.intake.dossiers.progress import apply_national_sync, apply_progress
from services.intake.postal_filings.service import on_shipment
from services.intake.procedures.service import apply_agency, apply_procedure
from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic
from shared.events.dossier_events import DOSSIER_EVENTS
from shared.events.postal_events import SHIPMENT_EVENTS


def build_runner(db: Database, settings) -> ConsumerRunner:
    return ConsumerRunner(
        group=SERVICE,
        db=db,
        settings=settings,
        subscriptions=[
            Subscription(Topic.WORKFLOW_CATALOGUE, {
                "catalogue.agency-published": lambda event, payload: apply_agency(db, event, payload),
                "catalogue.procedure-published": lambda event, payload: apply_procedure(db, event, payload),
            }),
            Subscription(Topic.WORKFLOW_DOSSIERS, {
                **{name: lambda event, payload: apply_progress(db, event, payload) for name in DOSSIER_EVENTS},
                "dossier.supplement-received": lambda event, payload: (
                    apply_progress(db, event, payload), on_supplement_received(db, event, payload)),
            }),
            Subscription(Topic.POSTAL_SHIPMENTS, {
                name: lambda event, payload: on_shipment(db, settings, event, payload) for name in SHIPMENT_EVENTS
            }),
            Subscription(Topic.SYNC_DOSSIERS, {
                "sync.dossier-synchronised": lambda event, payload: apply_national_sync(db, event, payload),
            }),
        ],
    )
