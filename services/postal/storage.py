"""The postal database: its collections and their indexes."""

from __future__ import annotations

from pymongo.database import Database

from services.postal import SERVICE
from shared.auth.replay import ensure_indexes as ensure_replay_indexes
from shared.storage import mongo

SHIPMENTS = "shipments"                    # both directions, with their history and an outbox
AGENCIES = "agencies"                      # read copy of the workflow's agencies: names and addresses
ANNOUNCEMENTS = "calendar_announcements"   # read copy of the workflow's calendar announcements
SEEN_SIGNATURES = "seen_signatures"        # signatures of provider webhooks already accepted


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    shipments = database[SHIPMENTS]
    shipments.create_index("dossier_id")
    shipments.create_index("tracking_code")
    shipments.create_index("dossier_code")
    shipments.create_index([("agency_code", 1), ("status", 1)])
    shipments.create_index([("post_office", 1), ("status", 1)])
    shipments.create_index("status")
    ensure_replay_indexes(database[SEEN_SIGNATURES])
