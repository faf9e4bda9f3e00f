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

# Collections whose documents carry an outbox (the relay publishes their events).
WITH_OUTBOX = (DOSSIERS, AGENCIES, PROCEDURES, ANNOUNCEMENTS)


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    # The agency queue: equality on agency and status, then the sort keys (ESR), so a page is an index range.
    database[DOSSIERS].create_index([("receiving_agency_code", ASCENDING), ("status", ASCENDING),
                                     ("submitted_at", ASCENDING), ("_id", ASCENDING)])
    database[DOSSIERS].create_index([("receiving_agency_code", ASCENDING), ("submitted_at", ASCENDING),
                                     ("_id", ASCENDING)])
    database[PROCEDURES].create_index([("code", ASCENDING), ("version", ASCENDING)], unique=True)
