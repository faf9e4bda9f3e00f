"""The keys the drill-down lists (``/indicators/dossiers``) find a dossier's record by: one top-level string per
scope kind that the store answers by equality from its own index, so a page of a list reads only the records that
can be on it.

Why keys and not the scope and the month as two fields: FerretDB v1 filters on string equalities in SQL
(tools/ferretdb/sqlite-pushdown.patch) but writes each as "equal, or an array holding it", so SQLite can use an index
for one field only (a compound index for its first column), reads every record of the agency to check the month,
then FerretDB decodes and sorts in Go every document the SQL returned before sending the first: a list that
queried a province's month took 2.5–3.6 s at 100,000 dossiers a year (42–95 s at 430,000), an agency's 13 months
0.4–4.8 s. A key holds the scope, the part and the month, so one index lookup finds exactly a slice:

- by end (766 2.1, 4.1, 5.4): ``<scope code>|<month the dossier ended>|<ok or late>``, or ``<scope code>|open``
  while it is in progress (whether it is late then depends on the day asked about, not on an event);
- by receipt (1.4, 3.3, 3.6, 4.2): ``<scope code>|<month the dossier was received>``;
- a province's and the country's keys end with ``|<bucket>``, one hex digit of a hash of the dossier id: their
  slices would otherwise be tens of thousands of records, all decoded for a page of fifty.

A list is read slice by slice, in the order (slice, id); its keyset is the last slice and id read. The lists still
check every record they read against the indicator's rule (indicators/service.py); the keys only choose which
records to read.
"""

from __future__ import annotations

import zlib
from typing import Any

BUCKETS = tuple("0123456789abcdef")
OPEN = "open"
OK, LATE = "ok", "late"
SCOPE_FIELDS = {"agency": "comp", "procedure": "proc", "province": "prov", "all": None}  # the view's field
BUCKETED = ("province", "all")

Slice = tuple[str, str]  # (field, key)


def field(scope_kind: str, by: str) -> str:
    """The record's key field for a scope kind's lists by ``end`` or ``recv``."""
    return f"l_{by}_{scope_kind}"


def bucket(record_id: str) -> str:
    return BUCKETS[zlib.crc32(record_id.encode()) % len(BUCKETS)]


def keys(record_id: str, view: dict[str, Any] | None, end_month: str | None, recv_month: str | None
         ) -> dict[str, str | None]:
    """A dossier record's list keys (``end_month``: the month it ended, :data:`OPEN`, or None outside 2.1)."""
    if end_month is None:
        end = None
    elif end_month == OPEN:
        end = OPEN
    else:
        end = f"{end_month}|{OK if view['on_time'] else LATE}"
    out: dict[str, str | None] = {}
    for kind, scope_field in SCOPE_FIELDS.items():
        code = (view or {}).get(scope_field) if scope_field else "all"
        for by, part in (("end", end), ("recv", recv_month)):
            out[field(kind, by)] = _key(kind, code, part, bucket(record_id)) if code and part else None
    return out


def _key(kind: str, code: str, part: str, in_bucket: str) -> str:
    """The one format of a key, written by the projector (:func:`keys`) and read by the lists (:func:`_cut`)."""
    return f"{code}|{part}|{in_bucket}" if kind in BUCKETED else f"{code}|{part}"


def end_slices(scope: str, month: str, statuses: tuple[str, ...]) -> list[Slice]:
    """The slices of the dossiers of ``scope`` ended in ``month`` with these statuses (:data:`OK`, :data:`LATE`)."""
    return _cut(scope, "end", [f"{month}|{status}" for status in statuses])


def open_slices(scope: str) -> list[Slice]:
    return _cut(scope, "end", [OPEN])


def recv_slices(scope: str, month: str) -> list[Slice]:
    return _cut(scope, "recv", [month])


def _cut(scope: str, by: str, parts: list[str]) -> list[Slice]:
    kind, _, code = scope.partition(":")
    buckets = BUCKETS if kind in BUCKETED else ("",)
    return [(field(kind, by), _key(kind, code or "all", part, b)) for part in parts for b in buckets]
