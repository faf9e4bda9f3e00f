"""How things read in Vietnamese: dates as people write them (``17:00 ngày 01/12/2026``), statuses, roles,
agencies by name (never their codes), money and file sizes."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask import Flask

from services.portal import api
from shared.auth.roles import VIETNAMESE_NAMES as ROLE_NAMES
from shared.auth.roles import Role
from shared.clock import VN_TZ
from shared.domain.channels import Channel, ResultReturnMethod

DUE_STATES = {"late": "Quá hạn", "due_soon": "Sắp đến hạn", "on_time": "Còn hạn"}
COPY_KINDS = {"original": "Bản chính", "copy": "Bản sao", "certified_copy": "Bản sao chứng thực"}
UNITS = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "calendar_days": "ngày",
         "same_day": "trong ngày"}
ONLINE = {"full": "Trực tuyến toàn trình", "partial": "Trực tuyến một phần", "none": "Không trực tuyến"}


def _moment(value) -> datetime | None:
    # None, "" and a template's missing key (jinja2's Undefined, falsy): the APIs leave out a moment not yet set,
    # as intake's public look-up does with the appointment of a dossier not yet accepted
    if not value:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(VN_TZ)


def when(value) -> str:
    moment = _moment(value)
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}" if moment else ""


def local_moment(value: str | None) -> str | None:
    """A ``datetime-local`` form value (``2026-10-07T09:00``, Hà Nội time, as people type it) as the aware ISO
    moment the APIs take; a value with its own offset is kept, anything else is passed on for the API to refuse
    in its words."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) in (16, 19) and text[10:11] == "T":
        return f"{text}{':00' if len(text) == 16 else ''}+07:00"
    return text


def input_moment(value) -> str:
    """An aware moment as a ``datetime-local`` field shows it (Hà Nội time)."""
    moment = _moment(value)
    return f"{moment:%Y-%m-%dT%H:%M}" if moment else ""


def day(value) -> str:
    if isinstance(value, str) and len(value) == 10:
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    moment = _moment(value)
    return f"{moment:%d/%m/%Y}" if moment else ""


def money(amount) -> str:
    return f"{int(amount):,}".replace(",", ".") + " đồng" if amount else "Không thu phí"


def filesize(size) -> str:
    size = int(size or 0)
    return f"{size / 1_048_576:.1f} MB".replace(".", ",") if size >= 1_048_576 else f"{max(size // 1024, 1)} KB"


def agency(code) -> str:
    if not code:
        return ""
    found = api.agencies().get(code)
    return found["name"] if found else "Cơ quan khác"


AGENCY_CODE_IN_TEXT = re.compile(r"\b\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}\b(?!-\d)")


def named(text) -> str:
    """Agency codes inside a sentence from an API (a timeline entry: "Lấy ý kiến 000.00.18.G12") as the agency's
    name; a dossier code, which starts like an agency code, is left alone."""
    return AGENCY_CODE_IN_TEXT.sub(lambda m: agency(m.group(0)) if m.group(0) in api.agencies() else m.group(0),
                                   text or "")


def time_limit(limit) -> str:
    if not limit:
        return ""
    value = str(limit["value"]).rstrip("0").rstrip(".") if "." in str(limit["value"]) else str(limit["value"])
    return f"{value.replace('.', ',')} {UNITS.get(limit['unit'], limit['unit'])}"


def fold(text: str) -> str:
    """Lower case without diacritics, so "cap ban sao" finds "Cấp bản sao"."""
    decomposed = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def scoped(errors: dict, action: str) -> dict:
    """The field errors of one action form (``consult.limit.value`` → ``limit_value``, the form's field name)."""
    prefix = f"{action}."
    return {key[len(prefix):].replace(".", "_"): message for key, message in errors.items()
            if key.startswith(prefix)}


def install(app: Flask) -> None:
    app.jinja_env.globals["scoped"] = scoped
    app.jinja_env.filters.update(
        when=when, day=day, input_moment=input_moment, money=money, filesize=filesize, agency=agency, named=named,
        time_limit=time_limit,
        role=lambda r: ROLE_NAMES.get(Role(r), r) if r in Role._value2member_map_ else r,
        channel=lambda c: Channel(c).vietnamese if c else "",
        return_method=lambda m: ResultReturnMethod(m).vietnamese if m else "",
        due_state=lambda s: DUE_STATES.get(s, ""), copy_kind=lambda k: COPY_KINDS.get(k, k),
        online=lambda o: ONLINE.get(o, o),
    )
