"""Dossier codes (Decree 61/2018 Art. 26; Circular 01/2018 Art. 19(1); Circular 03/2025 Art. 13).

Format A, ``<agency code>-<YYMMDD>-<XXXX>``: the receiving agency's QCVN 102:2016 code, the reception date
and that agency's sequence of the day. Format B, for centrally provided services from 25/1/2026 (Circular
03/2025 Art. 13(3) as added by Circular 04/2025 Art. 23(2)): ``<electronic id>-<YYMMDD>-<AA><XXXX>``, with the
electronic identifier of the agency that processes the dossier and the platform's two digits ``AA``.

The sequence is one atomic ``$inc`` with upsert on a counter document per agency (and platform) per day, so
concurrent submissions (on any number of API workers) never share a number. It starts at 0001 every day, has
at least four digits and simply grows past 9999 (Circular 04/2025 Art. 23 allows longer sequences). The date
is the reception date in Vietnam, not in UTC: a dossier filed at 06:30 on 1 July Hà Nội time is a 1 July
dossier. A code never changes afterwards, whatever is edited (Decree 45/2020 Art. 12).
"""

from __future__ import annotations

from datetime import date, datetime

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.intake.storage import DAILY_SEQUENCES
from shared.clock import utc_now, vn_date
from shared.domain.identifiers import format_dossier_code, format_dossier_code_b


def next_dossier_code(db: Database, agency_code: str, received_at: datetime) -> str:
    """Format A."""
    day = vn_date(received_at)
    return format_dossier_code(agency_code, day, _next(db, f"{agency_code}|{day:%Y%m%d}", agency_code, day))


def next_dossier_code_b(db: Database, electronic_id: str, platform_code: str, received_at: datetime) -> str:
    """Format B (centrally provided services)."""
    day = vn_date(received_at)
    key = f"B|{electronic_id}|{platform_code}|{day:%Y%m%d}"
    return format_dossier_code_b(electronic_id, day, platform_code, _next(db, key, electronic_id, day))


def _next(db: Database, key: str, agency: str, day: date) -> int:
    for _ in range(5):
        try:
            counter = db[DAILY_SEQUENCES].find_one_and_update(
                {"_id": key},
                {"$inc": {"value": 1},
                 "$setOnInsert": {"agency": agency, "date": f"{day:%Y-%m-%d}", "created_at": utc_now()}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            return counter["value"]
        except DuplicateKeyError:
            # Two first-of-the-day upserts raced and one insert lost; the counter exists now, increment it.
            continue
    raise RuntimeError(f"could not draw a dossier code for {key}")
