"""The figures the API and the reports answer with, read from the cells and the records."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pymongo.database import Database

from services.reporting.catalogue.service import Catalogue
from services.reporting.indicators import cells as reading
from services.reporting.indicators import circular01, index766
from services.reporting.indicators.periods import Period, steps
from services.reporting.projection import lists
from services.reporting.projection.document import PETITION_RECORDS, RECORDS
from services.reporting.projection.dossier import day as day_of
from services.reporting.storage import DOSSIER_KEYS, DOSSIERS, META, OFFICERS, PETITIONS
from shared.clock import utc_now, vn_date
from shared.domain import evaluation as ev
from shared.domain.errors import NotFound, Rejected

_catalogues: dict[str, tuple[float, Catalogue]] = {}
_lock = threading.Lock()
SCOPE_KINDS = ("all", "agency", "province", "procedure")


def catalogue(db: Database, settings, max_age: float = 30.0) -> Catalogue:
    """The catalogue in memory for this API process, read again every ``max_age`` seconds."""
    with _lock:
        known = _catalogues.get(db.name)
        if known and time.monotonic() - known[0] < max_age:
            return known[1]
    fresh = Catalogue(db, settings)
    with _lock:
        _catalogues[db.name] = (time.monotonic(), fresh)
    return fresh


def parse_scope(text: str) -> str:
    kind, _, code = (text or "").partition(":")
    if kind == "all" and not code:
        return "all"
    if kind in SCOPE_KINDS[1:] and code and len(code) <= 60:
        return f"{kind}:{code}"
    raise Rejected("Phạm vi không hợp lệ.", {"query": {"scope": [
        "Dùng all, agency:<mã cơ quan>, province:<mã tỉnh> hoặc procedure:<mã thủ tục>."]}})


def scope_name(scope: str, cat: Catalogue) -> str:
    kind, _, code = scope.partition(":")
    if kind == "all":
        return "Toàn hệ thống"
    if kind == "agency":
        return (cat.agency(code) or {}).get("name") or code
    if kind == "province":
        return f"Tỉnh, thành phố mã {code}"
    return (cat.procedure(code, None) or {}).get("name") or f"Thủ tục {code}"


def agencies_in(scope: str, cat: Catalogue) -> set[str] | None:
    kind, _, code = scope.partition(":")
    if kind == "agency":
        return {code}
    if kind == "province":
        return cat.agencies_of_province(code)
    return None


def procedures_in(scope: str, cat: Catalogue) -> list[dict[str, Any]]:
    kind, _, code = scope.partition(":")
    if kind == "procedure":
        found = cat.procedure(code, None)
        return [found] if found else []
    return cat.procedures_in_competence(agencies_in(scope, cat))


def state(db: Database) -> dict[str, Any]:
    return db[META].find_one({"_id": "state"}) or {}


def measured(period: Period) -> Period:
    """The part of the period that has happened (figures for the future are not measured yet)."""
    return period.clipped(vn_date(utc_now()))


def link_maker(scope: str, period: Period):
    def link(indicator: str, part: str) -> str:
        return f"/indicators/dossiers?scope={scope}&period={period.key}&indicator={indicator}&part={part}"
    return link


def figures(db: Database, settings, scope: str, period: Period) -> dict[str, Any]:
    """Everything a dashboard page shows for one scope and period."""
    cat = catalogue(db, settings)
    period = measured(period)
    cells = reading.load(db, scope, period)
    meta = state(db)
    ctx = index766.Context(scope, period, cells, procedures_in(scope, cat), meta.get("seen") or {},
                           link_maker(scope, period))
    out: dict[str, Any] = {
        "scope": scope, "scope_name": scope_name(scope, cat), "period": period_view(period),
        "as_of": meta.get("written_at"),
        "index766": index766.compute(ctx, index766.Config.from_settings(settings)),
        "channels": {ch: cells.total(f"r_ch:{ch}", period) for ch in ("online", "counter", "post")},
        "received": cells.total("r_total", period),
        "overdue": {"total": cells.running("t_late", period.last), "in_progress": cells.running("t_open", period.last),
                    "by_procedure": overdue_by_procedure(cells, period, cat)},
        "ratings": ratings_summary(cells, period),
        "petitions": petitions_summary(cells, period),
    }
    kind, _, code = scope.partition(":")
    if kind == "agency":
        out["circular01"] = circular01.agency_scores(cells, period, cat.agency(code),
                                                     cat.procedures_in_competence({code}),
                                                     cat.procedures_received_at(code))
    return out


def period_view(period: Period) -> dict[str, Any]:
    return {"key": period.key, "label": period.label, "first": period.first.isoformat(),
            "last": period.last.isoformat()}


def overdue_by_procedure(cells: reading.ScopeCells, period: Period, cat: Catalogue) -> list[dict[str, Any]]:
    rows = []
    for metric in sorted(cells.metrics("t_late_p:")):
        code = metric.removeprefix("t_late_p:")
        late = cells.running(metric, period.last)
        if late:
            rows.append({"procedure": code, "name": (cat.procedure(code, None) or {}).get("name") or code,
                         "overdue": late, "in_progress": cells.running(f"t_open_p:{code}", period.last)})
    return sorted(rows, key=lambda r: (-r["overdue"], r["procedure"]))


def ratings_summary(cells: reading.ScopeCells, period: Period) -> dict[str, Any]:
    count = cells.total("rt_n", period)
    answers = {}
    for criterion in ev.CRITERIA:
        answers[criterion.code] = {code: cells.total(f"rt_a:{criterion.code}:{code}", period)
                                   for code, _ in criterion.answers}
    return {"count": count, "satisfied": cells.total("rt_sat", period), "unsatisfied": cells.total("rt_unsat", period),
            "channels": {ch: cells.total(f"rt_ch:{ch}", period) for ch in ev.RATING_CHANNELS}, "answers": answers}


def petitions_summary(cells: reading.ScopeCells, period: Period) -> dict[str, Any]:
    return {"received": cells.total("pk_in", period),
            "categories": {cat: cells.total(f"pk_cat:{cat}", period) for cat in ev.CATEGORIES},
            "handled_on_time": cells.total("pk_done_ok", period), "handled_late": cells.total("pk_done_late", period),
            "in_progress": cells.running("pk_open", period.last), "overdue": cells.running("pk_late", period.last)}


SERIES_METRICS = ("t_done_ok", "t_done_late", "t_open", "t_late", "r_total")


def series(db: Database, scope: str, period: Period) -> list[dict[str, Any]]:
    """The on-time rate (766 indicator 2.1) and the dossiers received, step by step through the period."""
    period = measured(period)
    cells = reading.load(db, scope, Period(period.first, period.last, "range", period.key), SERIES_METRICS)
    if period.kind not in ("year", "quarter"):
        cells.months.update(reading.load_months(db, scope, period, SERIES_METRICS))
    out = []
    for step in steps(period):
        if step.first > period.last:
            break
        step = step.clipped(period.last)
        done_ok, done_late = cells.total("t_done_ok", step), cells.total("t_done_late", step)
        open_end, late_end = cells.running("t_open", step.last), cells.running("t_late", step.last)
        denominator = done_ok + done_late + open_end
        out.append({"period": period_view(step), "received": cells.total("r_total", step),
                    "numerator": done_ok + open_end - late_end, "denominator": denominator,
                    "on_time_rate": (done_ok + open_end - late_end) / denominator if denominator else None})
    return out


def agencies(db: Database, settings, scope: str, period: Period) -> list[dict[str, Any]]:
    """One row per agency of the scope (a province, or all): the overview managers compare."""
    cat = catalogue(db, settings)
    period = measured(period)
    wanted = agencies_in(scope, cat)
    years = reading.years_with_figures(db)
    by_scope = reading.load_kind(db, "agency", period, years)
    config = index766.Config.from_settings(settings)
    seen = state(db).get("seen") or {}
    competent, receiving = cat.procedures_by_agency()
    rows = []
    for scope_id, cells in sorted(by_scope.items()):
        code = scope_id.partition(":")[2]
        if wanted is not None and code not in wanted:
            continue
        ctx = index766.Context(scope_id, period, cells, competent.get(code, []), seen, link_maker(scope_id, period))
        index = index766.compute(ctx, config)
        on_time = next(i for g in index["groups"] for i in g["indicators"] if i["code"] == "2.1")
        scores = circular01.agency_scores(cells, period, cat.agency(code), competent.get(code, []),
                                          receiving.get(code, []))
        ratings = cells.total("rt_n", period)
        rows.append({
            "agency": code, "name": (cat.agency(code) or {}).get("name") or code,
            "received": cells.total("r_total", period), "on_time_rate": on_time.get("value"),
            "on_time_numerator": on_time.get("numerator"), "on_time_denominator": on_time.get("denominator"),
            "overdue": cells.running("t_late", period.last), "in_progress": cells.running("t_open", period.last),
            "ratings": ratings, "satisfied_rate": cells.total("rt_sat", period) / ratings if ratings else None,
            "petitions": cells.total("pk_in", period), "index766": index["score_of_100"],
            "circular01": scores["total"], "circular01_band": scores["band"],
            "channels": {ch: cells.total(f"r_ch:{ch}", period) for ch in ("online", "counter", "post")}})
    return rows


def officers(db: Database, agency: str, period: Period) -> list[dict[str, Any]]:
    """The Circular 01 scores of each officer of the agency who acted on dossiers finished in the period."""
    period = measured(period)
    known = {o["_id"]: o for o in db[OFFICERS].find({"agency": agency})}
    years = reading.years_with_figures(db)
    rows = []
    by_scope = reading.load_years(db, [f"officer:{officer_id}" for officer_id in sorted(known)], period, years)
    for officer_id, officer in sorted(known.items(), key=lambda kv: (kv[1].get("name") or "", kv[0])):
        cells = by_scope.get(f"officer:{officer_id}")
        if cells is None:
            continue
        scores = circular01.staff_scores(cells, period)
        if scores["indicators"]:
            rows.append({"officer": officer_id, "name": officer.get("name") or officer_id, **scores})
    return rows


# -- the dossiers behind a figure ---------------------------------------------------------------------------------

PARTS = {
    ("2.1", "on_time"), ("2.1", "late"), ("2.1", "open"), ("2.1", "open_late"), ("1.4", "received"),
    ("3.3", "online"), ("3.3", "received"), ("4.2", "digitised"), ("4.2", "received"), ("3.6", "fee"),
    ("4.1", "results"), ("5.4", "complaints"), ("5.2", "petitions"), ("5.3", "petitions"),
}
LIST_VIEW = ("code", "proc", "comp", "channel", "received_at", "ended_at", "end_kind", "due", "due_source", "on_time",
             "supplements", "extended", "start_day", "end_day", "late_day", "ready_at", "electronic", "digitised",
             "online_counted", "synced", "fee_bearing", "paid_online", "complaint", "result_kind", "paper_result")
LIST_FIELDS = {"_id": 1, "view": 1}  # the view is packed (projection/document.py): read whole, listed in part
VIEWS_READ = 100  # records read at a time for a list (a page is 50 at most; most on a slice's list are)


def iso(value: Any) -> Any:
    """Moments as ISO 8601 text inside free-form answers (the JSON layer would write HTTP dates)."""
    if isinstance(value, dict):
        return {k: iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [iso(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _matches(indicator: str, part: str, v: dict[str, Any], a: int, b: int) -> bool:  # noqa: C901
    received = day_of(v.get("received_at"))
    ended = v.get("end_day")
    if indicator == "2.1":
        if part in ("on_time", "late"):
            return ended is not None and a <= ended <= b and v.get("on_time") == (part == "on_time")
        in_progress = v.get("start_day") is not None and v["start_day"] <= b and (ended is None or ended > b)
        if part == "open":
            return in_progress
        return in_progress and v.get("late_day") is not None and v["late_day"] <= b
    if indicator in ("1.4", "3.3", "4.2", "3.6"):
        if received is None or not a <= received <= b:
            return False
        return {"received": True, "online": bool(v.get("online_counted")), "digitised": bool(v.get("digitised")),
                "fee": bool(v.get("fee_bearing"))}[part]
    if indicator == "4.1":
        ready = day_of(v.get("ready_at"))
        return (ready is not None and a <= ready <= b and v.get("result_kind") == "approval"
                and bool(v.get("paper_result")))
    if indicator == "5.4":
        return ended is not None and a <= ended <= b and bool(v.get("complaint"))
    return False


def _slices(scope: str, indicator: str, part: str, period: Period) -> list[lists.Slice]:
    """Every slice of records that may be on the list (projection/lists.py), in the list's order."""
    months = reading.months_between(period.first, period.last)
    if indicator not in ("2.1", "4.1", "5.4"):
        return [s for month in months for s in lists.recv_slices(scope, month)]
    if indicator == "2.1" and part in ("open", "open_late"):
        # in progress at the end of the period: still open, or ended after it and by today (late at its end if
        # late by then)
        statuses = (lists.LATE,) if part == "open_late" else (lists.OK, lists.LATE)
        today = vn_date(utc_now())
        later = reading.months_between(period.last, today) if period.last < today else []
        return [s for month in later for s in lists.end_slices(scope, month, statuses)] + lists.open_slices(scope)
    statuses = {"on_time": (lists.OK,), "late": (lists.LATE,)}.get(part, (lists.OK, lists.LATE))
    return [s for month in months for s in lists.end_slices(scope, month, statuses)]


def dossiers_behind(db: Database, scope: str, period: Period, indicator: str, part: str, *, limit: int,
                    after_values: list[Any] | None) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """The dossiers a figure counts, slice by slice (keyset: the slice's key and the dossier id)."""
    if (indicator, part) not in PARTS:
        raise Rejected("Không có danh sách cho chỉ tiêu này.", {"query": {"part": [
            "Chỉ tiêu và phần không khớp (ví dụ indicator=2.1&part=late)."]}})
    if indicator in ("5.2", "5.3"):
        return _petitions_behind(db, scope, period, limit=limit, after_values=after_values)
    period = measured(period)
    a, b = period.days
    slices = _slices(scope, indicator, part, period)
    start_key, last_id = after_values or [slices[0][1], ""]
    keys = [key for _, key in slices]
    items: list[dict[str, Any]] = []
    last_key = start_key
    for field, key in slices[keys.index(start_key) if start_key in keys else 0:]:
        query: dict[str, Any] = {field: key}
        if key == start_key and last_id:
            query["_id"] = {"$gt": last_id}
        for record_id, view in _views(db, db[DOSSIER_KEYS].find(query, {"_id": 1}).sort("_id", 1)):
            if _matches(indicator, part, view, a, b):
                if len(items) == limit:  # one more than the page: the next page starts after the last listed
                    return items, [last_key, items[-1]["id"]]
                items.append(iso({"id": record_id, **{k: view[k] for k in LIST_VIEW if k in view},
                                  "month": key.partition("|")[0]}))
                last_key = key
    return items, None


def _views(db: Database, found: Iterable[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, view) of the dossiers whose keys were found, in the order found; their records read
    :data:`VIEWS_READ` at a time."""
    found = iter(found)
    while ids := [doc["_id"] for doc in itertools.islice(found, VIEWS_READ)]:
        views = {doc["_id"]: RECORDS.loaded(doc).get("view") or {}
                 for doc in db[DOSSIERS].find({"_id": {"$in": ids}}, LIST_FIELDS)}
        for record_id in ids:
            yield record_id, views.get(record_id, {})


def _petitions_behind(db: Database, scope: str, period: Period, *, limit: int, after_values):
    period = measured(period)
    a, b = period.days
    kind, _, code = scope.partition(":")
    query = {"agency": code} if kind == "agency" else {}
    found = []
    for doc in db[PETITIONS].find(query, {"view": 1}).sort("_id", 1):
        v = PETITION_RECORDS.loaded(doc).get("view")
        if not v or (kind == "province" and v.get("prov") != code):
            continue
        handled, received = v.get("handled_day"), v["received_day"]
        if (handled is not None and a <= handled <= b) or (received <= b and (handled is None or handled > b)):
            found.append(iso({"id": doc["_id"], **v}))
    start = 0
    if after_values:
        start = next((i + 1 for i, p in enumerate(found) if p["id"] == after_values[1]), 0)
    page = found[start:start + limit]
    more = start + limit < len(found)
    return page, (["petitions", page[-1]["id"]] if more and page else None)


def require_agency(cat: Catalogue, code: str) -> dict[str, Any]:
    found = cat.agency(code)
    if found is None:
        raise NotFound("Không tìm thấy cơ quan.")
    return found
