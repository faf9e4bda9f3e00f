"""The read model's consumer: every event of the domain's history that a figure depends on, folded by the
projector (projection/projector.py) under the ``reporting`` consumer group. Portal synchronisation and payment
events (``sync.*``, ``payment.*``) are folded as soon as their topics exist in the registry (README, "Reporting")."""

from __future__ import annotations

from pymongo.database import Database

from services.reporting import SERVICE
from services.reporting.projection.facts import IGNORED
from services.reporting.projection.projector import Projector
from shared.bus.projection import ProjectionRunner, subscriptions
from shared.events import Topic
from shared.events.dossier_events import DOSSIER_EVENTS

# The topics of other producers whose every event is folded when they appear (sync and payments).
INTEGRATIONS = ("sync.", "payment.", "payments.")


def wanted() -> dict[Topic, list[str] | None]:
    topics: dict[Topic, list[str] | None] = {
        Topic.WORKFLOW_CATALOGUE: ["catalogue.agency-published", "catalogue.procedure-published",
                                   "calendar.announcement-published"],
        Topic.INTAKE_DOSSIERS: ["dossier.submitted"],
        Topic.WORKFLOW_DOSSIERS: [name for name in DOSSIER_EVENTS if name not in IGNORED],
        Topic.FEEDBACK_RATINGS: ["rating.recorded"],
        Topic.FEEDBACK_PETITIONS: None,
    }
    for topic in Topic:
        if topic.value.startswith(INTEGRATIONS):
            topics[topic] = None
    return topics


def build_runner(db: Database, settings) -> ProjectionRunner:
    return ProjectionRunner(group=SERVICE, subscriptions=subscriptions(wanted()), db=db, settings=settings,
                            projection=Projector(db, settings))
