"""The quarterly (and yearly) evaluation report of an agency (Circular 01/2018 Art. 15(4): the desk compiles the
results per staff member and per agency every quarter and year and reports them), as data, as a PDF and as tables
to export (CSV, XLSX)."""

from __future__ import annotations

import csv
import functools
import io
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from services.reporting.indicators import service
from services.reporting.indicators.periods import Period, quarter, year
from shared.clock import utc_now, vn_datetime


def quarterly(db, settings, agency: str, year_value: int, quarter_value: int | None) -> dict[str, Any]:
    cat = service.catalogue(db, settings)
    service.require_agency(cat, agency)
    period: Period = quarter(year_value, quarter_value) if quarter_value else year(year_value)
    scope = f"agency:{agency}"
    figures = service.figures(db, settings, scope, period)
    return {"agency": agency, "agency_name": figures["scope_name"], "period": figures["period"],
            "made_at": utc_now(), "figures": figures, "officers": service.officers(db, agency, period),
            "series": service.series(db, scope, period)}


@functools.cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("services.reporting.reports", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def quarterly_pdf(report: dict[str, Any]) -> bytes:
    """A4, Liberation Serif embedded (WeasyPrint, as the workflow's printed forms)."""
    from weasyprint import HTML  # imported on first use: loading Pango takes a moment

    html = _templates().get_template("quarterly.html").render(
        r=report, percent=percent, made_at=vn_datetime(report["made_at"]))
    return HTML(string=html).write_pdf()


# -- tables to export ------------------------------------------------------------------------------------------

def table(db, settings, name: str, scope: str, period: Period, agency: str | None) -> tuple[list[str], list[list]]:
    """(header, rows) of a dashboard table, as the page shows it."""
    if name == "index766":
        figures = service.figures(db, settings, scope, period)
        header = ["Nhóm", "Chỉ tiêu", "Tên chỉ tiêu", "Tử số", "Mẫu số", "Tỷ lệ (%)", "Điểm", "Điểm tối đa",
                  "Trạng thái"]
        rows = [[g["group"], i["code"], i["name"], i.get("numerator"), i.get("denominator"),
                 None if i.get("value") is None else round(i["value"] * 100, 2), i.get("points"), i["max_points"],
                 i["status"]] for g in figures["index766"]["groups"] for i in g["indicators"]]
        return header, rows
    if name == "agencies":
        header = ["Mã cơ quan", "Cơ quan", "Hồ sơ tiếp nhận", "Tỷ lệ đúng hạn (%)", "Tử số 2.1", "Mẫu số 2.1",
                  "Đang giải quyết", "Quá hạn", "Lượt đánh giá", "Hài lòng (%)", "Phản ánh, kiến nghị",
                  "Điểm Chỉ số 766 (/100)", "Điểm Thông tư 01", "Xếp loại"]
        rows = [[r["agency"], r["name"], r["received"], _pct(r["on_time_rate"]), r["on_time_numerator"],
                 r["on_time_denominator"], r["in_progress"], r["overdue"], r["ratings"], _pct(r["satisfied_rate"]),
                 r["petitions"], r["index766"], r["circular01"], r["circular01_band"]]
                for r in service.agencies(db, settings, scope, period)]
        return header, rows
    if name == "officers":
        header = ["Cán bộ", "Số hồ sơ", "Chỉ số 1", "Chỉ số 2", "Chỉ số 3", "Chỉ số 4", "Chỉ số 7", "Tổng điểm",
                  "Xếp loại"]
        rows = []
        for r in service.officers(db, agency or scope.partition(":")[2], period):
            scores = {i["indicator"]: i["score"] for i in r["indicators"]}
            rows.append([r["name"], r["dossiers"], *[scores.get(n) for n in ("1", "2", "3", "4", "7")], r["total"],
                         r["band"]])
        return header, rows
    if name == "circular01":
        figures = service.figures(db, settings, scope, period)
        found = figures.get("circular01") or {"indicators": []}
        return ["Chỉ số", "Tên chỉ số", "Điểm", "Số hồ sơ"], [
            [i["indicator"], i["name"], i["score"], i.get("dossiers")] for i in found["indicators"]]
    if name == "overdue":
        figures = service.figures(db, settings, scope, period)
        return ["Mã thủ tục", "Thủ tục", "Quá hạn", "Đang giải quyết"], [
            [r["procedure"], r["name"], r["overdue"], r["in_progress"]] for r in figures["overdue"]["by_procedure"]]
    rows = service.series(db, scope, period)
    return ["Kỳ", "Hồ sơ tiếp nhận", "Tử số 2.1", "Mẫu số 2.1", "Tỷ lệ đúng hạn (%)"], [
        [r["period"]["label"], r["received"], r["numerator"], r["denominator"], _pct(r["on_time_rate"])]
        for r in rows]


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Vietnamese right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def xlsx_bytes(title: str, header: list[str], rows: list[list]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, header, bold)
    for number, row in enumerate(rows, 1):
        sheet.write_row(number, 0, ["" if v is None else v for v in row])
    sheet.set_column(0, len(header) - 1, 18)
    book.close()
    return out.getvalue()
