"""The Decision 766/QĐ-TTg service-quality index (domain.md §6), for one scope and period, every figure with its
numerator, its denominator and the way to the dossiers it counts.

Points (§6.2): an indicator whose rate reaches its full-marks threshold (80 % unless configured otherwise: 50 % for
3.3, 90 % for 5.4) earns its maximum; below it, ``rate × maximum ÷ threshold``. Maximum points per indicator are
configuration (``INDEX_766_POINTS``; the defaults make groups of 18, 20, 22, 22 and 18 — 100 in all — as the
implementations cited in §6.1 do, with 1.2 at 4 of 18 and 5.4 at 6 of 18 as the summaries say; 2.1 carries group 2's
20 points, "on-time processing earns up to 20", and 2.2 is shown per procedure without points). An indicator
without data (not computed here, or nothing to count in the period) is shown as "no data" and its points are left
out of the score; the group and the total also say how many points had data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from services.reporting.indicators.cells import ScopeCells
from services.reporting.indicators.periods import Period

GROUPS = {1: "Công khai, minh bạch", 2: "Tiến độ, kết quả giải quyết", 3: "Cung cấp dịch vụ trực tuyến",
          4: "Số hóa hồ sơ", 5: "Mức độ hài lòng"}


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    formula: str
    computed: bool = True
    why_not: str | None = None

    @property
    def group(self) -> int:
        return int(self.code.split(".")[0])


NOT_HERE = "motcua không giữ dữ liệu này"
INDICATORS: tuple[Indicator, ...] = (
    Indicator("1.1", "Thủ tục hành chính được công bố đúng hạn",
              "TTHC có quyết định công bố đúng hạn ÷ TTHC công bố trong kỳ", False,
              f"{NOT_HERE}: ngày hiệu lực của văn bản quy định thủ tục và ngày ký quyết định công bố chưa có trong "
              "danh mục."),
    Indicator("1.2", "Thủ tục hành chính được cập nhật, công khai đúng hạn trên Cơ sở dữ liệu quốc gia",
              "TTHC công khai đúng hạn ÷ TTHC phải công khai", False,
              f"{NOT_HERE}: ngày công khai trên Cơ sở dữ liệu quốc gia về TTHC do hệ thống quốc gia nắm giữ."),
    Indicator("1.3", "Thủ tục hành chính có đầy đủ các bộ phận bắt buộc",
              "TTHC đầy đủ bộ phận ÷ TTHC được công bố", False,
              f"{NOT_HERE}: danh mục chưa ghi «đối tượng thực hiện» của thủ tục (một bộ phận bắt buộc)."),
    Indicator("1.4", "Hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia",
              "Hồ sơ tiếp nhận trong kỳ đã đồng bộ ÷ Hồ sơ tiếp nhận trong kỳ"),
    Indicator("2.1", "Hồ sơ giải quyết đúng hạn",
              "(Hồ sơ kết thúc đúng hạn trong kỳ + hồ sơ đang giải quyết còn hạn cuối kỳ) ÷ (hồ sơ kết thúc trong kỳ "
              "+ hồ sơ đang giải quyết cuối kỳ)"),
    Indicator("2.2", "Thời gian giải quyết trung bình của từng thủ tục",
              "Tổng thời gian giải quyết ÷ số hồ sơ có kết quả trong kỳ, theo đơn vị thời hạn của thủ tục"),
    Indicator("3.1", "Thủ tục hành chính cung cấp dịch vụ công trực tuyến",
              "TTHC có dịch vụ công trực tuyến (toàn trình hoặc một phần) ÷ TTHC thuộc thẩm quyền"),
    Indicator("3.2", "Dịch vụ công trực tuyến có phát sinh hồ sơ",
              "Dịch vụ công trực tuyến có hồ sơ nộp trực tuyến trong kỳ ÷ dịch vụ công trực tuyến"),
    Indicator("3.3", "Hồ sơ nộp trực tuyến",
              "Hồ sơ tiếp nhận trực tuyến trong kỳ ÷ hồ sơ tiếp nhận trong kỳ × tỷ lệ đồng bộ; thủ tục có kết quả "
              "giấy chỉ tính khi có kết quả điện tử"),
    Indicator("3.5", "Thủ tục có phí, lệ phí được tích hợp thanh toán trực tuyến",
              "TTHC có phí, lệ phí tích hợp thanh toán trên Cổng DVCQG ÷ TTHC có phí, lệ phí", False,
              f"{NOT_HERE}: việc tích hợp thanh toán của từng thủ tục trên Nền tảng thanh toán quốc gia chưa được "
              "ghi nhận."),
    Indicator("3.6", "Hồ sơ thanh toán trực tuyến",
              "Hồ sơ đã thanh toán trực tuyến ÷ hồ sơ của thủ tục có phí, lệ phí (tiếp nhận trong kỳ)"),
    Indicator("4.1", "Hồ sơ có kết quả điện tử",
              "Hồ sơ có kết quả điện tử (mã và tệp kết quả) ÷ hồ sơ có kết quả của thủ tục trả kết quả giấy"),
    Indicator("4.2", "Hồ sơ được số hóa",
              "Hồ sơ có thành phần số hóa và (nếu đã có kết quả) kết quả điện tử ÷ hồ sơ tiếp nhận trong kỳ"),
    Indicator("4.3", "Hồ sơ tái sử dụng dữ liệu số hóa",
              "Hồ sơ có thành phần tái sử dụng ÷ hồ sơ tiếp nhận", False,
              f"{NOT_HERE}: thành phần hồ sơ chưa ghi nhận việc tái sử dụng dữ liệu đã số hóa."),
    Indicator("4.4", "Hồ sơ kết nối kho dữ liệu cá nhân trên Cổng DVCQG",
              "Hồ sơ có thành phần lấy từ hoặc kết quả đẩy về kho dữ liệu ÷ hồ sơ tiếp nhận", False,
              f"{NOT_HERE}: chưa kết nối kho quản lý dữ liệu điện tử của tổ chức, cá nhân."),
    Indicator("4.5", "Khai thác dữ liệu dân cư",
              "TTHC / hồ sơ khai thác Cơ sở dữ liệu quốc gia về dân cư ÷ TTHC / hồ sơ dành cho công dân", False,
              f"{NOT_HERE}: chưa kết nối VNeID và Cơ sở dữ liệu quốc gia về dân cư."),
    Indicator("5.1", "Phản ánh, kiến nghị theo nhóm", "Số phản ánh, kiến nghị về quy định hành chính và về hành vi"),
    Indicator("5.2", "Phản ánh, kiến nghị được xử lý đúng hạn",
              "(Xử lý đúng hạn trong kỳ + đang xử lý còn hạn cuối kỳ) ÷ (xử lý trong kỳ + đang xử lý cuối kỳ)"),
    Indicator("5.3", "Mức độ hài lòng về xử lý phản ánh, kiến nghị",
              "(PAKN đã xử lý − không hài lòng, kiến nghị lại hoặc trễ hạn) ÷ PAKN đã xử lý trong kỳ"),
    Indicator("5.4", "Mức độ hài lòng về giải quyết thủ tục hành chính",
              "100% − (tỷ lệ hồ sơ trễ hạn + tỷ lệ hồ sơ có phản ánh, kiến nghị hoặc đánh giá không hài lòng)"),
)
BY_CODE = {i.code: i for i in INDICATORS}
INFORMATIONAL = frozenset({"2.2", "5.1"})  # shown without points


@dataclass(frozen=True)
class Config:
    points: dict[str, float]
    full_marks: dict[str, float]   # percent
    default_full_marks: float

    @classmethod
    def from_settings(cls, settings) -> Config:
        points = {k: float(v) for k, v in _pairs(settings.index_766_points).items()}
        marks = _pairs(settings.index_766_full_marks)
        default = float(marks.pop("default", 80))
        return cls(points, {k: float(v) for k, v in marks.items()}, default)

    def threshold(self, code: str) -> float:
        return self.full_marks.get(code, self.default_full_marks) / 100

    def group_max(self, group: int) -> float:
        return self._group_maxima.get(group, 0.0)

    @functools.cached_property
    def _group_maxima(self) -> dict[int, float]:
        """Every group's maximum, summed once (a table of 200 agencies asks for each group's 200 times)."""
        out: dict[int, float] = {}
        for code, points in self.points.items():
            group = int(code.split(".")[0])
            out[group] = out.get(group, 0.0) + points
        return out


def _pairs(text: str) -> dict[str, str]:
    out = {}
    for item in (text or "").split(","):
        if "=" in item:
            key, _, value = item.partition("=")
            out[key.strip()] = value.strip()
    return out


def points_for(rate: float, maximum: float, threshold: float) -> float:
    """§6.2: at or above the threshold, full marks; below it, rate × max ÷ threshold."""
    if rate >= threshold:
        return maximum
    return rate * maximum / threshold


@dataclass
class Context:
    scope: str
    period: Period
    cells: ScopeCells
    procedures: list[dict[str, Any]]    # published procedures in the scope's competence
    seen: dict[str, bool]               # kinds of events ever seen: sync, payment
    link: Any                           # (indicator, part) -> the URL of the dossiers counted


def ratio(code: str, numerator: float, denominator: float, ctx: Context, *, parts: dict[str, str] | None = None,
          note: str | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "numerator": numerator, "denominator": denominator,
            "value": numerator / denominator if denominator else None, "note": note,
            "links": {part: ctx.link(code, part) for part in (parts or {})}, "link_labels": parts or {},
            **(extra or {})}


def compute(ctx: Context, config: Config) -> dict[str, Any]:  # noqa: C901 - one block per indicator
    c, p = ctx.cells, ctx.period
    values: dict[str, dict[str, Any]] = {}
    received = c.total("r_total", p)

    # 1.4: starts counting when the portal synchronisation's events appear (shared with 3.3)
    if ctx.seen.get("sync"):
        values["1.4"] = ratio("1.4", c.total("r_synced", p), received, ctx,
                              parts={"received": "Hồ sơ tiếp nhận trong kỳ"})
    sync_rate = values["1.4"]["value"] if "1.4" in values else None

    # 2.1 (domain.md §6.2): finished in the period + in progress at its end
    done_ok, done_late = c.total("t_done_ok", p), c.total("t_done_late", p)
    open_end, late_end = c.running("t_open", p.last), c.running("t_late", p.last)
    values["2.1"] = ratio("2.1", done_ok + open_end - late_end, done_ok + done_late + open_end, ctx, parts={
        "on_time": "Kết thúc đúng hạn", "late": "Kết thúc trễ hạn", "open": "Đang giải quyết cuối kỳ",
        "open_late": "Đang giải quyết, quá hạn cuối kỳ"}, extra={"breakdown": {
            "finished_on_time": done_ok, "finished_late": done_late, "in_progress": open_end,
            "in_progress_late": late_end}})

    # 2.2 per procedure, in its own unit
    rows = []
    for metric in sorted(c.metrics("d_n:")):
        code = metric.removeprefix("d_n:")
        count = c.total(metric, p)
        if count:
            minutes = c.total(f"d_min:{code}", p)
            unit = next((q["time_limit"]["unit"] for q in ctx.procedures if q["code"] == code), None)
            rows.append({"procedure": code, "results": count, "average": average(minutes / count, unit),
                         "unit": unit})
    values["2.2"] = {"code": "2.2", "rows": rows, "value": None, "numerator": None, "denominator": None,
                     "note": None, "links": {}, "link_labels": {}}

    # 3.1 / 3.2 from the catalogue and the online receipts
    online = [q for q in ctx.procedures if q["online"] in ("full", "partial")]
    if ctx.procedures:
        values["3.1"] = ratio("3.1", len(online), len(ctx.procedures), ctx,
                              note="Theo danh mục thủ tục hiện hành.")
    if online:
        used = [q for q in online if c.total(f"r_online_proc:{q['code']}", p) > 0]
        values["3.2"] = ratio("3.2", len(used), len(online), ctx, extra={
            "unused": [q["code"] for q in online if q not in used]})
    online_counted = c.total("r_online_counted", p)
    values["3.3"] = ratio("3.3", online_counted * (sync_rate if sync_rate is not None else 1), received, ctx,
                          parts={"online": "Hồ sơ nộp trực tuyến được tính", "received": "Hồ sơ tiếp nhận trong kỳ"},
                          note=None if sync_rate is not None else "Chưa nhân tỷ lệ đồng bộ (chưa có dữ liệu 1.4).")
    if ctx.seen.get("payment"):
        values["3.6"] = ratio("3.6", c.total("r_paid_online", p), c.total("r_fee", p), ctx,
                              parts={"fee": "Hồ sơ của thủ tục có phí, lệ phí"})
    values["4.1"] = ratio("4.1", c.total("e_elec", p), c.total("e_paper", p), ctx,
                          parts={"results": "Hồ sơ có kết quả (thủ tục trả kết quả giấy)"})
    values["4.2"] = ratio("4.2", c.total("r_digitised", p), received, ctx,
                          parts={"digitised": "Hồ sơ được số hóa", "received": "Hồ sơ tiếp nhận trong kỳ"})

    # group 5
    categories = {metric.removeprefix("pk_cat:"): c.total(metric, p) for metric in sorted(c.metrics("pk_cat:"))}
    values["5.1"] = {"code": "5.1", "rows": [{"category": k, "count": v} for k, v in categories.items() if v],
                     "value": None, "numerator": sum(categories.values()), "denominator": None, "note": None,
                     "links": {}, "link_labels": {}}
    pk_ok, pk_late = c.total("pk_done_ok", p), c.total("pk_done_late", p)
    pk_open, pk_open_late = c.running("pk_open", p.last), c.running("pk_late", p.last)
    values["5.2"] = ratio("5.2", pk_ok + pk_open - pk_open_late, pk_ok + pk_late + pk_open, ctx, parts={
        "petitions": "Phản ánh, kiến nghị"}, extra={"breakdown": {
            "handled_on_time": pk_ok, "handled_late": pk_late, "in_progress": pk_open,
            "in_progress_late": pk_open_late}})
    handled = pk_ok + pk_late
    values["5.3"] = ratio("5.3", handled - c.total("pk_bad", p), handled, ctx, parts={
        "petitions": "Phản ánh, kiến nghị"})
    finished, complaints = c.total("s_done", p), c.total("s_complaint", p)
    on_time = values["2.1"]
    if on_time["denominator"] and finished:
        late_rate = 1 - on_time["value"]
        complaint_rate = complaints / finished
        values["5.4"] = {**ratio("5.4", max(0.0, 1 - late_rate - complaint_rate), 1, ctx, parts={
            "complaints": "Hồ sơ có phản ánh hoặc đánh giá không hài lòng"}),
            "numerator": None, "denominator": None, "breakdown": {
                "late_rate": late_rate, "complaints": complaints, "finished": finished,
                "complaint_rate": complaint_rate}}
    return score(values, config)


def average(minutes: float, unit: str | None) -> float:
    """A processing time in the procedure's unit: working days of 8 office hours, working hours, calendar days."""
    if unit == "working_hours":
        return round(minutes / 60, 1)
    if unit == "calendar_days":
        return round(minutes / 1440, 1)
    return round(minutes / 480, 1)


def score(values: dict[str, dict[str, Any]], config: Config) -> dict[str, Any]:
    groups, total, total_max, total_with_data = [], 0.0, 0.0, 0.0
    for group, name in GROUPS.items():
        items, earned, with_data = [], 0.0, 0.0
        for indicator in (i for i in INDICATORS if i.group == group):
            found = values.get(indicator.code)
            maximum = 0.0 if indicator.code in INFORMATIONAL else config.points.get(indicator.code, 0.0)
            item = {"code": indicator.code, "name": indicator.name, "formula": indicator.formula,
                    "max_points": maximum, "threshold": config.threshold(indicator.code) if maximum else None}
            if not indicator.computed:
                item.update(status="not_computed", why=indicator.why_not, points=None, value=None)
            elif found is None or (found.get("value") is None and indicator.code not in INFORMATIONAL):
                item.update(found or {}, status="no_data", points=None, value=None,
                            why="Chưa có dữ liệu: " + ("chưa có sự kiện đồng bộ Cổng Dịch vụ công quốc gia."
                                                       if indicator.code == "1.4" else
                                                       "chưa có sự kiện thanh toán trực tuyến."
                                                       if indicator.code == "3.6" else "không có gì để tính trong kỳ."))
            else:
                item.update(found, status="ok")
                if maximum:
                    item["points"] = round(points_for(found["value"], maximum, item["threshold"]), 2)
                    earned += item["points"]
                    with_data += maximum
                else:
                    item["points"] = None
            items.append(item)
        group_max = config.group_max(group)
        groups.append({"group": group, "name": name, "max_points": group_max, "points": round(earned, 2),
                       "points_with_data": with_data, "indicators": items})
        total += earned
        total_max += group_max
        total_with_data += with_data
    return {"groups": groups, "points": round(total, 2), "max_points": total_max,
            "points_with_data": total_with_data,
            "score_of_100": round(total / total_with_data * 100, 1) if total_with_data else None}
