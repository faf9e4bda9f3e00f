"""What the postal service does with other services' events: plan shipments, send results when they are
ready, cancel what is no longer needed, keep the agencies and the calendar it counts J+n with."""

from __future__ import annotations

from pymongo.database import Database

from services.postal import SERVICE
from services.postal.agencies.service import apply_agency
from services.postal.calendar.service import apply_announcement
from services.postal.shipments import service
from shared.bus.consumer import ConsumerRunner, Subscription
from shared.events import Topic


def build_runner(db: Database, settings) -> ConsumerRunner:
    def submitted(event, payload):
        service.plan_result_delivery(db, settings, event, payload)
        service.on_dossier_filed(db, settings, event, payload)

    return ConsumerRunner(
        group=SERVICE,
        db=db,
        settings=settings,
        subscriptions=[
            Subscription(Topic.INTAKE_DOSSIERS, {
                "dossier.submitted": submitted,
                "dossier.pickup-requested": lambda event, payload: service.plan_pickup(db, settings, event, payload),
            }),
            Subscription(Topic.WORKFLOW_DOSSIERS, {
                "dossier.result-ready": lambda event, payload: service.on_result_ready(db, settings, event, payload),
                "dossier.withdrawn": lambda event, payload: service.on_dossier_closed(db, settings, event, payload),
                "dossier.stopped": lambda event, payload: service.on_dossier_closed(db, settings, event, payload),
            }),
            Subscription(Topic.WORKFLOW_CATALOGUE, {
                "catalogue.agency-published": lambda event, payload: apply_agency(db, event, payload),
                "calendar.announcement-published": lambda event, payload: apply_announcement(db, event, payload),
            }),
        ],
    )
