"""The dossier tracking book of a one-stop desk over a period (Circular 01/2018 Form 06; Circular 03/2025
Form 07 as reported; domain.md §3.1): one row per dossier received, in order of reception."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pymongo.database import Database

from services.workflow.dossiers.forms import _when
from services.workflow.storage import DOSSIERS
from shared.clock import VN_TZ, utc_now
from shared.domain.rulesets import FORM_TITLES, rule_set_for

FIELDS = {"code": 1, "procedure.name": 1, "applicant": 1, "contact": 1, "competent_agency_code": 1,
          "received_at": 1, "appointment_due": 1, "returned": 1, "result_return.method": 1}


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VN_TZ).astimezone(UTC)


def tracking_book(db: Database, settings, agency_code: str, start: date, end: date,
                  names: dict[str, str]) -> dict[str, Any]:
    rule_set = rule_set_for(end)
    number = rule_set.form_number("tracking_book", settings.form_numbers)
    found = db[DOSSIERS].find({"receiving_agency_code": agency_code,
                               "received_at": {"$gte": _day_start(start), "$lt": _day_start(end + timedelta(days=1))}},
                              FIELDS)
    rows = []
    for d in sorted(found, key=lambda d: d["received_at"]):
        address = ((d["applicant"].get("address") or {}).get("line") or "")
        phone = d["contact"].get("phone") or ""
        rows.append({
            "code": d["code"], "procedure": d["procedure"]["name"], "applicant": d["applicant"]["full_name"],
            "contact": ", ".join(part for part in (address, phone) if part),
            "competent_agency": names.get(d["competent_agency_code"], d["competent_agency_code"]),
            "received_at": _when(d["received_at"]), "appointment_at": _when(d.get("appointment_due")),
            "returned_at": _when((d.get("returned") or {}).get("at")),
            "return_method": (d.get("returned") or {}).get("method") or d["result_return"]["method"],
        })
    return {"form": "tracking_book", "number": number, "title": FORM_TITLES["tracking_book"],
            "legal_basis": f"Mẫu số {number} ban hành kèm theo Thông tư {rule_set.circular}",
            "agency": names.get(agency_code, agency_code), "agency_code": agency_code,
            "from": f"{start:%d/%m/%Y}", "to": f"{end:%d/%m/%Y}", "issued_at": _when(utc_now()), "rows": rows}
