"""The Circular 01/2018/TT-VPCP scores (Art. 13–15; domain.md §2.12) of an agency and of its staff for a period.

- Per dossier (Art. 14: indicators 1–4 and 7, and 6 "per dossier and agency"), each 2 / 1 / 0, scored when the
  result is ready (projection/dossier.py ``circular01_scores``); an agency's or an officer's score for an indicator is
  the sum over its dossiers ÷ the number of dossiers, rounded to one decimal (Art. 15(2)).
- Per agency: 5 (full cycle at the desk), 8 (petitions), 9 (online services), from the catalogue and the petitions.
- Indicators without data are left out (Art. 15(4)(b)); the total is the sum of the indicator scores.
- Bands (Art. 15(3)): staff ≥ 5 points: 100 % of tasks; 3.5 to < 5: 70 to < 100 %; < 3.5: < 70 %. Agencies: ≥ 15
  excellent, 12 to < 15 good, 9 to < 12 fair, 6 to < 9 average, < 6 weak.
- Staff are scored on the indicators of the dossiers they acted on (1, 2, 3, 4 and 7; publication, no. 6, is the
  agency's duty).
"""

from __future__ import annotations

from typing import Any

from services.reporting.indicators.cells import ScopeCells
from services.reporting.indicators.periods import Period

NAMES = {
    "1": "Tổng thời gian giải quyết so với thời gian quy định",
    "2": "Thời gian thực hiện của từng cơ quan, đơn vị tham gia so với quy định",
    "3": "Số lần tổ chức, cá nhân phải liên hệ để hoàn thiện hồ sơ",
    "4": "Số cơ quan, tổ chức phải liên hệ",
    "5": "Thực hiện quy trình một cửa, một cửa liên thông tại Bộ phận Một cửa",
    "6": "Công khai thủ tục hành chính",
    "7": "Thái độ của cán bộ, công chức, viên chức",
    "8": "Tiếp nhận, xử lý phản ánh, kiến nghị",
    "9": "Cung cấp dịch vụ công trực tuyến",
}
PER_DOSSIER = ("1", "2", "3", "4", "6", "7")
STAFF = ("1", "2", "3", "4", "7")
# Circular 01/2018 Art. 13, indicator 5: share of the listed procedures the desk receives, appraises and decides itself
FULL_CYCLE_SHARE = {"central": 0.2, "province": 0.2, "district": 0.5, "commune": 1.0}


def one_decimal(value: float) -> float:
    """Art. 15(2): rounded to one decimal, half up."""
    return float(int(value * 10 + 0.5 + 1e-9)) / 10


def staff_band(total: float) -> str:
    if total >= 5:
        return "Hoàn thành 100% nhiệm vụ"
    if total >= 3.5:
        return "Hoàn thành từ 70% đến dưới 100% nhiệm vụ"
    return "Hoàn thành dưới 70% nhiệm vụ"


def agency_band(total: float) -> str:
    for floor, name in ((15, "Xuất sắc"), (12, "Tốt"), (9, "Khá"), (6, "Trung bình")):
        if total >= floor:
            return name
    return "Yếu"


def _averages(cells: ScopeCells, period: Period, indicators: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out = {}
    for n in indicators:
        count = cells.total(f"tt_n:{n}", period)
        if count:
            total = cells.total(f"tt_s:{n}", period)
            out[n] = {"indicator": n, "name": NAMES[n], "score": one_decimal(total / count), "dossiers": count,
                      "sum": total, "source": "dossiers"}
    return out


def full_cycle(agency: dict[str, Any] | None, received_here: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Indicator 5: the desk receives, appraises and decides at least the level's share of the procedures it
    receives (2); receives and returns every one of them itself (1); otherwise 0."""
    if agency is None or not received_here:
        return None
    code = agency["_id"]

    def at_desk(step: dict[str, Any]) -> bool:
        return step["agency"] in ("receiving", code)

    whole = [p for p in received_here if all(at_desk(s) for s in p["steps"])]
    share = len(whole) / len(received_here)
    needed = FULL_CYCLE_SHARE.get(agency.get("level") or "province", 0.2)
    ends = all(any(s["kind"] == "reception" and at_desk(s) for s in p["steps"])
               and any(s["kind"] == "return" and at_desk(s) for s in p["steps"]) for p in received_here)
    score = 2 if share >= needed else 1 if ends else 0
    return {"indicator": "5", "name": NAMES["5"], "score": float(score), "source": "catalogue",
            "detail": f"{len(whole)}/{len(received_here)} thủ tục giải quyết trọn vẹn tại Bộ phận Một cửa "
                      f"(cần {needed:.0%})"}


def petitions(cells: ScopeCells, period: Period) -> dict[str, Any]:
    """Indicator 8: none, or all handled on time and none raised again (2); ≥ 90 % on time and none raised again
    (1); otherwise 0."""
    on_time, late = cells.total("pk_done_ok", period), cells.total("pk_done_late", period)
    again = cells.total("pk_again", period)
    handled = on_time + late
    rate = on_time / handled if handled else 1.0
    score = 2 if handled == 0 or (rate == 1 and not again) else 1 if rate >= 0.9 and not again else 0
    return {"indicator": "8", "name": NAMES["8"], "score": float(score), "source": "petitions",
            "detail": f"{on_time}/{handled} xử lý đúng hạn, {again} bị kiến nghị lại" if handled
            else "Không có phản ánh, kiến nghị trong kỳ"}


def online(cells: ScopeCells, period: Period, in_competence: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Indicator 9: ≥ 20 % of the procedures online, ≥ 30 % of dossiers online and no late online dossier (2); some
    online procedures, 15 to < 30 % online and no late online dossier (1); otherwise 0."""
    if not in_competence:
        return None
    share = sum(1 for p in in_competence if p["online"] in ("full", "partial")) / len(in_competence)
    received = cells.total("r_total", period)
    online_rate = cells.total("r_ch:online", period) / received if received else 0.0
    late_online = cells.total("t_done_late_online", period)
    if share >= 0.2 and online_rate >= 0.3 and not late_online:
        score = 2
    elif share > 0 and online_rate >= 0.15 and not late_online:
        score = 1
    else:
        score = 0
    return {"indicator": "9", "name": NAMES["9"], "score": float(score), "source": "catalogue and dossiers",
            "detail": f"{share:.0%} thủ tục trực tuyến; {online_rate:.0%} hồ sơ nộp trực tuyến; {late_online} hồ sơ "
                      "trực tuyến trễ hạn"}


def agency_scores(cells: ScopeCells, period: Period, agency: dict[str, Any] | None,
                  in_competence: list[dict[str, Any]], received_here: list[dict[str, Any]]) -> dict[str, Any]:
    found = _averages(cells, period, PER_DOSSIER)
    for item in (full_cycle(agency, received_here), petitions(cells, period), online(cells, period, in_competence)):
        if item is not None:
            found[item["indicator"]] = item
    items = [found[n] for n in sorted(found, key=int)]
    total = one_decimal(sum(i["score"] for i in items))
    return {"indicators": items, "total": total, "band": agency_band(total) if items else None,
            "missing": [{"indicator": n, "name": NAMES[n]} for n in NAMES if n not in found]}


def staff_scores(cells: ScopeCells, period: Period) -> dict[str, Any]:
    found = _averages(cells, period, STAFF)
    items = [found[n] for n in sorted(found, key=int)]
    total = one_decimal(sum(i["score"] for i in items))
    dossiers = max((i["dossiers"] for i in items), default=0)
    return {"indicators": items, "total": total, "band": staff_band(total) if items else None, "dossiers": dossiers}
