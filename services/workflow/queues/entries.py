"""The queue entries: one slim copy of each open dossier, what the queues filter, sort and show — a view of the
dossiers (:mod:`shared.storage.views`) kept by the aggregate runner after every write of a dossier.

The queues and their counts read these entries, never the dossiers: about 0.5 KB each instead of about 7 KB,
which on the development store is what a query costs (every document of the collection decoded), and on
MongoDB their own indexes. A finished dossier's entry is a tombstone (not listed). The scheduler's
``queue-reconcile`` task rewrites the entries a stopped process left behind, and builds those of dossiers
written before entries existed.
"""

from __future__ import annotations

from typing import Any

from shared.storage import documents as d
from shared.storage.documents import Declared, optional
from shared.storage.views import View

QUEUE = "queue"


class QueueEntry(d.Document):
    version = d.Int(allow_none=False)           # the dossier's version this entry was written from
    gone_at = optional(d.Moment())              # a tombstone: the dossier is finished (nothing else is kept)
    code = optional(d.Text())
    status = optional(d.Int())
    channel = optional(d.Text())
    procedure_code = optional(d.Text())
    procedure_name = optional(d.Text())
    applicant_name = optional(d.Text())
    queue_agency = optional(d.Text())           # what the dossier waits for, and whom (aggregate.set_queue)
    queue_role = optional(d.Text())
    queue_assignee = optional(d.Text())
    queue_due = optional(d.Moment())
    appointment_due = optional(d.Moment())
    submitted_at = optional(d.Moment())
    counts_as_late = optional(d.Bool())


DECLARED = Declared(QUEUE, QueueEntry, "the queues' view of the open dossiers: one slim entry per dossier")


def row(dossier: dict[str, Any]) -> dict[str, Any]:
    """What a queue shows of a dossier and filters it by, flat (every value costs on the development store)."""
    return {
        "code": dossier["code"], "status": dossier["status"], "channel": dossier["channel"],
        "procedure_code": dossier["procedure"]["code"], "procedure_name": dossier["procedure"]["name"],
        "applicant_name": dossier["applicant"]["full_name"],
        "queue_agency": dossier.get("queue_agency"), "queue_role": dossier.get("queue_role"),
        "queue_assignee": dossier.get("queue_assignee"), "queue_due": dossier.get("queue_due"),
        "appointment_due": dossier.get("appointment_due"), "submitted_at": dossier.get("submitted_at"),
        "counts_as_late": dossier.get("counts_as_late", False),
    }


def project(dossier: dict[str, Any]) -> dict[str, Any] | None:
    """The entry of an open dossier; None once it is finished (its entry becomes a tombstone)."""
    return row(dossier) if dossier["open"] else None


QUEUE_VIEW = View(DECLARED, project, listed_query={"open": True})
