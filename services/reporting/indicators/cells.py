"""Reading the cells (projection/cells.py): totals over a period and running sums up to its last day, for one scope
or for every scope of a kind at once (every agency of the province)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from pymongo.database import Database

from services.reporting.indicators.periods import Period
from services.reporting.projection.cells import DAYS, MONTHS, cell_id, stored
from services.reporting.storage import CELLS


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
        return sum(v for k, v in values.items() if first.day <= int(k) <= last.day)

    def _months(self, metric: str, first: date, last: date) -> int:
        """Whole months from ``first`` (a first of month) to ``last`` (a month end)."""
        total, cursor = 0, first
        while cursor <= last:
            total += self._value(self.years.get(f"{cursor:%Y}"), metric, cursor.month)
            cursor = _month_end(cursor) + timedelta(days=1)
        return total

    def total(self, metric: str, period: Period) -> int:
        """The sum of a metric over the period's days."""
        total, cursor = 0, period.first
        while cursor <= period.last:
            end = min(_month_end(cursor), period.last)
            if cursor.day == 1 and end == _month_end(cursor):
                total += self._months(metric, cursor, end)
            else:
                total += self._days(metric, cursor, end)
            cursor = end + timedelta(days=1)
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
                total += sum(v for k, v in values.items() if int(k) < last.month)
        if last != _month_end(last):
            total += self._days(metric, date(last.year, last.month, 1), last)
        else:
            total += self._value(self.years.get(f"{last:%Y}"), metric, last.month)
        return total

    def metrics(self, prefix: str) -> set[str]:
        """The metrics of this scope starting with ``prefix`` (their stored names turned back: ``~`` is ``.``)."""
        found = set()
        for doc in [*self.years.values(), *self.months.values()]:
            found.update(k.replace("~", ".") for k in doc["v"] if k.replace("~", ".").startswith(prefix))
        return found


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


def load(db: Database, scope: str, period: Period) -> ScopeCells:
    years = {doc["key"]: doc for doc in db[CELLS].find({"scope": scope})
             if doc["res"] == MONTHS and int(doc["key"]) <= period.last.year}
    months = {}
    for key in needed_months(period):
        doc = db[CELLS].find_one({"_id": cell_id(DAYS, scope, key)})
        if doc is not None:
            months[key] = doc
    return ScopeCells(scope, years, months)


def load_kind(db: Database, kind: str, period: Period, years: list[int]) -> dict[str, ScopeCells]:
    """Every scope of a kind (agency, procedure, officer, province) for the period: one indexed query per year and
    per month document needed. ``years``: the years with figures (from the ``all`` scope)."""
    by_scope_years: dict[str, dict[str, Any]] = defaultdict(dict)
    for value in years:
        if value <= period.last.year:
            for doc in db[CELLS].find({"bucket": f"{MONTHS}|{kind}|{value}"}):
                by_scope_years[doc["scope"]][doc["key"]] = doc
    by_scope_months: dict[str, dict[str, Any]] = defaultdict(dict)
    if kind != "officer":
        for key in needed_months(period):
            for doc in db[CELLS].find({"bucket": f"{DAYS}|{kind}|{key}"}):
                by_scope_months[doc["scope"]][key] = doc
    scopes = set(by_scope_years) | set(by_scope_months)
    return {scope: ScopeCells(scope, by_scope_years.get(scope, {}), by_scope_months.get(scope, {}))
            for scope in scopes}


def years_with_figures(db: Database) -> list[int]:
    return sorted(int(doc["key"]) for doc in db[CELLS].find({"scope": "all"}, {"key": 1, "res": 1})
                  if doc["res"] == MONTHS)


def load_months(db: Database, scope: str, period: Period) -> dict[str, dict[str, Any]]:
    """Every month document of the period (a chart by day)."""
    out, cursor = {}, date(period.first.year, period.first.month, 1)
    while cursor <= period.last:
        doc = db[CELLS].find_one({"_id": cell_id(DAYS, scope, f"{cursor:%Y-%m}")})
        if doc is not None:
            out[f"{cursor:%Y-%m}"] = doc
        cursor = _month_end(cursor) + timedelta(days=1)
    return out
