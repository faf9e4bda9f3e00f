"""The portal's own database: sessions (the API token stays here, never in the browser) and filing drafts."""

from __future__ import annotations

from pymongo.database import Database

SESSIONS = "sessions"
DRAFTS = "drafts"


def ensure_indexes(db: Database) -> None:
    db[SESSIONS].create_index("expires_at")
    db[DRAFTS].create_index([("owner", 1), ("updated_at", -1)])
