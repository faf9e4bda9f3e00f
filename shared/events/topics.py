"""The one registry of Kafka topics.

Topic names are logical here and prefixed at run time (``KAFKA_TOPIC_PREFIX``), so several stacks can share
one cluster (tests use a prefix per run). Every event is keyed by its ``dossier_id``, so all events of one
dossier land on one partition and are consumed in order.

Each consumed topic has two companions, created with it:

- ``<topic>.retry`` — events a consumer group failed to handle, re-read after a delay by that group's
  retry loop (the ``x-group`` header says which group; other groups skip the record);
- ``<topic>.dlq`` — events that still failed after the last retry, or can never succeed (bad schema),
  with headers saying why; they stay there until an operator replays them (``python -m shared.bus.dlq``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Topic(StrEnum):
    # Dossiers as filed on every channel, and requests for a postal pickup (intake).
    INTAKE_DOSSIERS = "intake.dossiers"
    # The catalogue and the calendar: agencies, procedure versions, announcements (workflow).
    WORKFLOW_CATALOGUE = "workflow.catalogue"
    # The dossier's legal lifecycle: reception decisions, processing, deadlines, results (workflow).
    WORKFLOW_DOSSIERS = "workflow.dossiers"
    # Shipments with the public postal provider, both directions: every status change (postal).
    POSTAL_SHIPMENTS = "postal.shipments"
    # Applicants' ratings of their dossiers, on the web and at the counter (feedback).
    FEEDBACK_RATINGS = "feedback.ratings"
    # Feedback and recommendations (phản ánh, kiến nghị) and their handling (feedback).
    FEEDBACK_PETITIONS = "feedback.petitions"
    # What each dossier owes, its payments at the gateway, receipts, refunds and alerts (payments).
    PAYMENTS_CHARGES = "payments.charges"
    # The dossier's mirror on the National Public Service Portal: synchronised, or failing (sync).
    SYNC_DOSSIERS = "sync.dossiers"


RETRY_SUFFIX = ".retry"
DLQ_SUFFIX = ".dlq"

# The domain's history: the streams the reporting read model (services/reporting) folds into its figures. They are
# kept for a year and a quarter, so the read model can be rebuilt by replaying them from the start for the whole
# reporting horizon (a year's figures and the quarter after, when the yearly report is due). The other consumers
# never rewind: they resume from their committed offsets, and their handlers write with natural keys, so even a
# group that lost its offsets and read these topics again from the start would change nothing.
HISTORY = frozenset({Topic.INTAKE_DOSSIERS, Topic.WORKFLOW_CATALOGUE, Topic.WORKFLOW_DOSSIERS,
                     Topic.FEEDBACK_RATINGS, Topic.FEEDBACK_PETITIONS})

# How long the broker keeps records, by kind of topic. The other main topics and the retry companions are shorter
# than the consumers' memory of processed events (shared/bus/consumer.py, 30 days), so a redelivered event is always
# recognised; the DLQ keeps its records long enough for an operator to look and replay after a holiday.
RETENTION_DAYS = {"main": 7, "history": 400, "retry": 7, "dlq": 28}


@dataclass(frozen=True)
class TopicNames:
    prefix: str

    def main(self, topic: Topic) -> str:
        return f"{self.prefix}{topic.value}"

    def retry(self, topic: Topic) -> str:
        return self.main(topic) + RETRY_SUFFIX

    def dlq(self, topic: Topic) -> str:
        return self.main(topic) + DLQ_SUFFIX

    def all(self) -> list[str]:
        """Every topic the system needs, companions included."""
        return [name for topic in Topic for name in (self.main(topic), self.retry(topic), self.dlq(topic))]

    def kind(self, name: str) -> str:
        """history (a main topic of the domain's history), main, retry or dlq."""
        if name.endswith(RETRY_SUFFIX):
            return "retry"
        if name.endswith(DLQ_SUFFIX):
            return "dlq"
        return "history" if any(name == self.main(topic) for topic in HISTORY) else "main"

    def retention_ms(self, name: str) -> int:
        return RETENTION_DAYS[self.kind(name)] * 86_400_000

    def logical(self, name: str) -> Topic:
        """The logical topic behind a physical name (main, retry or dlq)."""
        for topic in Topic:
            if name in (self.main(topic), self.retry(topic), self.dlq(topic)):
                return topic
        raise KeyError(name)


def topic_names(settings) -> TopicNames:
    return TopicNames(settings.kafka_topic_prefix)
