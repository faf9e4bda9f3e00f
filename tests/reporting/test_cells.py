"""Reading the cells (indicators/cells.py): a total over any period, summed from whole months in the year documents
and the days of partial months in the month documents, equals the sum of its days."""

from __future__ import annotations

import random
from datetime import date, timedelta

from services.reporting.indicators.cells import ScopeCells
from services.reporting.indicators.periods import Period


def test_a_total_over_any_period_is_the_sum_of_its_days():
    rnd = random.Random(766)
    first, last = date(2024, 1, 1), date(2026, 12, 31)  # the documents' own years, not the clock's
    daily, months, years = {}, {}, {}
    day = first
    while day <= last:
        value = rnd.choice((0, 0, 1, 2, 5))  # sparse, as cells are: zeros are not stored
        daily[day] = value
        month = months.setdefault(f"{day:%Y-%m}", {"key": f"{day:%Y-%m}", "v": {"r_total": {}}})
        year = years.setdefault(f"{day:%Y}", {"key": f"{day:%Y}", "v": {"r_total": {}}})
        if value:
            month["v"]["r_total"][str(day.day)] = value
            year["v"]["r_total"][str(day.month)] = year["v"]["r_total"].get(str(day.month), 0) + value
        day += timedelta(days=1)
    months["2025-02"]["v"] = {}  # a month without the metric
    daily.update({d: 0 for d in daily if f"{d:%Y-%m}" == "2025-02"})
    years["2025"]["v"]["r_total"].pop("2", None)
    cells = ScopeCells("all", years, months)
    span = (last - first).days
    for _ in range(400):
        start = first + timedelta(days=rnd.randint(0, span))
        end = min(last, start + timedelta(days=rnd.choice((0, 1, 30, 45, 365, 800))))
        expected = sum(v for d, v in daily.items() if start <= d <= end)
        assert cells.total("r_total", Period(start, end, "range", f"{start}..{end}")) == expected, (start, end)
    assert cells.total("t_done_ok", Period(first, last, "range", "all")) == 0  # a metric no cell holds
