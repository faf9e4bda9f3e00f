"""The keys the drill-down lists (``/indicators/dossiers``) find a dossier's record by: top-level strings the store
can answer by equality from an index, so a page of a list reads only the records that can be on it.

FerretDB v1 filters on string equalities in SQL (tools/ferretdb/sqlite-pushdown.patch) but decodes and sorts in Go
every document the SQL returns, before the first is sent: a list that queried a province's month (40,000 records at
500,000 dossiers a year) took 42–95 s. So each key narrows the query to a slice:

- ``end_key`` = ``<month the dossier ended>|<ok or late>|<bucket>``, or ``open|<bucket>`` while it is in progress
  (whether it is late depends on the day asked about, not on an event): the Decision 766 2.1 lists of dossiers on
  time and late read only their own part, and each part of a month is cut in :data:`BUCKETS` slices;
- ``recv_key`` = ``<month the dossier was received>|<bucket>`` for the lists by receipt (1.4, 3.3, 3.6, 4.2);
- the bucket is one hex digit of a hash of the dossier id, so a list is read month by month, slice by slice, in
  the order (month, status, bucket, id), and its keyset is the last key and id read.

The lists still check every record they read against the indicator's rule (indicators/service.py); the keys only
choose which records to read.
"""

from __future__ import annotations

import zlib

BUCKETS = tuple("0123456789abcdef")
OPEN = "open"
OK, LATE = "ok", "late"


def bucket(record_id: str) -> str:
    return BUCKETS[zlib.crc32(record_id.encode()) % len(BUCKETS)]


def end_key(month: str, late: bool, record_id: str) -> str:
    return f"{month}|{LATE if late else OK}|{bucket(record_id)}"


def open_key(record_id: str) -> str:
    return f"{OPEN}|{bucket(record_id)}"


def recv_key(month: str, record_id: str) -> str:
    return f"{month}|{bucket(record_id)}"


def end_keys(month: str, statuses: tuple[str, ...]) -> list[str]:
    """Every key of a month's slices with these statuses, in the lists' order."""
    return [f"{month}|{status}|{b}" for status in statuses for b in BUCKETS]


def open_keys() -> list[str]:
    return [f"{OPEN}|{b}" for b in BUCKETS]


def recv_keys(month: str) -> list[str]:
    return [f"{month}|{b}" for b in BUCKETS]
