"""What makes a procedure's internal process publishable (Circular 01/2018 Art. 8; domain.md §8.2-8.3).

The approved internal process lists every step with who does it and how long it may take; the allotments of
the counted steps add up to the procedure's legal time limit, and the final step — returning the result — is
not counted. Parallel steps (inter-agency work done side by side, Decree 61/2018 Art. 19(6)) count once, for
the longest of them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.calendar import Unit

HOURS_PER_WORKING_DAY = Decimal(8)


Problem = tuple[str, str]  # (field, Vietnamese message)


def process_problems(procedure: dict[str, Any], known_agencies: set[str]) -> dict[str, list[str]]:
    """Field-level problems (Vietnamese) that forbid publishing the procedure; empty when it may be published.
    The checks run in order, like a checklist."""
    problems: dict[str, list[str]] = {}
    for check in (check_shape, check_allotments, check_parallel_groups):
        for field, message in check(procedure):
            problems.setdefault(field, []).append(message)
    for field, message in check_agencies(procedure, known_agencies):
        problems.setdefault(field, []).append(message)
    return problems


def check_shape(procedure: dict[str, Any]) -> list[Problem]:
    """Reception first, return last and uncounted, nothing else uncounted, distinct step codes."""
    steps = procedure["process"]
    found = []
    if steps[0]["kind"] != "reception" or steps[0]["agency"] != "receiving":
        found.append(("process", "Bước đầu tiên là tiếp nhận hồ sơ tại cơ quan tiếp nhận (kind reception, "
                                 "agency receiving)."))
    if steps[-1]["kind"] != "return" or steps[-1]["counted"]:
        found.append(("process", "Bước cuối cùng là trả kết quả và không tính vào thời hạn giải quyết "
                                 "(kind return, counted false)."))
    if any(s["kind"] == "return" or not s["counted"] for s in steps[:-1]):
        found.append(("process", "Chỉ bước trả kết quả (bước cuối) được để ngoài thời hạn giải quyết."))
    codes = [s["code"] for s in steps]
    if len(set(codes)) != len(codes):
        found.append(("process", "Mã các bước phải khác nhau."))
    return found


def check_allotments(procedure: dict[str, Any]) -> list[Problem]:
    """Allotments in the time limit's unit, adding up to it (a same-day procedure: within one working day)."""
    steps, limit = procedure["process"], procedure["time_limit"]
    expected = Unit.WORKING_HOURS if limit.unit is Unit.SAME_DAY else limit.unit
    if any(s["allotted"].unit is not expected for s in steps):
        return [("process", f"Thời gian của các bước phải tính bằng {expected.vietnamese}, cùng đơn vị với "
                            f"thời hạn giải quyết.")]
    total = counted_total(steps)
    if limit.unit is Unit.SAME_DAY:
        if total > HOURS_PER_WORKING_DAY:
            return [("process", f"Thủ tục giải quyết trong ngày: tổng thời gian các bước ({_fmt(total)} giờ) "
                                f"vượt quá một ngày làm việc ({_fmt(HOURS_PER_WORKING_DAY)} giờ).")]
    elif total != limit.value:
        return [("process", f"Tổng thời gian các bước được tính ({_fmt(total)} {limit.unit.vietnamese}) phải "
                            f"bằng thời hạn giải quyết ({_fmt(limit.value)} {limit.unit.vietnamese}).")]
    return []


def check_parallel_groups(procedure: dict[str, Any]) -> list[Problem]:
    groups: dict[str, list[int]] = {}
    for index, step in enumerate(procedure["process"]):
        if step["group"]:
            groups.setdefault(step["group"], []).append(index)
    return [("process", f"Nhóm song song {name!r} cần ít nhất hai bước liền nhau.")
            for name, members in groups.items()
            if len(members) < 2 or members != list(range(members[0], members[-1] + 1))]


def check_agencies(procedure: dict[str, Any], known: set[str]) -> list[Problem]:
    found = [("process", f"Bước {s['code']}: cơ quan {s['agency']} chưa có trong danh mục cơ quan.")
             for s in procedure["process"] if s["agency"] not in ("receiving", "competent", *known)]
    if procedure["competent_agency_code"] not in known:
        found.append(("competent_agency_code",
                      f"Cơ quan {procedure['competent_agency_code']} chưa có trong danh mục cơ quan."))
    unknown = [code for code in procedure["receiving_agency_codes"] if code not in known]
    if unknown:
        found.append(("receiving_agency_codes", f"Cơ quan chưa có trong danh mục: {', '.join(unknown)}."))
    return found


def counted_total(steps: list[dict[str, Any]]) -> Decimal:
    """The time the counted steps take, a parallel group counting once for its longest step."""
    total = Decimal(0)
    group_longest: dict[str, Decimal] = {}
    for step in steps:
        if not step["counted"]:
            continue
        value = step["allotted"].value
        if step["group"]:
            group_longest[step["group"]] = max(group_longest.get(step["group"], Decimal(0)), value)
        else:
            total += value
    return total + sum(group_longest.values(), Decimal(0))


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")
