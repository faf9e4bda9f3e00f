"""The intake database: its collections and their indexes (created at every process start; idempotent)."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from services.intake import SERVICE
from shared.storage import mongo

DOSSIERS = "dossiers"
POSTAL_FILINGS = "postal_filings"              # requests to send a dossier by post, until it is filed
DAILY_SEQUENCES = "daily_sequences"
ACCOUNTS = "accounts"
CATALOGUE_AGENCIES = "catalogue_agencies"      # read copy of the workflow's registry
CATALOGUE_PROCEDURES = "catalogue_procedures"  # read copy: one document per published version
SIGN_IN_ATTEMPTS = "sign_in_attempts"            # failed sign-ins per account and per address (throttling)
UPLOADS = "uploads"                            # uploaded files: who uploaded what (the bytes are in GridFS)
BLOBS = "blobs"                                # one per distinct content: its SHA-256 and its GridFS file
FILE_BUCKET = "files"                          # GridFS collections files.files and files.chunks


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    dossiers = database[DOSSIERS]
    dossiers.create_index("code", unique=True)
    # Always set (a dossier without a client key gets its own id), because FerretDB ignores `sparse`.
    dossiers.create_index("idempotency_key", unique=True)
    dossiers.create_index([("owner_account_id", ASCENDING), ("submitted_at", DESCENDING), ("_id", DESCENDING)])
    database[POSTAL_FILINGS].create_index("idempotency_key", unique=True)
    database[ACCOUNTS].create_index("username", unique=True)
    database[ACCOUNTS].create_index("idempotency_key", unique=True)
    database[ACCOUNTS].create_index([("agency_code", ASCENDING), ("username", ASCENDING), ("_id", ASCENDING)])
    database[CATALOGUE_PROCEDURES].create_index("code")
    database[UPLOADS].create_index([("uploaded_by", ASCENDING), ("uploaded_at", DESCENDING)])
    database[UPLOADS].create_index("idempotency_key", unique=True)
    # GridFS's own indexes (pymongo makes them on the first write too; made here so reads never scan)
    database[f"{FILE_BUCKET}.chunks"].create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
    database[f"{FILE_BUCKET}.files"].create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
