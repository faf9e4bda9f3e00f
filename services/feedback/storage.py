"""The feedback database: its collections and their indexes (created at every process start; idempotent)."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from services.feedback import SERVICE
from shared.storage import mongo

RATINGS = "ratings"                      # one per dossier (its _id), with its outbox
PETITIONS = "petitions"                  # feedback and recommendations and their handling, with their outbox
DAILY_SEQUENCES = "daily_sequences"      # petition codes: one counter per day
ATTACHMENTS = "attachments"              # files sent with petitions: who sent what (the bytes are in GridFS)
BLOBS = "blobs"                          # one per distinct content: its SHA-256 and its GridFS file
FILE_BUCKET = "files"                    # GridFS collections files.files and files.chunks
DOSSIERS = "dossiers"                    # read copy of the workflow's dossiers: who may rate, what a petition is about
AGENCIES = "agencies"                    # read copy of the workflow's agencies
ANNOUNCEMENTS = "calendar_announcements"  # read copy of the workflow's calendar announcements (petition deadlines)


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    database[RATINGS].create_index("idempotency_key", unique=True)
    database[RATINGS].create_index([("competent_agency_code", ASCENDING), ("rated_at", DESCENDING)])
    petitions = database[PETITIONS]
    petitions.create_index("code", unique=True)
    petitions.create_index("idempotency_key", unique=True)
    # the agency's queue: string equality first (FerretDB narrows on it), then the due moment
    petitions.create_index([("agency_code", ASCENDING), ("queue_due", ASCENDING), ("_id", ASCENDING)])
    petitions.create_index([("state", ASCENDING), ("queue_due", ASCENDING)])
    petitions.create_index([("sender.account_id", ASCENDING), ("received_at", DESCENDING)])
    database[ATTACHMENTS].create_index("idempotency_key", unique=True)
    database[DOSSIERS].create_index("code", unique=True)
    database[f"{FILE_BUCKET}.chunks"].create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
    database[f"{FILE_BUCKET}.files"].create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
