"""The postal database: its collections and their indexes."""

from __future__ import annotations

from pymongo.database import Database

from services.postal import SERVICE
from shared.storage import mongo

SHIPMENTS = "shipments"
ANNOUNCEMENTS = "calendar_announcements"  # read copy of the workflow's calendar announcements


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    database[SHIPMENTS].create_index("dossier_id")
    database[SHIPMENTS].create_index([("agency_code", 1), ("status", 1)])
