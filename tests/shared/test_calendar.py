"""The one calendar: Vietnamese working days, holidays (lunar ones included), announced swaps and make-up
Saturdays, office hours, the 15:00 cut-off, Civil Code roll-forward, clock stops — and explanations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import (
    FIRST_DAY,
    LAST_DAY,
    Announcement,
    ClockStop,
    OutsideCalendar,
    TimeLimit,
    Unit,
    WorkingCalendar,
    WorkSchedule,
    calendar_for,
    shipped_announcements,
)
from shared.calendar.calendar import ClockStopped
from shared.clock import VN_TZ
from shared.config import Settings

CAL = calendar_for(Settings())


def vn(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def local(moment: datetime) -> datetime:
    return moment.astimezone(VN_TZ)


def test_weekends_and_the_labour_code_holidays_are_not_working_days():
    """Labour Code 2019 Art. 112(1): New Year, Tết (lunar), Hùng Kings (10/3 lunar), 30/4, 1/5, National Day."""
    assert not CAL.is_working_day(date(2026, 11, 21))  # Saturday
    assert CAL.day(date(2026, 2, 17)).reasons == ("Tết Nguyên Đán",)  # 1st day of the lunar year Bính Ngọ
    assert not CAL.is_working_day(date(2025, 4, 7))  # Hùng Kings 2025 (10/3 lunar)
    for day in (date(2026, 4, 30), date(2026, 5, 1), date(2026, 9, 2), date(2026, 1, 1)):
        assert not CAL.is_working_day(day), day
    assert CAL.is_working_day(date(2026, 11, 23))


def test_a_holiday_on_a_weekend_is_compensated_on_the_next_working_day():
    """Labour Code Art. 111(3): Hùng Kings fell on Sunday 26/4/2026, so Monday 27/4 is off."""
    assert "nghỉ bù" in CAL.day(date(2026, 4, 27)).reasons[0]


def test_announced_swaps_add_a_day_off_and_a_make_up_working_saturday():
    """Government Office letter 12729/VPCP-KGVX (25/12/2025): Friday 2/1/2026 off, Saturday 10/1 worked."""
    assert not CAL.is_working_day(date(2026, 1, 2))
    assert CAL.is_working_day(date(2026, 1, 10))
    assert "12729/VPCP-KGVX" in CAL.day(date(2026, 1, 10)).reasons[0]
    bare = WorkingCalendar()
    assert bare.is_working_day(date(2026, 1, 2)) and not bare.is_working_day(date(2026, 1, 10))


def test_a_later_announcement_can_cancel_a_holiday_and_changes_the_calendar_version():
    cancelled = Announcement(id="test-24-11", title="Làm việc ngày 24/11/2026", reference="Thông báo thử nghiệm",
                             working_days=(date(2026, 11, 24),))
    changed = CAL.with_announcement(cancelled)
    assert not CAL.is_working_day(date(2026, 11, 24)) and changed.is_working_day(date(2026, 11, 24))
    assert changed.version != CAL.version and calendar_for(Settings()).version == CAL.version


def test_ten_working_days_across_tet_explain_every_skipped_day():
    deadline = CAL.add(vn(2026, 2, 12, 10, 0), TimeLimit(10, Unit.WORKING_DAYS))
    # 12/2 from 10:00 (5h30), 13/2, 23-27/2, 2-4/3, and 2h30 on 5/3: 80 office hours
    assert local(deadline.due) == vn(2026, 3, 5, 10, 0)
    skipped = [n.day for n in deadline.notes if n.kind == "skipped"]
    assert skipped == [date(2026, 2, d) for d in range(14, 23)] + [date(2026, 2, 28), date(2026, 3, 1)]
    assert "Không tính 17/02/2026 (Tết Nguyên Đán)." in [n.text for n in deadline.notes]
    assert deadline.notes[-1].text == "Hạn: 10:00 ngày 05/03/2026 (10 ngày làm việc)."


def test_a_make_up_saturday_is_counted_and_said_so():
    deadline = CAL.add(vn(2026, 1, 9, 9, 0), TimeLimit(1, Unit.WORKING_DAYS))
    assert local(deadline.due) == vn(2026, 1, 10, 9, 0)
    assert [n.kind for n in deadline.notes] == ["make_up", "due"]


@pytest.mark.parametrize(("received", "counted_from"), [
    (vn(2026, 11, 23, 14, 59), vn(2026, 11, 23, 14, 59)),
    (vn(2026, 11, 23, 15, 0), vn(2026, 11, 25, 7, 30)),   # after 15:00; 24/11 is Vietnam Culture Day
    (vn(2026, 11, 23, 6, 0), vn(2026, 11, 23, 7, 30)),    # before office hours
    (vn(2026, 11, 23, 12, 0), vn(2026, 11, 23, 13, 0)),   # lunch break
    (vn(2026, 11, 22, 10, 0), vn(2026, 11, 23, 7, 30)),   # Sunday
])
def test_counting_starts_at_the_next_working_moment_and_after_15_00_on_the_next_working_day(received, counted_from):
    """Decree 61/2018 Art. 18: received after 15:00, the dossier moves on at the start of the next working
    day; the processing clock follows it."""
    assert local(CAL.add(received, TimeLimit(1, Unit.WORKING_HOURS)).counted_from) == counted_from


def test_hours_are_office_hours_across_shifts_and_days():
    assert local(CAL.add(vn(2026, 11, 23, 10, 0), TimeLimit(4, Unit.WORKING_HOURS)).due) == vn(2026, 11, 23, 15, 30)
    assert local(CAL.add(vn(2026, 11, 23, 16, 0), TimeLimit(2, Unit.WORKING_HOURS),
                         apply_cutoff=False).due) == vn(2026, 11, 25, 8, 30)
    half_day = CAL.add(vn(2026, 11, 25, 7, 30), TimeLimit("0.5", Unit.WORKING_DAYS))
    assert local(half_day.due) == vn(2026, 11, 25, 11, 30)


def test_same_day_procedures_end_with_the_working_day_or_the_next_one_after_15_00():
    """Decree 23/2015 Art. 7 (certification), Law on Civil Status Art. 5(3)."""
    assert local(CAL.add(vn(2026, 11, 23, 9), TimeLimit(0, Unit.SAME_DAY)).due) == vn(2026, 11, 23, 17, 0)
    assert local(CAL.add(vn(2026, 11, 23, 15, 30), TimeLimit(0, Unit.SAME_DAY)).due) == vn(2026, 11, 25, 17, 0)


def test_calendar_days_follow_the_civil_code_with_roll_forward():
    """Civil Code Art. 147(2): the start day is not counted; Art. 148(1): ends at the end of the last day;
    Art. 148(5): a last day that is not a working day moves to the end of the next working day."""
    plain = CAL.add(vn(2026, 11, 2, 15, 0), TimeLimit(3, Unit.CALENDAR_DAYS))
    assert local(plain.due) == vn(2026, 11, 6, 0, 0)  # end of Thursday 5/11
    rolled = CAL.add(vn(2026, 4, 21), TimeLimit(5, Unit.CALENDAR_DAYS))
    assert local(rolled.due) == vn(2026, 4, 29, 0, 0)  # 26/4 Sunday + Hùng Kings, 27/4 compensatory
    assert [n.kind for n in rolled.notes] == ["start", "roll_forward", "due"]
    assert "Điều 148 khoản 5" in rolled.notes[1].text


def test_a_clock_stop_extends_the_deadline_by_its_office_time():
    stop = ClockStop(vn(2026, 3, 2, 9, 0), vn(2026, 3, 4, 14, 0), "chờ thực hiện nghĩa vụ tài chính")
    without = CAL.add(vn(2026, 2, 27, 9), TimeLimit(3, Unit.WORKING_DAYS))
    with_stop = CAL.add(vn(2026, 2, 27, 9), TimeLimit(3, Unit.WORKING_DAYS), stops=[stop])
    assert local(with_stop.due) == vn(2026, 3, 6, 14, 0)
    assert CAL.working_minutes_between(without.due, with_stop.due) == (2 * 60 + 30 + 4 * 60) + 8 * 60 + 5 * 60
    assert "cộng thêm 19 giờ 30 phút làm việc" in " ".join(n.text for n in with_stop.notes)


def test_an_open_stop_holds_the_deadline_indefinitely():
    open_stop = ClockStop(vn(2026, 3, 2, 9, 0), None, "chờ thực hiện nghĩa vụ tài chính")
    with pytest.raises(ClockStopped):
        CAL.add(vn(2026, 2, 27, 9), TimeLimit(3, Unit.WORKING_DAYS), stops=[open_stop])


def test_office_hours_are_configurable():
    schedule = WorkSchedule.parse("08:00-12:00,13:30-17:30")
    assert schedule.minutes_per_day == 480
    custom = WorkingCalendar(shipped_announcements(), schedule=schedule, cutoff=time(16, 0))
    assert local(custom.add(vn(2026, 11, 23, 15, 30), TimeLimit(1, Unit.WORKING_HOURS)).due) == vn(2026, 11, 23, 16, 30)
    with pytest.raises(ValueError):
        WorkSchedule.parse("13:00-17:00,07:30-11:30")


# -- properties ----------------------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(UTC))
limits = st.one_of(
    st.builds(TimeLimit, st.integers(0, 40), st.just(Unit.WORKING_DAYS)),
    st.builds(TimeLimit, st.integers(0, 400), st.just(Unit.WORKING_HOURS)),
    st.builds(TimeLimit, st.sampled_from(["0.25", "0.5", "1.5", "7.5"]), st.just(Unit.WORKING_DAYS)),
)


@settings(max_examples=300, deadline=None)
@given(moments, limits)
def test_a_due_moment_is_always_in_office_hours_on_a_working_day(start, limit):
    due = local(CAL.add(start, limit).due)
    assert CAL.is_working_day(due.date())
    assert any(s <= due.time() <= e for s, e in CAL.schedule.shifts)


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(0, 30))
def test_calendar_day_limits_end_on_a_working_day(start, days):
    due = CAL.add(start, TimeLimit(days, Unit.CALENDAR_DAYS)).due
    assert CAL.is_working_day((due - timedelta(seconds=1)).astimezone(VN_TZ).date())


@settings(max_examples=300, deadline=None)
@given(moments, limits)
def test_counting_back_from_the_due_moment_gives_the_limit(start, limit):
    deadline = CAL.add(start, limit)
    per_unit = CAL.schedule.minutes_per_day if limit.unit is Unit.WORKING_DAYS else 60
    expected = timedelta(minutes=int(limit.value * per_unit))
    assert CAL.working_time_between(deadline.counted_from, deadline.due) == expected


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(1, 20), st.integers(0, 10 * 24 * 60), st.integers(1, 10 * 24 * 60))
def test_clock_stops_extend_by_exactly_their_working_length(start, days, offset, length):
    limit = TimeLimit(days, Unit.WORKING_DAYS)
    plain = CAL.add(start, limit)
    stop = ClockStop(plain.counted_from + timedelta(minutes=offset),
                     plain.counted_from + timedelta(minutes=offset + length), "thử")
    stopped = CAL.add(start, limit, stops=[stop])
    lo, hi = max(stop.start, plain.counted_from), min(stop.end, stopped.due)
    covered = CAL.working_time_between(lo, hi) if lo < hi else timedelta()
    assert CAL.working_time_between(plain.counted_from, stopped.due, stops=[stop]) == timedelta(hours=8 * days)
    assert CAL.working_time_between(plain.due, stopped.due) == covered


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(0, 30), st.integers(0, 30))
def test_a_longer_limit_never_ends_earlier(start, a, b):
    short, long_ = sorted((a, b))
    earlier = CAL.add(start, TimeLimit(short, Unit.WORKING_DAYS)).due
    assert earlier <= CAL.add(start, TimeLimit(long_, Unit.WORKING_DAYS)).due


# -- the edges of the calendar (2000–2099): refused, never overflowing ---------------------------------------

any_moment = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                          timezones=st.sampled_from([timezone(timedelta(hours=h)) for h in (-12, -5, 0, 7, 14)]))
any_limit = st.builds(TimeLimit, st.integers(0, 9999), st.sampled_from(list(Unit)))


@settings(max_examples=400, deadline=None)
@given(st.one_of(any_moment, st.sampled_from([
    datetime(9999, 12, 31, 16, tzinfo=VN_TZ), datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
    datetime(2099, 12, 31, 16, tzinfo=VN_TZ), datetime(2000, 1, 1, 6, tzinfo=timezone(timedelta(hours=14)))])),
    any_limit)
def test_any_moment_and_limit_give_a_deadline_or_a_clear_refusal(start, limit):
    """Outside 2000–2099 (or a deadline landing beyond it) the calendar refuses with OutsideCalendar, a 422
    naming the range — never OverflowError or a loop without end."""
    try:
        deadline = CAL.add(start, limit)
    except OutsideCalendar as refused:
        assert "01/01/2000" in refused.message and "31/12/2099" in refused.message
        return
    assert FIRST_DAY <= local(deadline.due).date() <= LAST_DAY + timedelta(days=1)
    assert FIRST_DAY <= local(start).date() <= LAST_DAY


def test_days_outside_the_calendar_are_refused():
    with pytest.raises(OutsideCalendar):
        CAL.day(date(9999, 12, 31))
    with pytest.raises(OutsideCalendar):
        CAL.next_working_day(LAST_DAY)
    with pytest.raises(OutsideCalendar):
        CAL.working_days_after(date(2099, 12, 30), 10)


def test_a_reception_after_the_cut_off_before_a_holiday_explains_each_day_passed_over():
    """Thursday 29/4/2027 at 16:00 (after 15:00): 30/4 and 1/5 are holidays, 2/5 a Sunday, 3/5 the day off in
    lieu of 1/5 (Labour Code Art. 111(3)); counting starts Tuesday 4/5 at 07:30."""
    deadline = CAL.add(vn(2027, 4, 29, 16, 0), TimeLimit("0.5", Unit.WORKING_DAYS))
    assert local(deadline.counted_from) == vn(2027, 5, 4, 7, 30)
    assert local(deadline.due) == vn(2027, 5, 4, 11, 30)
    skipped = [n.day for n in deadline.notes if n.kind == "skipped"]
    assert skipped == [date(2027, 4, 30), date(2027, 5, 1), date(2027, 5, 2), date(2027, 5, 3)]
