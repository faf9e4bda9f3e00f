"""Decision 766 indicator 1.4 (domain.md §6.2): dossiers synchronised to the National Public Service Portal with
a reception date in the period ÷ dossiers received in the period. A dossier counts as synchronised when the
portal acknowledged its reception date (NgayTiepNhan), not merely its filing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from pymongo.database import Database

from services.sync.mirrors.service import loaded
from services.sync.storage import MIRRORS
from shared.clock import VN_TZ, as_utc


def synchronisation_share(db: Database, agency: str, start: date, end: date) -> dict[str, Any]:
    """Received in [start, end] (Hà Nội days) at the agency, and how many of them the portal holds as received."""
    low = as_utc(datetime.combine(start, time(0, 0), VN_TZ))
    high = as_utc(datetime.combine(end + timedelta(days=1), time(0, 0), VN_TZ))
    received = synchronised = 0
    for m in loaded(db[MIRRORS].find({"receiving_agency_code": agency}, {"received_at": 1, "portal": 1})):
        if m.get("received_at") and low <= as_utc(m["received_at"]) < high:
            received += 1
            synchronised += m["portal"]["received_at"] is not None
    return {"indicator": "1.4", "agency_code": agency, "from": start.isoformat(), "to": end.isoformat(),
            "received": received, "synchronised": synchronised,
            "share": round(synchronised / received, 4) if received else None}
