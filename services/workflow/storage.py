"""The workflow database: its collections and their indexes."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.database import Database

from services.workflow import SERVICE
from shared.storage import mongo

DOSSIERS = "dossiers"
AGENCIES = "agencies"
PROCEDURES = "procedures"
ANNOUNCEMENTS = "announcements"

def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    # Queues: equality keys first, then the sort keys (ESR), so a page is one index range with no sort stage.
    dossiers = database[DOSSIERS]
    dossiers.create_index([("queue_agency", ASCENDING), ("open", ASCENDING), ("queue_due", ASCENDING),
                           ("_id", ASCENDING)])
    dossiers.create_index([("queue_agency", ASCENDING), ("open", ASCENDING), ("status", ASCENDING),
                           ("queue_due", ASCENDING), ("_id", ASCENDING)])
    dossiers.create_index([("queue_assignee", ASCENDING), ("open", ASCENDING), ("queue_due", ASCENDING),
                           ("_id", ASCENDING)])
    # Open work by due moment (queues' due-state counts, recounts after a calendar change).
    dossiers.create_index([("open", ASCENDING), ("queue_due", ASCENDING)])
    dossiers.create_index([("open", ASCENDING), ("appointment_due", ASCENDING)])
    # The scheduler's scan: only the dossiers still owed an alert (dossiers/watch.py), never the alerted backlog.
    dossiers.create_index([("open", ASCENDING), ("next_due_soon_at", ASCENDING)])
    dossiers.create_index([("open", ASCENDING), ("next_overdue_at", ASCENDING)])
    database[PROCEDURES].create_index([("code", ASCENDING), ("version", ASCENDING)], unique=True)
    database[PROCEDURES].create_index("idempotency_key", unique=True)
