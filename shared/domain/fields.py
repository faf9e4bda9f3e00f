"""marshmallow fields and validators whose error messages are in Vietnamese.

Applicants and officers read these messages (field by field, in a 422 answer), so they are written for
people. Use these instead of ``marshmallow.fields`` in every request schema.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate

from shared.calendar.model import FIRST_DAY, LAST_DAY, RANGE_TEXT, OutsideCalendar, calendar_date, within_calendar
from shared.clock import utc_now, vn_date

_COMMON = {
    "required": "Thiếu trường bắt buộc.",
    "null": "Trường này không được để trống.",
    "validator_failed": "Giá trị không hợp lệ.",
}

# Control characters other than tab and newlines are never legitimate in form input, and MongoDB-wire
# servers reject NUL in strings (FerretDB) — refuse them here rather than fail on write.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class VnSchema(Schema):
    """Base request schema: unknown fields are refused with a Vietnamese message."""

    error_messages = {  # noqa: RUF012 - marshmallow reads this class attribute
        "unknown": "Trường này không được hỗ trợ.",
        "type": "Dữ liệu không hợp lệ: cần một đối tượng JSON.",
    }


def _char_class(chars: str) -> str:
    """A regex character class body listing ``chars`` (ranges merged, escaped for JSON Schema and Python)."""
    codes = sorted(set(map(ord, chars)))
    parts, start = [], None
    for i, code in enumerate(codes):
        start = code if start is None else start
        if i + 1 == len(codes) or codes[i + 1] != code + 1:
            parts.append(f"\\u{start:04x}" if start == code else f"\\u{start:04x}-\\u{code:04x}")
            start = None
    return "".join(parts)


# What str.strip() removes (exactly: JavaScript's \s and Python's differ), and what text may never hold.
_BLANK = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_FORBIDDEN = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
_LINE_BREAKS = "\n\r"


def text_pattern(*, multiline: bool, allow_blank: bool) -> str:
    """The JSON Schema ``pattern`` of what :class:`String` accepts, so the OpenAPI documents say it: no control
    characters (line breaks only where ``multiline``) and, unless ``allow_blank``, something besides spaces."""
    allowed = f"[^{_char_class(_FORBIDDEN + ('' if multiline else _LINE_BREAKS))}]"
    if allow_blank:
        return f"^{allowed}*$"
    visible = f"[^{_char_class(_FORBIDDEN + _LINE_BREAKS + _BLANK)}]"
    return f"^{allowed}*{visible}{allowed}*$"


class String(fields.String):
    """Text input: trimmed, NFC-normalised (Vietnamese typed on different keyboards composes differently),
    without control characters. ``multiline`` allows line breaks.

    What the OpenAPI document says is exactly what is accepted: lengths count the text as sent (before trimming
    and normalising), a field with its own pattern (a code, a phone number) is matched as sent, and free text
    carries :func:`text_pattern`."""

    default_error_messages = {
        **_COMMON,
        "invalid": "Phải là một chuỗi ký tự.",
        "invalid_utf8": "Chuỗi ký tự không hợp lệ.",
        "control": "Chứa ký tự điều khiển không được phép.",
        "blank": "Không được để trống.",
    }

    def __init__(self, *args, multiline: bool = False, allow_blank: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.multiline = multiline
        self.allow_blank = allow_blank
        self.patterned = any(isinstance(v, validate.Regexp) for v in self.validators)
        if not self.patterned:
            self.metadata = {"pattern": text_pattern(multiline=multiline, allow_blank=allow_blank),
                             **self.metadata}

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            raw.encode("utf-8")  # a lone UTF-16 surrogate ("\ud800") is no text, and MongoDB refuses it
        except UnicodeEncodeError:
            raise self.make_error("invalid_utf8") from None
        for length_check in self._lengths:
            length_check(raw)  # as sent, as the document's minLength/maxLength count it
        text = unicodedata.normalize("NFC", raw)
        # Free text is trimmed. A patterned value is matched as sent — except a final line break, which a
        # pattern's "$" lets through (Python and JSON Schema tools generating from it add one): Enter, dropped.
        text = text.removesuffix("\n") if self.patterned else text.strip()
        if _CONTROL.search(text) or (not self.multiline and ("\n" in text or "\r" in text)):
            raise self.make_error("control")
        if not text and not self.allow_blank:
            raise self.make_error("blank")
        return text

    # Both computed once per field (the validators are fixed when it is built): built again for every value they
    # were a fifth of loading an event's payload.
    @functools.cached_property
    def _lengths(self) -> list[validate.Length]:
        return [v for v in self.validators if isinstance(v, validate.Length)]

    @functools.cached_property
    def _validate_all(self):
        return validate.And(*(v for v in self.validators if not isinstance(v, validate.Length)))


class Secret(fields.String):
    """A password: taken exactly as typed — never trimmed (spaces are part of it) — NFC-normalised so the same
    password typed on two keyboards is the same, and refused if it is not valid text."""

    default_error_messages = {**_COMMON, "invalid": "Phải là một chuỗi ký tự.",
                              "invalid_utf8": "Chuỗi ký tự không hợp lệ."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = unicodedata.normalize("NFC", super()._deserialize(value, attr, data, **kwargs))
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("invalid_utf8") from None
        return text


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^[A-Za-z0-9._%+-]{{1,64}}@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,24}}$"


class Email(String):
    """An e-mail address as people use them (ASCII local part and domain, a top-level domain of letters): one
    pattern, in the OpenAPI document and in the check."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("validate", [])
        validators = kwargs["validate"] if isinstance(kwargs["validate"], list) else [kwargs["validate"]]
        kwargs["validate"] = [validate.Length(max=254, error="Tối đa {max} ký tự."),
                              validate.Regexp(EMAIL_PATTERN, error="Địa chỉ thư điện tử không hợp lệ."), *validators]
        super().__init__(*args, **kwargs)


class Integer(fields.Integer):
    """Strict by default (JSON ``"12"`` is not a number); pass ``strict=False`` for query-string arguments."""

    default_error_messages = {
        **_COMMON,
        "invalid": "Phải là một số nguyên.",
        "too_large": "Số quá lớn.",
    }

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("strict", True)
        super().__init__(*args, **kwargs)

    def _validated(self, value):
        # JSON Schema counts 3.0 as an integer (a number with no fraction): so does the API, as the documents say
        if self.strict and isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            value = int(value)
        return super()._validated(value)


class Boolean(fields.Boolean):
    default_error_messages = {**_COMMON, "invalid": "Phải là true hoặc false."}


# The days the working calendar knows, as the documents describe them.
CALENDAR_RANGE = f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


class Date(fields.Date):
    """A calendar date; ``in_calendar=True`` when the working calendar must be able to count from it."""

    default_error_messages = {
        **_COMMON,
        "invalid": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
        "out_of_calendar": f"Ngày phải trong khoảng {RANGE_TEXT}.",
    }

    def __init__(self, *args, in_calendar: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.in_calendar = in_calendar
        # Not as a pattern in the document: a date's format and a pattern on its year together leave Schemathesis
        # unable to generate the days (too many filtered out); the years are in the description instead.
        if in_calendar:
            self.metadata = {**self.metadata, "description": " ".join(filter(None, (
                self.metadata.get("description"), f"a day of the working calendar, {CALENDAR_RANGE}")))}

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if self.in_calendar and not within_calendar(day):
            raise self.make_error("out_of_calendar")
        return day


class IsoDate(Date):
    """A calendar date kept as its ISO string ``YYYY-MM-DD`` after validation: BSON has no date-only type,
    and the same value then travels unchanged through MongoDB, events and responses."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).isoformat()

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) or value is None else super()._serialize(value, attr, obj, **kwargs)


class BirthDate(IsoDate):
    """A date of birth: from 1 January 1900 (anything earlier is a typing error) up to today in Vietnam, never
    in the future. The OpenAPI document shows the lower bound; the upper one moves with the business clock."""

    EARLIEST = date(1900, 1, 1)
    default_error_messages = {
        **IsoDate.default_error_messages,
        "too_early": "Ngày sinh phải từ 01/01/1900 trở đi.",
        "future": "Ngày sinh không được sau ngày hôm nay.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        day = fields.Date._deserialize(self, value, attr, data, **kwargs)
        if day < self.EARLIEST:
            raise self.make_error("too_early")
        if day > vn_date(utc_now()):
            raise self.make_error("future")
        return day.isoformat()


class AwareDateTime(fields.AwareDateTime):
    """A moment with its UTC offset, on a day the working calendar knows: every moment the system takes in is
    a business moment (a signature, a due date, a payment), and outside those years no deadline can be counted
    — nor, at the extremes, converted to UTC at all."""

    default_error_messages = {
        **_COMMON,
        "invalid": "Thời điểm không hợp lệ (định dạng ISO 8601).",
        "invalid_awareness": "Thời điểm phải có múi giờ.",
        "out_of_calendar": f"Thời điểm phải trong khoảng {RANGE_TEXT}.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Said in the description, not as a pattern beside the date-time format: together they leave Schemathesis
        # too few moments to generate (filter_too_much). The day as written and the day in Vietnam (a moment late
        # on 31/12/2099 west of Vietnam is already 2100 there) must both be calendar days.
        self.metadata = {**self.metadata, "description": " ".join(filter(None, (
            self.metadata.get("description"), f"a moment on a day of the working calendar, {CALENDAR_RANGE}, "
                                              "as written and in Vietnam")))}

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY.year <= moment.year <= LAST_DAY.year:
            raise self.make_error("out_of_calendar")
        try:
            calendar_date(moment)
        except OutsideCalendar:
            raise self.make_error("out_of_calendar") from None
        return moment


class Nested(fields.Nested):
    default_error_messages = {**_COMMON, "type": "Phải là một đối tượng JSON."}


class List(fields.List):
    default_error_messages = {**_COMMON, "invalid": "Phải là một danh sách."}


class Dict(fields.Dict):
    default_error_messages = {**_COMMON, "invalid": "Phải là một đối tượng JSON."}


def length(*, min: int | None = None, max: int | None = None) -> validate.Length:  # noqa: A002
    """Length of a string, in characters."""
    return _VnLength(min=min, max=max)


class _VnLength(validate.Length):
    message_min = "Tối thiểu {min} ký tự."
    message_max = "Tối đa {max} ký tự."
    message_all = "Độ dài từ {min} đến {max} ký tự."
    message_equal = "Phải có đúng {equal} ký tự."


def items(*, min: int | None = None, max: int | None = None) -> validate.Length:  # noqa: A002
    """Length of a list, in items."""
    return _VnItems(min=min, max=max)


class _VnItems(validate.Length):
    message_min = "Cần ít nhất {min} mục."
    message_max = "Tối đa {max} mục."
    message_all = "Từ {min} đến {max} mục."
    message_equal = "Cần đúng {equal} mục."


def one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error="Phải là một trong: {choices}.")


def matches(pattern: str | re.Pattern, message: str) -> validate.Regexp:
    return validate.Regexp(pattern, error=message)


def in_range(*, min=None, max=None) -> validate.Range:  # noqa: A002
    return _VnRange(min=min, max=max)


class _VnRange(validate.Range):
    message_min = "Phải {min_op} {{min}}."
    message_max = "Phải {max_op} {{max}}."
    message_all = "Phải {min_op} {{min}} và {max_op} {{max}}."
    message_gte = "lớn hơn hoặc bằng"
    message_gt = "lớn hơn"
    message_lte = "nhỏ hơn hoặc bằng"
    message_lt = "nhỏ hơn"


__all__ = [
    "AwareDateTime", "Boolean", "Date", "Dict", "Email", "IsoDate", "Integer", "List", "Nested", "Secret", "String",
    "ValidationError",
    "VnSchema", "in_range", "items", "length", "matches", "one_of",
]
