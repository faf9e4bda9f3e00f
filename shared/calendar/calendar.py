"""The one working-day calendar every deadline goes through.

Which days are worked:
- Saturdays and Sundays are not (civil servants work Monday to Friday);
- the public holidays of the Labour Code (Bộ luật Lao động 2019 Art. 112(1)), lunar ones included (Tết,
  Hùng Kings), with their compensatory days (Art. 111(3)) and the government day swaps already known to the
  ``holidays`` package (Vietnam, computed in UTC+7);
- then the announcements (the yearly Home Affairs / Government Office notices), in the order given: a day
  announced off is off, a day announced as a working day (the make-up Saturday of a swap) is worked.

How time is counted (domain.md §7.3):
- working days and working hours are counted in office time, shift by shift (``WorkSchedule``; one working
  day is the length of a day's shifts, so 0,5 day is half of it) — the hours-based counting the worked
  examples use (Nghệ An: 168 working hours = 21 days);
- counting starts when the dossier is received; received outside office hours it starts at the next working
  moment; received after the hand-over cut-off (15:00, Decree 61/2018 Art. 18; the same hour closes same-day
  procedures: Law on Civil Status Art. 5(3), Decree 23/2015 Art. 7) it starts the next working day;
- same-day limits end with that working day;
- limits in (calendar) days follow the Civil Code: the start day is not counted (Art. 147(2)), the period
  ends at the end of its last day (Art. 148(1)), and if that day is not a working day, at the end of the next
  working day (Art. 148(5));
- clock stops (e.g. status 6, waiting for financial obligations) are left out, so they extend the deadline
  by exactly the office time (or, for calendar days, the time) they cover.

Every result is a :class:`Deadline` carrying notes that say which days were skipped and why.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import holidays

from shared.calendar.model import (
    LAST_DAY,
    Announcement,
    ClockStop,
    Day,
    Deadline,
    Note,
    OutsideCalendar,
    TimeLimit,
    Unit,
    WorkSchedule,
    calendar_date,
    within_calendar,
)
from shared.clock import VN_TZ, as_utc

WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
DEFAULT_CUTOFF = time(15, 0)


def _fmt(moment: datetime) -> str:
    return f"{moment.astimezone(VN_TZ):%H:%M} ngày {moment.astimezone(VN_TZ):%d/%m/%Y}"


def _minutes(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _hours_text(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    return f"{minutes // 60} giờ {minutes % 60:02d} phút"


class WorkingCalendar:
    def __init__(self, announcements: Iterable[Announcement] = (), *, schedule: WorkSchedule | None = None,
                 cutoff: time = DEFAULT_CUTOFF) -> None:
        self.announcements = tuple(announcements)
        self.schedule = schedule or WorkSchedule()
        self.cutoff = cutoff
        self._overrides: dict[date, tuple[bool, str]] = {}
        for announcement in self.announcements:
            for day in announcement.days_off:
                self._overrides[day] = (False, f"Ngày nghỉ theo {announcement.reference}")
            for day in announcement.working_days:
                self._overrides[day] = (True, f"Ngày làm việc bù theo {announcement.reference}")
        self._holidays = holidays.VN(language="vi", years=())
        self._days: dict[date, Day] = {}
        self._lock = threading.Lock()
        self.version = self._version()

    def _version(self) -> str:
        basis = json.dumps({
            "holidays": holidays.__version__,
            "announcements": [a.to_document() for a in self.announcements],
            "shifts": [[s.isoformat(), e.isoformat()] for s, e in self.schedule.shifts],
            "cutoff": self.cutoff.isoformat(),
        }, sort_keys=True)
        return hashlib.sha256(basis.encode()).hexdigest()[:12]

    def with_announcement(self, announcement: Announcement) -> WorkingCalendar:
        kept = [a for a in self.announcements if a.id != announcement.id]
        return WorkingCalendar([*kept, announcement], schedule=self.schedule, cutoff=self.cutoff)

    # -- days -------------------------------------------------------------------------------------------

    def day(self, day: date) -> Day:
        known = self._days.get(day)
        if known is not None:
            return known
        if not within_calendar(day):
            raise OutsideCalendar()
        with self._lock:  # the holidays object fills years lazily; not thread-safe
            names = self._holidays.get_list(day)
            make_up = day in getattr(self._holidays, "weekend_workdays", set())
        reasons: list[str] = []
        if day.weekday() >= 5 and not make_up:
            reasons.append(WEEKDAY_NAMES[day.weekday()])
        reasons.extend(names)
        working = not reasons
        if make_up:
            reasons = [f"{WEEKDAY_NAMES[day.weekday()]} làm việc bù theo lịch nghỉ lễ của Chính phủ"]
        if day in self._overrides:
            working, reason = self._overrides[day]
            reasons = [reason]
        result = Day(day, working, tuple(reasons))
        self._days[day] = result
        return result

    def is_working_day(self, day: date) -> bool:
        return self.day(day).working

    def next_working_day(self, day: date, *, include: bool = False) -> date:
        candidate = day if include else day + timedelta(days=1)
        while candidate <= LAST_DAY:
            if self.is_working_day(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise OutsideCalendar()

    def working_days_after(self, day: date, n: int) -> tuple[date, list[Note]]:
        """The n-th working day after ``day`` — "J + n" of the postal service times (Circular 17/2017 Art. 7(2))
        and of delivery re-attempts (Art. 5(2)(h)) — with the days it skipped, as notes."""
        notes: list[Note] = []
        current, counted = day, 0
        while counted < n:
            current += timedelta(days=1)
            info = self.day(current)
            if info.working:
                counted += 1
                if current.weekday() >= 5:
                    notes.append(Note("make_up", f"Tính {current:%d/%m/%Y}: {info.reasons[0]}.", current))
            else:
                notes.append(Note("skipped", f"Không tính {current:%d/%m/%Y} ({', '.join(info.reasons)}).", current))
        notes.append(Note("due", f"J+{n}: ngày {current:%d/%m/%Y} (J là ngày {day:%d/%m/%Y}).", current))
        return current, notes

    def working_days_between(self, first: date, last: date) -> int:
        """Working days after ``first`` up to and including ``last`` (0 when ``last`` is not later)."""
        count, current = 0, first
        while current < last:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count

    def _shifts(self, day: date) -> list[tuple[datetime, datetime]]:
        return [(datetime.combine(day, s, VN_TZ), datetime.combine(day, e, VN_TZ)) for s, e in self.schedule.shifts]

    # -- counting ---------------------------------------------------------------------------------------

    def counting_start(self, start: datetime, *, apply_cutoff: bool = True) -> tuple[datetime, list[Note]]:
        """The first office moment counting can use, from a reception moment: the moment itself in office hours;
        outside them, on a day off or after the hand-over cut-off, the start of the next working day — with the
        days passed over and why (Decree 61/2018 Art. 18, Decree 118/2025 Art. 18: after 15:00, the next
        working day)."""
        calendar_date(start)
        local = as_utc(start).astimezone(VN_TZ)
        notes = []
        day = local.date()
        if self.is_working_day(day):
            if apply_cutoff and local.time() >= self.cutoff:
                nxt = self.next_working_day(day)
                begin = self._shifts(nxt)[0][0]
                notes.append(Note("cutoff", f"Tiếp nhận lúc {_fmt(local)}, sau {self.cutoff:%H:%M}: tính từ "
                                            f"{_fmt(begin)} (ngày làm việc tiếp theo).", day))
                notes.extend(self._days_off_between(day, nxt))
                return begin, notes
            for shift_start, shift_end in self._shifts(day):
                if local < shift_end:
                    begin = max(local, shift_start)
                    if begin != local:
                        notes.append(Note("start", f"Tiếp nhận ngoài giờ làm việc ({_fmt(local)}): tính từ "
                                                   f"{_fmt(begin)}.", day))
                    return begin, notes
        nxt = self.next_working_day(day)
        begin = self._shifts(nxt)[0][0]
        why = ", ".join(self.day(day).reasons) or "ngoài giờ làm việc"
        notes.append(Note("start", f"Tiếp nhận lúc {_fmt(local)} ({why}): tính từ {_fmt(begin)}.", day))
        notes.extend(self._days_off_between(day, nxt))
        return begin, notes

    def _days_off_between(self, first: date, last: date) -> list[Note]:
        """A note for each day off strictly between two days, with its reason."""
        notes, day = [], first + timedelta(days=1)
        while day < last:
            info = self.day(day)
            notes.append(Note("skipped", f"Không tính {day:%d/%m/%Y} ({', '.join(info.reasons)}).", day))
            day += timedelta(days=1)
        return notes

    def add(self, start: datetime, limit: TimeLimit, *, stops: Sequence[ClockStop] = (),
            apply_cutoff: bool = True) -> Deadline:
        """The due moment of ``limit`` counted from ``start``, leaving out ``stops``. Raises
        :class:`OutsideCalendar` (a 422) when the start or the due moment falls outside the calendar."""
        calendar_date(start)
        if limit.unit is Unit.CALENDAR_DAYS:
            return self._add_calendar_days(start, limit, stops)
        begin, notes = self.counting_start(start, apply_cutoff=apply_cutoff)
        if limit.unit is Unit.SAME_DAY:
            due = self._shifts(begin.astimezone(VN_TZ).date())[-1][1]
            notes.append(Note("due", f"Hạn: {_fmt(due)} (giải quyết trong ngày).", due.date()))
            return Deadline(start, begin, due, limit, tuple(notes), self.version, tuple(stops))
        per_unit = self.schedule.minutes_per_day if limit.unit is Unit.WORKING_DAYS else 60
        due, walk_notes = self._walk(begin, timedelta(minutes=_minutes(limit.value * per_unit)), stops)
        notes.extend(walk_notes)
        notes.append(Note("due", f"Hạn: {_fmt(due)} ({limit.describe()}).", due.astimezone(VN_TZ).date()))
        return Deadline(start, begin, due, limit, tuple(notes), self.version, tuple(stops))

    def _walk(self, begin: datetime, length: timedelta, stops: Sequence[ClockStop]) -> tuple[datetime, list[Note]]:
        notes: list[Note] = []
        remaining = length
        cursor = begin
        day = begin.astimezone(VN_TZ).date()
        stopped: dict[int, timedelta] = {}
        open_since = min((as_utc(s.start) for s in stops if s.end is None), default=None)
        while True:  # ends at the due moment, or with OutsideCalendar past the last day the calendar knows
            if open_since is not None and datetime.combine(day, time(0), VN_TZ) > open_since:
                raise ClockStopped("Thời gian giải quyết đang tạm dừng: chưa xác định được hạn.")
            info = self.day(day)
            if not info.working:
                notes.append(Note("skipped", f"Không tính {day:%d/%m/%Y} ({', '.join(info.reasons)}).", day))
            else:
                if day.weekday() >= 5:
                    notes.append(Note("make_up", f"Tính {day:%d/%m/%Y}: {info.reasons[0]}.", day))
                for shift_start, shift_end in self._shifts(day):
                    for free_start, free_end in _subtract(max(shift_start, cursor), shift_end, stops, stopped):
                        if remaining <= free_end - free_start:
                            due = free_start + remaining
                            notes.extend(self._stop_notes(stops, stopped))
                            return due, notes
                        remaining -= free_end - free_start
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0), VN_TZ)

    @staticmethod
    def _stop_notes(stops: Sequence[ClockStop], stopped: dict[int, timedelta]) -> list[Note]:
        notes = []
        for index, minutes in sorted(stopped.items()):
            stop = stops[index]
            until = _fmt(stop.end) if stop.end else "nay"
            notes.append(Note("stop", f"Tạm dừng tính thời gian từ {_fmt(stop.start)} đến {until} ({stop.reason}): "
                                      f"cộng thêm {_hours_text(minutes)} làm việc.", as_utc(stop.start).date()))
        return notes

    def _add_calendar_days(self, start: datetime, limit: TimeLimit, stops: Sequence[ClockStop]) -> Deadline:
        local = as_utc(start).astimezone(VN_TZ)
        notes = [Note("start", f"Tính theo ngày (Bộ luật Dân sự Điều 147 khoản 2): không tính ngày tiếp nhận "
                               f"{local:%d/%m/%Y}.", local.date())]
        if int(limit.value) > (LAST_DAY - local.date()).days:
            raise OutsideCalendar()
        last = local.date() + timedelta(days=int(limit.value))
        stopped = sum((_stop_end(s) - as_utc(s.start) for s in stops), timedelta())
        due = datetime.combine(last + timedelta(days=1), time(0), VN_TZ) + stopped
        if stopped:
            notes.append(Note("stop", f"Tạm dừng tính thời gian: cộng thêm {stopped}.", None))
        last_day = (due - timedelta(microseconds=1)).astimezone(VN_TZ).date()
        if not self.is_working_day(last_day):
            nxt = self.next_working_day(last_day)
            notes.append(Note("roll_forward", f"Ngày cuối {last_day:%d/%m/%Y} là ngày nghỉ "
                                              f"({', '.join(self.day(last_day).reasons)}): hạn chuyển sang hết ngày "
                                              f"làm việc tiếp theo {nxt:%d/%m/%Y} (Bộ luật Dân sự Điều 148 khoản 5).",
                                              last_day))
            due = datetime.combine(nxt + timedelta(days=1), time(0), VN_TZ)
        notes.append(Note("due", f"Hạn: hết ngày {(due - timedelta(seconds=1)):%d/%m/%Y} ({limit.describe()}).",
                          (due - timedelta(seconds=1)).date()))
        return Deadline(start, local, due, limit, tuple(notes), self.version, tuple(stops))

    def working_time_between(self, begin: datetime, end: datetime, stops: Sequence[ClockStop] = ()) -> timedelta:
        """Office time from ``begin`` to ``end`` (negative if ``end`` is earlier), leaving out stops."""
        if end < begin:
            return -self.working_time_between(end, begin, stops)
        total = timedelta()
        day = as_utc(begin).astimezone(VN_TZ).date()
        last = as_utc(end).astimezone(VN_TZ).date()
        stopped: dict[int, timedelta] = {}
        while day <= last:
            if self.is_working_day(day):
                for shift_start, shift_end in self._shifts(day):
                    lo, hi = max(shift_start, begin), min(shift_end, end)
                    if lo < hi:
                        total += sum((b - a for a, b in _subtract(lo, hi, stops, stopped)), timedelta())
            day += timedelta(days=1)
        return total

    def working_minutes_between(self, begin: datetime, end: datetime, stops: Sequence[ClockStop] = ()) -> int:
        return int(self.working_time_between(begin, end, stops).total_seconds() // 60)


class ClockStopped(ValueError):
    """A deadline asked for while the clock is still stopped at a moment before it would fall: there is none
    until the stop ends."""


def _stop_end(stop: ClockStop) -> datetime:
    return as_utc(stop.end) if stop.end else datetime.max.replace(tzinfo=VN_TZ)


def _subtract(start: datetime, end: datetime, stops: Sequence[ClockStop],
              stopped: dict[int, timedelta]) -> list[tuple[datetime, datetime]]:
    """[start, end) without the stop intervals; records in ``stopped`` how many minutes each stop took."""
    pieces = [(start, end)] if start < end else []
    for index, stop in enumerate(stops):
        s, e = as_utc(stop.start), _stop_end(stop)
        kept = []
        for a, b in pieces:
            lo, hi = max(a, s), min(b, e)
            if lo < hi:
                stopped[index] = stopped.get(index, timedelta()) + (hi - lo)
                if a < lo:
                    kept.append((a, lo))
                if hi < b:
                    kept.append((hi, b))
            else:
                kept.append((a, b))
        pieces = kept
    return sorted(pieces)
