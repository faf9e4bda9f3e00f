"""The payments database: its collections and their indexes."""

from __future__ import annotations

from pymongo.database import Database

from services.payments import SERVICE
from shared.storage import mongo

CHARGES = "charges"                    # what a dossier owes for one purpose, its orders, receipt, refund (outbox)
PROCEDURES = "procedures"              # read copy of the workflow's procedure versions: their fee lines
DOSSIER_STATES = "dossier_states"      # read copy of where each dossier stands (refund and void rules)
RECEIPT_SEQUENCES = "receipt_sequences"  # the last receipt number per agency and year (gapless)
RECONCILIATIONS = "reconciliations"    # the daily reconciliation report per agency with the gateway's statement


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    charges = database[CHARGES]
    charges.create_index("dossier_id")
    charges.create_index([("dossier_code", 1), ("purpose_code", 1)])
    charges.create_index([("agency_code", 1), ("status", 1)])
    charges.create_index("status")
    charges.create_index("receipt_state")
    charges.create_index("owner_account_id")
    database[PROCEDURES].create_index("code")
    database[RECONCILIATIONS].create_index([("agency_code", 1), ("date", 1)])
