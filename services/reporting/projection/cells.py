"""Where the contributions land: *cells*, one document per scope and month (``d|…``: a value per day) and per scope
and year (``m|…``: a value per month). A figure for any period is a sum over whole months (year documents) and the
days of the partial months at its ends (month documents); "in progress at the end of the period" is a running sum
of changes up to its last day. Staff (``officer:…``) only have year documents: their scores are quarterly and yearly
(Circular 01/2018 Art. 15(4)).

Values are sparse maps ``{metric: {index: value}}`` with string indexes (day of the month, month of the year); zeros
are dropped, so a cell holds only what happened. Dots in metric names are stored as ``~`` (:func:`stored`).

A province's (and the country's) metrics kept per procedure (:data:`PER_PROCEDURE`: a value per procedure, so
hundreds of keys a day) live in cells of their own, part :data:`PROCEDURES` (``…|p``), beside the scope's main cell:
a page that does not show procedures (a chart of the on-time rate) reads small documents. An agency's and a
procedure's stay in the main cells: they hold a few procedures, and splitting them would double the cells a write
rewrites (one per agency and procedure a dossier touches, against one per province).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

DAYS, MONTHS = "d", "m"
MAIN, PROCEDURES = "", "p"
PER_PROCEDURE = ("r_online_proc:", "t_open_p:", "t_late_p:", "d_min:", "d_n:")


SPLIT_SCOPES = ("province", "all")


def part_of(scope: str, metric: str) -> str:
    """The part of a scope's cells a metric lives in."""
    return PROCEDURES if metric.startswith(PER_PROCEDURE) and scope_kind(scope) in SPLIT_SCOPES else MAIN


def scope_kind(scope: str) -> str:
    return scope.partition(":")[0]


@lru_cache(maxsize=4096)  # folding asks for the same few hundred days hundreds of thousands of times
def month_key(day_number: int) -> tuple[str, str]:
    d = date.fromordinal(day_number)
    return f"{d:%Y-%m}", str(d.day)


@lru_cache(maxsize=4096)
def year_key(day_number: int) -> tuple[str, str]:
    d = date.fromordinal(day_number)
    return f"{d:%Y}", str(d.month)


def months_between(first: date, last: date) -> list[str]:
    """The keys (``YYYY-MM``) of the months from ``first``'s to ``last``'s: a period's month documents, the months
    a late catalogue change reaches."""
    out, cursor = [], date(first.year, first.month, 1)
    while cursor <= last:
        out.append(f"{cursor:%Y-%m}")
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    return out


def cell_id(resolution: str, scope: str, key: str, part: str = MAIN) -> str:
    return f"{resolution}|{scope}|{key}" + (f"|{part}" if part else "")


def bucket(resolution: str, kind: str, key: str, part: str = MAIN) -> str:
    """What every scope of a kind's cells for one year or month share (the agencies' table reads them at once)."""
    return f"{resolution}|{kind}|{key}" + (f"|{part}" if part else "")


def new_cell(resolution: str, scope: str, key: str, part: str = MAIN) -> dict[str, Any]:
    kind = scope_kind(scope)
    return {"_id": cell_id(resolution, scope, key, part), "res": resolution, "scope": scope, "kind": kind,
            "key": key, "part": part, "bucket": bucket(resolution, kind, key, part), "v": {}}


def targets(scope: str, day_number: int, part: str = MAIN) -> list[tuple[str, str, str, str]]:
    """(cell id, its resolution, its key, the index in it) of every cell a contribution on that day goes to."""
    year, month_index = year_key(day_number)
    out = [(cell_id(MONTHS, scope, year, part), MONTHS, year, month_index)]
    if scope_kind(scope) != "officer":
        month, day_index = month_key(day_number)
        out.append((cell_id(DAYS, scope, month, part), DAYS, month, day_index))
    return out


@lru_cache(maxsize=65536)  # a few thousand metrics (one per procedure and kind), asked for a million times a write
def stored(metric: str) -> str:
    """A metric's key in a cell: procedure codes (``d_min:1.001806``) carry dots, which are not field names."""
    return metric.replace(".", "~")


def add(cell: dict[str, Any], metric: str, index: str, value: int) -> None:
    name = stored(metric)
    values = cell["v"].setdefault(name, {})
    total = values.get(index, 0) + value
    if total:
        values[index] = total
    else:
        values.pop(index, None)
        if not values:
            del cell["v"][name]
