"""The workflow database: its collections and their indexes."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.database import Database

from services.workflow import SERVICE
from services.workflow.queues.entries import QUEUE
from shared.storage import mongo

DOSSIERS = "dossiers"
AGENCIES = "agencies"
PROCEDURES = "procedures"
ANNOUNCEMENTS = "announcements"

def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    # Queues read the slim entries (queues/entries.py): equality keys first, then the sort keys (ESR), so a page is
    # one index range with no sort stage; tombstones have no agency and fall outside every range.
    queue = database[QUEUE]
    queue.create_index([("queue_agency", ASCENDING), ("queue_due", ASCENDING), ("_id", ASCENDING)])
    queue.create_index([("queue_agency", ASCENDING), ("status", ASCENDING), ("queue_due", ASCENDING),
                        ("_id", ASCENDING)])
    queue.create_index([("queue_assignee", ASCENDING), ("queue_due", ASCENDING), ("_id", ASCENDING)])
    queue.create_index("gone_at", sparse=True)  # tombstones, purged by the reconcile sweep
    dossiers = database[DOSSIERS]
    # Open work (the queue view's reconcile sweep; recounts after a calendar change).
    dossiers.create_index([("open", ASCENDING), ("queue_due", ASCENDING)])
    dossiers.create_index([("open", ASCENDING), ("appointment_due", ASCENDING)])
    # The scheduler's scan: only the dossiers still owed an alert (dossiers/watch.py), never the alerted backlog.
    dossiers.create_index([("open", ASCENDING), ("next_due_soon_at", ASCENDING)])
    dossiers.create_index([("open", ASCENDING), ("next_overdue_at", ASCENDING)])
    database[PROCEDURES].create_index([("code", ASCENDING), ("version", ASCENDING)], unique=True)
    database[PROCEDURES].create_index("idempotency_key", unique=True)
