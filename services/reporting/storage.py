"""The reporting database: the read model's collections and their indexes (created at every process start).

Everything here is derived from the topics and can be dropped and rebuilt by replaying them from the start
(``python -m services.reporting.rebuild``)."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.database import Database

from services.reporting import SERVICE
from shared.storage import mongo

DOSSIERS = "dossiers"            # one record per dossier: its facts and its view
PETITIONS = "petitions"          # one record per petition (by its code): its facts and its view
CELLS = "cells"                  # the figures: counters per scope, metric and day (or month: year documents)
OFFICERS = "officers"            # officers seen acting on dossiers: name and agency (the staff scores' rows)
AGENCIES = "agencies"            # read copy of the workflow's agencies
PROCEDURES = "procedures"        # read copy of the workflow's procedure versions (code@version)
ANNOUNCEMENTS = "calendar_announcements"  # read copy of the workflow's calendar announcements
JOURNAL = "journal"              # what a write of the read model is about to apply (projection/projector.py)
META = "meta"                    # the journal's state, the projection's version, what kinds of events were seen

DERIVED = (DOSSIERS, PETITIONS, CELLS, OFFICERS, JOURNAL, META)  # what a rebuild drops (the copies are kept)


# The drill-down lists' indexes before the records had list keys (projection version 1).
OBSOLETE_INDEXES = {"comp_1_end_month_1", "prov_1_end_month_1", "proc_1_end_month_1", "prov_1_recv_month_1",
                    "recv_month_1"}


def db() -> Database:
    return mongo.database(SERVICE)


def ensure_indexes(database: Database) -> None:
    dossiers = database[DOSSIERS]
    # Drill-down lists (projection/lists.py): the scope's string equality, then the slice's key; an agency's or a
    # procedure's lists read whole parts of a month, a province's or the country's buckets of them.
    for scope_field in ("comp", "proc"):
        dossiers.create_index([(scope_field, ASCENDING), ("end_part", ASCENDING)])
        dossiers.create_index([(scope_field, ASCENDING), ("recv_month", ASCENDING)])
    dossiers.create_index([("prov", ASCENDING), ("end_key", ASCENDING)])
    dossiers.create_index([("prov", ASCENDING), ("recv_key", ASCENDING)])
    dossiers.create_index("end_key")
    dossiers.create_index("recv_key")
    dossiers.create_index("end_month")  # the catalogue catch-up (an announcement changes the months after it)
    dossiers.create_index("needs")
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
