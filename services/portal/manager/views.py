"""The managers' dashboard: how well the service serves, for a scope (the whole system, a province, an agency, a
procedure) and a period — the Decision 766 group scores with their indicators, the on-time rate over time,
dossiers by channel, overdue dossiers by agency and by procedure, the Circular 01 scores of the agency and its
staff, ratings and petitions — each chart with its table, each figure with the dossiers it counts, every table as
CSV or XLSX, and the quarterly report as a PDF. The reporting API computes; these pages show."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request, session, url_for

from services.portal import api
from services.portal.access import officer as officer_rule
from services.portal.access import page
from services.portal.formatting import UNITS
from services.portal.manager import charts
from shared.auth.roles import Role
from shared.clock import utc_now, vn_date
from shared.domain import evaluation as ev

bp = Blueprint("manager", __name__, url_prefix="/quan-ly")
MANAGERS = officer_rule(Role.MANAGER, Role.ADMIN, Role.AGENCY_HEAD)
CHANNELS = {"online": "Trực tuyến", "counter": "Trực tiếp", "post": "Bưu chính công ích"}
PARTS = {"on_time": "kết thúc đúng hạn", "late": "kết thúc trễ hạn", "open": "đang giải quyết cuối kỳ",
         "open_late": "quá hạn cuối kỳ", "received": "tiếp nhận trong kỳ", "online": "nộp trực tuyến được tính",
         "digitised": "được số hóa", "fee": "của thủ tục có phí", "results": "có kết quả (thủ tục trả kết quả giấy)",
         "complaints": "có phản ánh hoặc không hài lòng", "petitions": "phản ánh, kiến nghị"}


@bp.app_template_filter("unit")
def unit(value: str | None) -> str:
    """A procedure's time unit in Vietnamese (766 indicator 2.2 is given in each procedure's unit)."""
    return UNITS.get(value or "", value or "")


def _everything() -> bool:
    return bool({"manager", "admin"} & set(session["user"].get("roles", [])))


def _scope() -> str:
    own = f"agency:{session['user']['agency_code']}"
    wanted = request.args.get("pham_vi") or ("all" if _everything() else own)
    return wanted if _everything() else own


def _period() -> str:
    today = vn_date(utc_now())
    return (request.args.get("ky") or f"{today.year}-Q{(today.month - 1) // 3 + 1}").strip()[:30]


def _periods() -> list[tuple[str, str]]:
    today = vn_date(utc_now())
    out = []
    for back in range(0, 5):
        index = today.year * 4 + (today.month - 1) // 3 - back
        year, quarter = divmod(index, 4)
        out.append((f"{year}-Q{quarter + 1}", f"Quý {quarter + 1} năm {year}"))
    out += [(str(today.year), f"Năm {today.year}"), (str(today.year - 1), f"Năm {today.year - 1}"),
            (f"{today:%Y-%m}", f"Tháng {today:%m/%Y}")]
    return out


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


@bp.get("")
@page(MANAGERS)
def dashboard():
    scope, period = _scope(), _period()
    args = {"scope": scope, "period": period}
    try:
        figures = api.get("reporting", "/indicators", params=args)
    except api.ApiError as exc:
        if exc.status != 422:
            raise
        return render_template("manager/dashboard.html", error=exc.message, scope=scope, period=period,
                               periods=_periods(), agencies=_agency_options()), 422
    series = api.get("reporting", "/indicators/series", params=args)["items"]
    rows = (api.get("reporting", "/indicators/agencies", params=args)["items"]
            if _everything() and not scope.startswith(("agency:", "procedure:")) else [])
    groups = figures["index766"]["groups"]
    agencies = api.agencies()
    pictures = {
        "groups": charts.bars("c-groups", "Điểm từng nhóm Chỉ số 766", [
            (f"{g['group']}. {g['name']}", g["points"]) for g in groups], unit=" điểm"),
        "series": charts.line("c-series", "Tỷ lệ hồ sơ giải quyết đúng hạn theo thời gian", [
            (s["period"]["label"].replace("Tháng ", "T").replace("Ngày ", ""), s["on_time_rate"]) for s in series],
            target=0.8),
        "channels": charts.bars("c-channels", "Hồ sơ tiếp nhận theo kênh", [
            (CHANNELS[k], v) for k, v in figures["channels"].items()]),
        "overdue_agencies": charts.bars("c-overdue-agencies", "Hồ sơ quá hạn theo cơ quan", [
            ((agencies.get(r["agency"]) or {}).get("name") or r["name"], r["overdue"])
            for r in sorted(rows, key=lambda r: -r["overdue"]) if r["overdue"]], colour=charts.BAD),
        "overdue_procedures": charts.bars("c-overdue-procedures", "Hồ sơ quá hạn theo thủ tục", [
            (r["name"], r["overdue"]) for r in figures["overdue"]["by_procedure"]], colour=charts.BAD),
    }
    return render_template("manager/dashboard.html", f=figures, series=series, rows=rows, pictures=pictures,
                           scope=scope, period=period, periods=_periods(), agencies=_agency_options(),
                           channels=CHANNELS, percent=_percent, criteria=ev.CRITERIA, categories=ev.CATEGORIES,
                           error=None, quarter=_quarter_of(figures["period"]))


def _quarter_of(period: dict) -> tuple[int, int | None]:
    first = date.fromisoformat(period["first"])
    quarter = (first.month - 1) // 3 + 1 if period["key"].count("-Q") else None
    return first.year, quarter


def _agency_options() -> list[tuple[str, str]]:
    return sorted(((f"agency:{code}", a["name"]) for code, a in api.agencies().items()), key=lambda o: o[1])


@bp.get("/can-bo")
@page(MANAGERS)
def officers():
    scope = _scope()
    agency = scope.partition(":")[2] if scope.startswith("agency:") else session["user"]["agency_code"]
    period = _period()
    rows = api.get("reporting", "/indicators/officers", params={"agency": agency, "period": period})["items"]
    return render_template("manager/officers.html", rows=rows, agency=agency, period=period, periods=_periods())


@bp.get("/ho-so")
@page(MANAGERS)
def dossiers():
    """The dossiers behind a figure (the link next to every indicator)."""
    params = {"scope": _scope(), "period": _period(), "indicator": request.args.get("chi_tieu", "2.1"),
              "part": request.args.get("phan", "late"), "limit": 50}
    if request.args.get("sau"):
        params["cursor"] = request.args["sau"]
    found = api.get("reporting", "/indicators/dossiers", params=params)
    next_url = (url_for("manager.dossiers", pham_vi=params["scope"], ky=params["period"], chi_tieu=params["indicator"],
                        phan=params["part"], sau=found["next_cursor"]) if found["next_cursor"] else None)
    return render_template("manager/dossiers.html", items=found["items"], params=params, found=found,
                           part_name=PARTS.get(params["part"], params["part"]), next_url=next_url)


@bp.get("/xuat")
@page(MANAGERS)
def export():
    params = {"scope": _scope(), "period": _period(), "table": request.args.get("bang", "index766"),
              "format": "xlsx" if request.args.get("dinh_dang") == "xlsx" else "csv"}
    if request.args.get("co_quan"):
        params["agency"] = request.args["co_quan"]
    answer = api.call("reporting", "GET", "/exports", params=params, raw=True)
    return Response(answer.content, mimetype=answer.headers.get("Content-Type"),
                    headers={"Content-Disposition": answer.headers.get("Content-Disposition", "attachment")})


@bp.get("/bao-cao.pdf")
@page(MANAGERS)
def report():
    """The agency's quarterly evaluation report (Circular 01/2018 Art. 15(4)), printable."""
    agency = request.args.get("co_quan") or session["user"]["agency_code"]
    params = {"agency": agency, "year": request.args.get("nam", vn_date(utc_now()).year), "format": "pdf"}
    if request.args.get("quy"):
        params["quarter"] = request.args["quy"]
    answer = api.call("reporting", "GET", "/reports/quarterly", params=params, raw=True)
    return Response(answer.content, mimetype="application/pdf",
                    headers={"Content-Disposition": answer.headers.get("Content-Disposition", "inline")})
