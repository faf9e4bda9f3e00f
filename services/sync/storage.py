"""The sync database: its collections and their indexes."""

from __future__ import annotations

from pymongo.database import Database

from services.sync import SERVICE
from shared.storage import mongo

MIRRORS = "mirrors"   # per dossier: what the National Public Service Portal must hold, and what it acknowledged


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    mirrors = database[MIRRORS]
    mirrors.create_index("sync_state")     # the pusher's and the reconciler's work lists (string equality)
    mirrors.create_index("receiving_agency_code")   # indicator 1.4 per agency
    if "code_1" in mirrors.index_information():   # read by nothing, and on FerretDB every mirror write paid for it
        mirrors.drop_index("code_1")
