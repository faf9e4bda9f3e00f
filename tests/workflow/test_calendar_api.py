"""The calendar over HTTP at its edges: dates the calendar cannot count from answer 422 with a Vietnamese
message naming the supported range (2000–2099), never a 500."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

RANGE = "từ 01/01/2000 đến 31/12/2099"


@pytest.mark.parametrize("query", [
    "start=9999-12-31T16:00:00%2B07:00&value=10&unit=working_days",
    "start=0001-01-01T00:00:00%2B14:00&value=10&unit=working_days",
    "start=9999-12-31T00:00:00%2B07:00&value=10&unit=calendar_days",
    "start=2099-12-31T16:00:00%2B07:00&value=10&unit=working_days",
    "start=2090-10-05T09:00:00%2B07:00&value=9999&unit=calendar_days",
])
def test_a_deadline_outside_the_calendar_is_a_422_naming_the_range(client, query):
    response = client.get(f"/calendar/deadline?{query}")
    assert response.status_code == 422, response.json
    assert RANGE in str(response.json)


def test_many_working_days_are_counted_or_refused_not_crashed(client):
    response = client.get("/calendar/deadline?start=2026-10-05T09:00:00%2B07:00&value=9999&unit=working_days")
    assert response.status_code == 200 and response.json["due"].startswith("2066-")


@pytest.mark.parametrize("query", ["from=9999-12-25&to=9999-12-31", "from=9999-12-31&to=9999-12-31",
                                   "from=0001-01-01&to=0001-01-02", "from=1999-12-31&to=2000-01-05"])
def test_days_outside_the_calendar_are_a_422_naming_the_range(client, query):
    response = client.get(f"/calendar/days?{query}")
    assert response.status_code == 422 and RANGE in str(response.json["errors"]["query"])


offsets = st.sampled_from([timezone(timedelta(hours=h, minutes=m)) for h, m in
                           ((-12, 0), (-9, -30), (0, 0), (5, 45), (7, 0), (14, 0))])
moments = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59), timezones=offsets)
days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=moments, value=st.one_of(st.integers(0, 9999).map(str), st.sampled_from(["0.5", "0.25", "7.5"])),
       unit=st.sampled_from(["working_days", "working_hours", "calendar_days", "same_day"]))
def test_no_moment_and_limit_reach_a_500(client, start, value, unit):
    response = client.get(f"/calendar/deadline?start={quote(start.isoformat())}&value={value}&unit={unit}")
    assert response.status_code in (200, 422), response.json


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=days, span=st.integers(-3, 400))
def test_no_period_reaches_a_500(client, first, span):
    try:
        last = first + timedelta(days=span)
    except OverflowError:
        last = date.max
    response = client.get(f"/calendar/days?from={first.isoformat()}&to={last.isoformat()}")
    assert response.status_code in (200, 422), response.json
