"""The quarterly report of the public postal channel per province (Circular 17/2017 Art. 13: volumes,
complaints, losses, compensation; sent before the 10th of the next quarter's first month).

A shipment counts in the quarter in which the postal staff accepted it (J); its province is the agency's.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pymongo.database import Database

from services.postal.shipments import statuses as st
from services.postal.storage import AGENCIES, SHIPMENTS
from shared.auth.principal import Principal
from shared.clock import VN_TZ
from shared.domain.errors import Forbidden

CENTRAL = "central"


def jurisdiction(db: Database, reader: Principal, asked: str | None) -> str | None:
    """The province a reader may report on: their agency's (from the registry's read copy); a central agency's
    reader any province (None: all). Another province is refused."""
    agency = db[AGENCIES].find_one({"_id": reader.agency_code}, {"province_code": 1, "level": 1})
    if agency is None:
        raise Forbidden("Không xác định được địa bàn của cán bộ: cơ quan chưa có trong danh mục.")
    if agency.get("level") == CENTRAL:
        return asked
    own = agency["province_code"]
    if asked and asked != own:
        raise Forbidden(f"Chỉ xem được báo cáo của tỉnh, thành phố nơi cơ quan mình đặt trụ sở (mã {own}).")
    return own


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return datetime.combine(first, time(0), VN_TZ), datetime.combine(after, time(0), VN_TZ)


def _row(province: str) -> dict[str, Any]:
    return {"province_code": province, "accepted": 0, "pickups": 0, "deliveries": 0, "completed": 0,
            "on_time": 0, "late": 0, "returned_to_agency": 0, "lost": 0, "in_progress": 0, "postage": 0,
            "postage_refunds": 0, "compensation": 0}


def quarterly(db: Database, year: int, quarter: int, province_code: str | None = None) -> dict[str, Any]:
    start, end = quarter_bounds(year, quarter)
    query: dict[str, Any] = {"accepted_at": {"$gte": start, "$lt": end}}
    if province_code:
        query["province_code"] = province_code
    rows: dict[str, dict[str, Any]] = {}
    for s in db[SHIPMENTS].find(query, {"province_code": 1, "direction": 1, "status": 1, "late": 1, "postage": 1,
                                        "postage_refund": 1, "compensation": 1}):
        province = s.get("province_code") or "??"
        row = rows.setdefault(province, _row(province))
        row["accepted"] += 1
        row["pickups" if s["direction"] == st.DOSSIER_PICKUP else "deliveries"] += 1
        row["postage"] += s.get("postage") or 0
        row["postage_refunds"] += s.get("postage_refund") or 0
        row["compensation"] += s.get("compensation") or 0
        if s["status"] in (st.DELIVERED, st.HANDED_OVER):
            row["completed"] += 1
            row["late" if s.get("late") else "on_time"] += 1
        elif s["status"] == st.RETURNED_TO_AGENCY:
            row["returned_to_agency"] += 1
        elif s["status"] == st.LOST:
            row["lost"] += 1
        else:
            row["in_progress"] += 1
    provinces = sorted(rows.values(), key=lambda r: r["province_code"])
    for row in provinces:
        row["on_time_rate"] = round(row["on_time"] / row["completed"], 4) if row["completed"] else None
    due = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 10)
    return {"year": year, "quarter": quarter, "from": start.date().isoformat(),
            "to": (end.date()).isoformat(), "due_by": due.isoformat(), "provinces": provinces}
