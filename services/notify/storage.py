"""The notify database: its collections and their indexes."""

from __future__ import annotations

from pymongo.database import Database

from services.notify import SERVICE
from shared.auth.replay import ensure_indexes as ensure_replay_indexes
from shared.storage import mongo

NOTIFICATIONS = "notifications"   # every message, its status and its attempts; in-app ones are the inbox
RATE_WINDOWS = "rate_windows"      # per channel and second: how many messages were handed to the provider
DIGESTS = "digests"                # officers' alerts gathered per recipient, channel and period, sent as one
DIGEST_ENTRIES = "digest_entries"  # each alert listed in a digest
SEEN_SIGNATURES = "seen_signatures"  # signatures of delivery receipts already accepted (replays are refused)


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    notifications = database[NOTIFICATIONS]
    notifications.create_index("idempotency_key", unique=True)
    notifications.create_index("dossier_id")
    # The sender's due-work query and the sweeper's stuck-work query start from the status; FerretDB narrows
    # scans only on string equality, so the status is a string and comes first.
    notifications.create_index([("status", 1), ("channel", 1)])
    notifications.create_index("recipient")  # the inbox
    notifications.create_index("provider_reference")
    # The digest round's query: the digests not yet sent whose period has ended (status first, as above).
    database[DIGESTS].create_index([("status", 1), ("period_end", 1)])
    database[DIGEST_ENTRIES].create_index([("digest_id", 1), ("taken", 1)])  # a digest's entries, when sent
    database[DIGEST_ENTRIES].create_index("recipient")
    ensure_replay_indexes(database[SEEN_SIGNATURES])
