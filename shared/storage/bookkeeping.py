"""The declared shapes of the collections the shared machinery keeps in every service's database: the relay's
wake-ups (:mod:`shared.storage.outbox`), the consumer's processed events (:mod:`shared.bus.consumer`), the
replay memory of signed webhooks (:mod:`shared.auth.replay`) and the loops' leases (:mod:`shared.runtime.loops`)."""

from __future__ import annotations

from shared.storage import documents as d
from shared.storage.audit import AUDIT_DECLARED
from shared.storage.documents import Declared


class Wakeup(d.Document):
    collection = d.Text()
    document_id = d.Any_()
    at = d.Moment()
    audit = d.optional(d.List(d.Any_()))   # the write's audit records, for the relay to write (storage/audit.py)


class ProcessedEvent(d.Document):
    group = d.Text()
    type = d.Text()
    dossier_id = d.Text()
    processed_at = d.Moment()


class SeenSignature(d.Document):
    at = d.Moment()


class LoopLease(d.Document):
    holder = d.Text()
    until = d.Moment()


WAKEUPS = Declared("outbox_wakeups", Wakeup, "documents with events for the relay to publish")
PROCESSED_EVENTS = Declared("processed_events", ProcessedEvent, "events each consumer group has applied")
SEEN_SIGNATURES = Declared("seen_signatures", SeenSignature, "signatures of webhooks already accepted")
LOOP_LEASES = Declared("loop_leases", LoopLease, "which replica runs a loop's leader-only work")


def bookkeeping(*, relay: bool = False, consumer: bool = False, webhooks: bool = False,
                loops: bool = False) -> tuple[Declared, ...]:
    """The bookkeeping collections a service has, by what it runs (and the audit trail every service keeps)."""
    return (AUDIT_DECLARED, *(declared for wanted, declared in (
        (relay, WAKEUPS), (consumer, PROCESSED_EVENTS), (webhooks, SEEN_SIGNATURES), (loops, LOOP_LEASES)) if wanted))
