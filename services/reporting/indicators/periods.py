"""Periods the figures are asked for: a day, a month, a quarter, a year, or any range of days (at most two years),
in Vietnam's calendar. ``2026``, ``2026-Q4``, ``2026-10``, ``2026-10-05``, ``2026-10-01..2026-11-15``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from shared.domain.errors import Rejected

MAX_DAYS = 731
_PATTERNS = (
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "day"),
)


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    kind: str
    key: str

    @property
    def days(self) -> tuple[int, int]:
        return self.first.toordinal(), self.last.toordinal()

    @property
    def label(self) -> str:
        """How a Vietnamese report names it."""
        if self.kind == "year":
            return f"Năm {self.first.year}"
        if self.kind == "quarter":
            return f"Quý {(self.first.month - 1) // 3 + 1} năm {self.first.year}"
        if self.kind == "month":
            return f"Tháng {self.first.month:02d}/{self.first.year}"
        if self.kind == "day":
            return f"Ngày {self.first:%d/%m/%Y}"
        return f"Từ {self.first:%d/%m/%Y} đến {self.last:%d/%m/%Y}"

    def clipped(self, today: date) -> Period:
        """The part of the period up to ``today`` (what can be measured yet)."""
        return self if self.last <= today or self.first > today else Period(self.first, today, self.kind, self.key)


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def year(value: int) -> Period:
    return Period(date(value, 1, 1), date(value, 12, 31), "year", str(value))


def quarter(value: int, number: int) -> Period:
    return Period(date(value, 3 * number - 2, 1), _month_end(value, 3 * number), "quarter", f"{value}-Q{number}")


def month(value: int, number: int) -> Period:
    return Period(date(value, number, 1), _month_end(value, number), "month", f"{value}-{number:02d}")


def one_day(value: date) -> Period:
    return Period(value, value, "day", value.isoformat())


def parse(text: str, field: str = "period") -> Period:
    """A period from its text; 422 with a Vietnamese message for the field otherwise."""
    text = (text or "").strip()
    try:
        if ".." in text:
            first, last = (date.fromisoformat(part) for part in text.split("..", 1))
            if last < first:
                raise ValueError("reversed")
            if (last - first).days >= MAX_DAYS:
                raise ValueError("too long")
            return Period(first, last, "range", f"{first}..{last}")
        for pattern, kind in _PATTERNS:
            found = pattern.match(text)
            if found:
                parts = [int(g) for g in found.groups()]
                if kind == "year":
                    return year(parts[0])
                if kind == "quarter":
                    return quarter(*parts)
                if kind == "month":
                    return month(*parts)
                return one_day(date(*parts))
    except ValueError:
        pass
    raise Rejected("Kỳ báo cáo không hợp lệ.", {"query": {field: [
        "Dùng năm (2026), quý (2026-Q4), tháng (2026-10), ngày (2026-10-05) hoặc khoảng ngày "
        "(2026-10-01..2026-11-15, tối đa hai năm)."]}})


def quarter_of(day: date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


def steps(period: Period) -> list[Period]:
    """The period cut for a chart: months of a year or quarter (or of a long range), days of a month or a short
    range."""
    if period.kind in ("year", "quarter") or (period.kind == "range" and (period.last - period.first).days > 62):
        out, cursor = [], date(period.first.year, period.first.month, 1)
        while cursor <= period.last:
            out.append(month(cursor.year, cursor.month))
            cursor = _month_end(cursor.year, cursor.month) + timedelta(days=1)
        return out
    return [one_day(period.first + timedelta(days=i)) for i in range((period.last - period.first).days + 1)]
