"""Reading the cells (projection/cells.py): totals over a period and running sums up to its last day, for one scope
or for every scope of a kind at once (every agency of the province)."""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from pymongo.database import Database

from services.reporting.indicators.periods import Period
from services.reporting.projection.cells import (
    DAYS,
    MAIN,
    MONTHS,
    PROCEDURES,
    SPLIT_SCOPES,
    bucket,
    cell_id,
    months_between,
    part_of,
    scope_kind,
    stored,
)
from services.reporting.projection.document import CELLS_DECLARED
from services.reporting.storage import CELLS
from shared.clock import utc_now, vn_date


def _month_end(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1) - timedelta(days=1)


class ScopeCells:
    """The cells of one scope needed for one period."""

    def __init__(self, scope: str, years: dict[str, dict[str, Any]], months: dict[str, dict[str, Any]]) -> None:
        self.scope, self.years, self.months = scope, years, months

    def _value(self, doc: dict[str, Any] | None, metric: str, index: int) -> int:
        if doc is None:
            return 0
        return (doc["v"].get(stored(metric)) or {}).get(str(index), 0)

    def _days(self, metric: str, first: date, last: date) -> int:
        doc = self.months.get(f"{first:%Y-%m}")
        if doc is None:
            return 0
        values = doc["v"].get(stored(metric)) or {}
        days = _indexes(first.day, last.day)
        return sum(v for k, v in values.items() if k in days)

    def total(self, metric: str, period: Period) -> int:
        """The sum of a metric over the period's days: whole months from the year documents, the days of partial
        months from the month documents (a metric a document does not hold costs one lookup)."""
        name = stored(metric)
        whole, partial = _plan(period.first, period.last)
        total = 0
        for year, months in whole:
            doc = self.years.get(year)
            values = doc["v"].get(name) if doc is not None else None
            if values:
                total += sum(v for k, v in values.items() if k in months)
        for key, days in partial:
            doc = self.months.get(key)
            values = doc["v"].get(name) if doc is not None else None
            if values:
                total += sum(v for k, v in values.items() if k in days)
        return total

    def running(self, metric: str, last: date) -> int:
        """The running sum of a metric's changes up to ``last`` (included): what was in progress at its end."""
        name = stored(metric)
        total = 0
        for key, doc in self.years.items():
            values = doc["v"].get(name) or {}
            if int(key) < last.year:
                total += sum(values.values())
            elif int(key) == last.year:
                months = _indexes(1, last.month - 1)
                total += sum(v for k, v in values.items() if k in months)
        if last != _month_end(last):
            total += self._days(metric, date(last.year, last.month, 1), last)
        else:
            total += self._value(self.years.get(f"{last:%Y}"), metric, last.month)
        return total

    def metrics(self, prefix: str) -> set[str]:
        """The metrics of this scope starting with ``prefix`` (their stored names turned back: ``~`` is ``.``)."""
        found, start = set(), stored(prefix)
        for doc in [*self.years.values(), *self.months.values()]:
            found.update(k.replace("~", ".") for k in doc["v"] if k.startswith(start))
        return found


Keyed = tuple[tuple[str, frozenset[str]], ...]  # (a document's key, the indexes to sum in it)


@functools.lru_cache(maxsize=64)
def _indexes(first: int, last: int) -> frozenset[str]:
    """The stored indexes (days of a month, months of a year) from ``first`` to ``last``: a cell's keys are
    strings, and testing them against a set costs less than turning each into a number."""
    return frozenset(str(i) for i in range(first, last + 1))


@functools.lru_cache(maxsize=256)
def _plan(first: date, last: date) -> tuple[Keyed, Keyed]:
    """How a period's days are summed: per year, the indexes of its whole months (read in the year document), and
    per partial month its key and its days (read in the month document). Computed once per period (a page sums
    hundreds of metrics over the same period)."""
    whole: dict[str, set[str]] = {}
    partial, cursor = [], first
    while cursor <= last:
        end = min(_month_end(cursor), last)
        if cursor.day == 1 and end == _month_end(cursor):
            whole.setdefault(f"{cursor:%Y}", set()).add(str(cursor.month))
        else:
            partial.append((f"{cursor:%Y-%m}", _indexes(cursor.day, end.day)))
        cursor = end + timedelta(days=1)
    return tuple((year, frozenset(months)) for year, months in whole.items()), tuple(partial)


def needed_months(period: Period) -> list[str]:
    """The month documents a period needs: its partial months, and the last one's for running sums."""
    months, cursor = set(), period.first
    while cursor <= period.last:
        end = min(_month_end(cursor), period.last)
        if not (cursor.day == 1 and end == _month_end(cursor)):
            months.add(f"{cursor:%Y-%m}")
        cursor = end + timedelta(days=1)
    if period.last != _month_end(period.last):
        months.add(f"{period.last:%Y-%m}")
    return sorted(months)


def parts(metrics: tuple[str, ...] | None, scope: str) -> tuple[str, ...]:
    """The parts of a scope's cells (projection/cells.py) that may hold these metrics (None: all)."""
    if metrics is None:
        return (MAIN, PROCEDURES) if scope_kind(scope) in SPLIT_SCOPES else (MAIN,)
    return tuple(sorted({part_of(scope, metric) for metric in metrics}))


def _merged(into: dict[str, dict[str, Any]], doc: dict[str, Any]) -> None:
    """Adds a stored cell to ``into`` by its key, its values (unpacked) beside those of the scope's other part for
    that key."""
    CELLS_DECLARED.loaded(doc)
    found = into.get(doc["key"])
    if found is None:
        into[doc["key"]] = doc
    else:
        found["v"].update(doc["v"])


def load(db: Database, scope: str, period: Period, metrics: tuple[str, ...] | None = None) -> ScopeCells:
    """The cells of one scope for a period (``metrics``: only the parts holding them): every year document up to
    the period's (running sums start at the first) and the month documents of its partial months, read at once by
    id (FerretDB finds them by key and decodes nothing else)."""
    years = [str(value) for value in years_with_figures(db) if value <= period.last.year]
    wanted = parts(metrics, scope)
    ids = [cell_id(MONTHS, scope, year, part) for part in wanted for year in years]
    ids += [cell_id(DAYS, scope, month, part) for part in wanted for month in needed_months(period)]
    by_res: dict[str, dict[str, dict[str, Any]]] = {MONTHS: {}, DAYS: {}}
    for doc in db[CELLS].find({"_id": {"$in": ids}}):
        _merged(by_res[doc["res"]], doc)
    return ScopeCells(scope, by_res[MONTHS], by_res[DAYS])


def load_kind(db: Database, kind: str, period: Period, years: list[int]) -> dict[str, ScopeCells]:
    """Every scope of a kind (agency, procedure, officer, province) for the period: one indexed query per year and
    per month document needed. ``years``: the years with figures (from the ``all`` scope)."""
    by_scope_years: dict[str, dict[str, Any]] = defaultdict(dict)
    by_scope_months: dict[str, dict[str, Any]] = defaultdict(dict)
    for part in parts(None, kind):
        for value in years:
            if value <= period.last.year:
                for doc in db[CELLS].find({"bucket": bucket(MONTHS, kind, str(value), part)}):
                    _merged(by_scope_years[doc["scope"]], doc)
        if kind != "officer":
            for key in needed_months(period):
                for doc in db[CELLS].find({"bucket": bucket(DAYS, kind, key, part)}):
                    _merged(by_scope_months[doc["scope"]], doc)
    scopes = set(by_scope_years) | set(by_scope_months)
    return {scope: ScopeCells(scope, by_scope_years.get(scope, {}), by_scope_months.get(scope, {}))
            for scope in scopes}


def load_years(db: Database, scopes: list[str], period: Period, years: list[int]) -> dict[str, ScopeCells]:
    """The year documents of a few scopes (the officers of one agency: they have no month documents, and no
    per-procedure part), read at once by id — rather than every scope of the kind."""
    ids = [cell_id(MONTHS, scope, str(value)) for scope in scopes for value in years if value <= period.last.year]
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for doc in db[CELLS].find({"_id": {"$in": ids}}) if ids else []:
        found[doc["scope"]][doc["key"]] = CELLS_DECLARED.loaded(doc)
    return {scope: ScopeCells(scope, docs, {}) for scope, docs in found.items()}


FIRST_YEAR = 2000  # before any dossier a deployment may import


def years_with_figures(db: Database) -> list[int]:
    """The years of the ``all`` scope's year documents (by id: the other cells of that scope are never decoded)."""
    ids = [cell_id(MONTHS, "all", str(value)) for value in range(FIRST_YEAR, vn_date(utc_now()).year + 2)]
    return sorted(int(doc["key"]) for doc in db[CELLS].find({"_id": {"$in": ids}}, {"key": 1}))


def load_months(db: Database, scope: str, period: Period,
                metrics: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    """Every month document of the period (a chart by day), read at once by id."""
    months = months_between(period.first, period.last)
    ids = [cell_id(DAYS, scope, month, part) for part in parts(metrics, scope) for month in months]
    out: dict[str, dict[str, Any]] = {}
    for doc in db[CELLS].find({"_id": {"$in": ids}}):
        _merged(out, doc)
    return out
