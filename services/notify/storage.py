"""The notify database: its collections and their indexes."""

from __future__ import annotations

from pymongo.database import Database

from services.notify import SERVICE
from shared.storage import mongo

NOTIFICATIONS = "notifications"


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    database[NOTIFICATIONS].create_index("dossier_id")
    database[NOTIFICATIONS].create_index("status")
