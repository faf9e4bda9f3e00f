"""The vocabulary of deadlines: time limits and their units, clock stops, announcements, and a computed
deadline that can explain itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared.clock import VN_TZ, as_utc
from shared.domain.errors import Rejected

# The days the calendar can answer for: the lunar holidays are known for these years, and every date a dossier,
# a deadline or a report can carry falls inside them. Anything else is refused with a 422, never computed.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
RANGE_TEXT = f"từ {FIRST_DAY:%d/%m/%Y} đến {LAST_DAY:%d/%m/%Y}"


class OutsideCalendar(Rejected):
    """A date, or a deadline counted from one, falls outside the days the calendar knows."""

    def __init__(self, message: str | None = None, errors: dict | None = None) -> None:
        super().__init__(message or f"Lịch làm việc chỉ tính được các ngày {RANGE_TEXT}.", errors)


def within_calendar(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def calendar_date(moment: datetime) -> date:
    """The Hà Nội date of a moment, refused when outside the calendar (checked before any arithmetic that could
    overflow: year 1 at +14:00 has no UTC equivalent)."""
    if moment.tzinfo is None:
        raise ValueError("moments must be timezone-aware")
    if not within_calendar(moment.date()):
        raise OutsideCalendar()
    local = moment.astimezone(VN_TZ).date()
    if not within_calendar(local):
        raise OutsideCalendar()
    return local


class Unit(StrEnum):
    """How a procedure's time limit is stated in its publication decision (domain.md §7.3, §9)."""

    WORKING_DAYS = "working_days"    # ngày làm việc
    WORKING_HOURS = "working_hours"  # giờ làm việc (e.g. "168 giờ" in Nghệ An's processes)
    CALENDAR_DAYS = "calendar_days"  # ngày (Civil Code counting, roll-forward to a working day)
    SAME_DAY = "same_day"            # trong ngày; next working day if received after the cut-off

    @property
    def vietnamese(self) -> str:
        return {
            Unit.WORKING_DAYS: "ngày làm việc",
            Unit.WORKING_HOURS: "giờ làm việc",
            Unit.CALENDAR_DAYS: "ngày",
            Unit.SAME_DAY: "trong ngày",
        }[self]


@dataclass(frozen=True)
class TimeLimit:
    value: Decimal
    unit: Unit

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", Decimal(str(self.value)))
        object.__setattr__(self, "unit", Unit(self.unit))
        if self.value < 0:
            raise ValueError("a time limit cannot be negative")

    def describe(self) -> str:
        if self.unit is Unit.SAME_DAY:
            return "trong ngày"
        return f"{_number(self.value)} {self.unit.vietnamese}"

    def to_document(self) -> dict[str, Any]:
        return {"value": str(self.value), "unit": self.unit.value}

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> TimeLimit:
        return cls(Decimal(str(doc["value"])), Unit(doc["unit"]))

    def __add__(self, other: TimeLimit) -> TimeLimit:
        if self.unit is not other.unit:
            raise ValueError(f"cannot add {self.unit} and {other.unit}")
        return TimeLimit(self.value + other.value, self.unit)


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")  # Vietnamese decimal comma: 0,5 ngày


@dataclass(frozen=True)
class ClockStop:
    """A period during which the processing clock does not run (e.g. waiting for the applicant to fulfil
    financial obligations, status 6). ``end`` None means still stopped."""

    start: datetime
    end: datetime | None
    reason: str

    def to_document(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "reason": self.reason}

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> ClockStop:
        return cls(as_utc(doc["start"]), as_utc(doc["end"]) if doc.get("end") else None, doc["reason"])


@dataclass(frozen=True)
class Announcement:
    """A government decision changing which days civil servants work: a holiday bridge (days off, usually
    swapped) and the make-up working days (often Saturdays) that pay for it (domain.md §7.2)."""

    id: str
    title: str
    reference: str            # the instrument, e.g. "Công văn 12729/VPCP-KGVX ngày 25/12/2025"
    days_off: tuple[date, ...] = ()
    working_days: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        overlap = set(self.days_off) & set(self.working_days)
        if overlap:
            raise ValueError(f"a day cannot be both off and working: {sorted(overlap)}")
        object.__setattr__(self, "days_off", tuple(sorted(self.days_off)))
        object.__setattr__(self, "working_days", tuple(sorted(self.working_days)))

    @property
    def dates(self) -> tuple[date, ...]:
        return tuple(sorted(self.days_off + self.working_days))

    def to_document(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "reference": self.reference,
                "days_off": [d.isoformat() for d in self.days_off],
                "working_days": [d.isoformat() for d in self.working_days]}

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Announcement:
        return cls(id=doc["id"], title=doc["title"], reference=doc["reference"],
                   days_off=tuple(date.fromisoformat(d) for d in doc.get("days_off", ())),
                   working_days=tuple(date.fromisoformat(d) for d in doc.get("working_days", ())))


@dataclass(frozen=True)
class Note:
    """One line of a deadline's explanation: what was counted or skipped, and why (in Vietnamese)."""

    kind: str       # start, cutoff, skipped, make_up, stop, roll_forward, due
    text: str
    day: date | None = None

    def to_document(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "day": self.day.isoformat() if self.day else None}


@dataclass(frozen=True)
class Deadline:
    """A computed due moment with the reasoning that produced it."""

    start: datetime          # the moment counting was asked to start from
    counted_from: datetime   # when counting actually started (after the cut-off and working hours)
    due: datetime
    limit: TimeLimit
    notes: tuple[Note, ...]
    calendar_version: str
    stops: tuple[ClockStop, ...] = field(default=())

    def to_document(self) -> dict[str, Any]:
        return {
            "start": as_utc(self.start),
            "counted_from": as_utc(self.counted_from),
            "due": as_utc(self.due),
            "limit": self.limit.to_document(),
            "notes": [n.to_document() for n in self.notes],
            "calendar_version": self.calendar_version,
        }


@dataclass(frozen=True)
class Day:
    day: date
    working: bool
    reasons: tuple[str, ...]   # why it is off (or, for a weekend working day, why it is worked)


@dataclass(frozen=True)
class WorkSchedule:
    """Office hours, by shift (configurable: ``WORK_SHIFTS``)."""

    shifts: tuple[tuple[time, time], ...] = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))

    def __post_init__(self) -> None:
        previous = time(0, 0)
        for start, end in self.shifts:
            if not previous <= start < end:
                raise ValueError(f"shifts must be ordered and not overlap: {self.shifts}")
            previous = end

    @property
    def minutes_per_day(self) -> int:
        return sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for s, e in self.shifts)

    @classmethod
    def parse(cls, text: str) -> WorkSchedule:
        """``"07:30-11:30,13:00-17:00"``"""
        shifts = []
        for part in text.split(","):
            start, end = part.strip().split("-")
            shifts.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
        return cls(tuple(shifts))
