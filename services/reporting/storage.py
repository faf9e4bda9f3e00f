"""The reporting database: the read model's collections and their indexes (created at every process start).

Everything here is derived from the topics and can be dropped and rebuilt by replaying them from the start
(``python -m services.reporting.rebuild``)."""

from __future__ import annotations

from pymongo.database import Database

from services.reporting import SERVICE
from services.reporting.projection import lists
from shared.storage import mongo

DOSSIERS = "dossiers"            # one record per dossier: its facts and its view
DOSSIER_KEYS = "dossier_keys"    # per dossier, what its record is looked up by: list keys, agency, month ended
PETITIONS = "petitions"          # one record per petition (by its code): its facts and its view
CELLS = "cells"                  # the figures: counters per scope, metric and day (or month: year documents)
OFFICERS = "officers"            # officers seen acting on dossiers: name and agency (the staff scores' rows)
AGENCIES = "agencies"            # read copy of the workflow's agencies
PROCEDURES = "procedures"        # read copy of the workflow's procedure versions (code@version)
ANNOUNCEMENTS = "calendar_announcements"  # read copy of the workflow's calendar announcements
JOURNAL = "journal"              # what a write of the read model is about to apply (projection/projector.py)
META = "meta"                    # the journal's state, the projection's version, what kinds of events were seen

# what a rebuild drops (the copies are kept)
DERIVED = (DOSSIERS, DOSSIER_KEYS, PETITIONS, CELLS, OFFICERS, JOURNAL, META)


# What a dossier is looked up by, each field indexed in DOSSIER_KEYS: the drill-down lists' keys (one per scope kind
# and way of listing, projection/lists.py); the catalogue catch-up's agency (moved to another province), month ended
# (an announcement changes the months after it) and catalogue entry waited for.
INDEXED_KEYS = tuple(lists.field(kind, by) for kind in lists.SCOPE_FIELDS for by in ("end", "recv")) + (
    "comp", "end_month", "needs")
# The same fields' indexes on the records, before the keys moved beside them (projection version 5): a record is
# written at every event, and each index made FerretDB parse it twice more (measured: 172 µs a record with no index
# but ``_id``, 346 µs with the twelve; its keys change at two or three of a dossier's eight events). Before them, the
# drill-down lists' indexes of projection version 1.
OBSOLETE_INDEXES = {"comp_1_end_month_1", "prov_1_end_month_1", "proc_1_end_month_1", "comp_1_recv_month_1",
                    "prov_1_recv_month_1", "proc_1_recv_month_1", "recv_month_1"} | {f"{key}_1" for key in INDEXED_KEYS}


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    for key in INDEXED_KEYS:
        database[DOSSIER_KEYS].create_index(key)
    dossiers = database[DOSSIERS]
    existing = set(dossiers.index_information())
    for name in OBSOLETE_INDEXES & existing:  # each index costs every write of a record
        dossiers.drop_index(name)
    database[PETITIONS].create_index("agency")
    database[PETITIONS].create_index("needs")
    database[CELLS].create_index("bucket")
    database[CELLS].create_index("scope")
    database[OFFICERS].create_index("agency")
    database[PROCEDURES].create_index("code")
    database[JOURNAL].create_index("seq")
