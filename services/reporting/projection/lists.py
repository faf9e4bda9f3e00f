"""The keys the drill-down lists (``/indicators/dossiers``) find a dossier's record by: top-level strings the store
can answer by equality from an index, so a page of a list reads only the records that can be on it.

FerretDB v1 filters on string equalities in SQL (tools/ferretdb/sqlite-pushdown.patch) but decodes and sorts in Go
every document the SQL returns, before the first is sent: a list that queried a province's month (8,000 records at
100,000 dossiers a year) took 2.5–3.6 s, and 42–95 s at 430,000. So the keys cut a scope's records in slices:

- ``end_part`` = ``<month the dossier ended>|<ok or late>``, or ``open`` while it is in progress (whether it is late
  then depends on the day asked about, not on an event): the Decision 766 2.1 lists of dossiers on time and late
  read only their own part of each month;
- ``end_key`` = the same and ``|<bucket>``: a province's part of a month, cut again in :data:`BUCKETS`;
- ``recv_month`` (the month the dossier was received) and ``recv_key`` = ``<month>|<bucket>`` for the lists by
  receipt (1.4, 3.3, 3.6, 4.2);
- the bucket is one hex digit of a hash of the dossier id.

An agency's or a procedure's lists read whole parts (``end_part``, ``recv_month``: tens to a few thousand records a
month); a province's, or the whole country's, read buckets (``end_key``, ``recv_key``) — one query each, so the
small scopes are not cut in queries of a record or two. A list is read slice by slice, in the order (slice, id),
and its keyset is the last slice and id read. The lists still check every record they read against the indicator's
rule (indicators/service.py); the keys only choose which records to read.
"""

from __future__ import annotations

import zlib

BUCKETS = tuple("0123456789abcdef")
OPEN = "open"
OK, LATE = "ok", "late"
BUCKETED_SCOPES = ("province", "all")

Slice = tuple[str, str]  # (field, key)


def bucket(record_id: str) -> str:
    return BUCKETS[zlib.crc32(record_id.encode()) % len(BUCKETS)]


def keys(record_id: str, end_month: str | None, late: bool, recv_month: str | None) -> dict[str, str | None]:
    """A dossier record's list keys (``end_month``: the month it ended, :data:`OPEN`, or None outside 2.1)."""
    end_part = None if end_month is None else OPEN if end_month == OPEN else f"{end_month}|{LATE if late else OK}"
    return {"end_part": end_part,
            "end_key": f"{end_part}|{bucket(record_id)}" if end_part else None,
            "recv_key": f"{recv_month}|{bucket(record_id)}" if recv_month else None}


def end_slices(scope_kind: str, month: str, statuses: tuple[str, ...]) -> list[Slice]:
    """The slices of the dossiers of a scope ended in ``month`` with these statuses (:data:`OK`, :data:`LATE`)."""
    return _cut(scope_kind, "end_part", "end_key", [f"{month}|{status}" for status in statuses])


def open_slices(scope_kind: str) -> list[Slice]:
    return _cut(scope_kind, "end_part", "end_key", [OPEN])


def recv_slices(scope_kind: str, month: str) -> list[Slice]:
    return _cut(scope_kind, "recv_month", "recv_key", [month])


def _cut(scope_kind: str, part_field: str, key_field: str, parts: list[str]) -> list[Slice]:
    if scope_kind in BUCKETED_SCOPES:
        return [(key_field, f"{part}|{b}") for part in parts for b in BUCKETS]
    return [(part_field, part) for part in parts]
