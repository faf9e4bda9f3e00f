"""Dossier codes: ``<agency code>-<YYMMDD>-<XXXX>`` (Decree 61/2018 Art. 26; Circular 01/2018 Art. 19(1);
Circular 03/2025 Art. 13), the sequence counting the dossiers a receiving agency gets each day.

The sequence is one atomic ``$inc`` with upsert on a per-agency-per-day counter document, so concurrent
submissions (on any number of API workers) never share a number. It starts at 0001 every day, has at least
four digits and simply grows past 9999 (Circular 04/2025 Art. 23 allows longer sequences). The date is the
reception date in Vietnam, not in UTC: a dossier filed at 06:30 on 1 July Hà Nội time is a 1 July dossier.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.intake.storage import DAILY_SEQUENCES
from shared.clock import utc_now, vn_date
from shared.domain.identifiers import format_dossier_code


def next_dossier_code(db: Database, agency_code: str, received_at: datetime) -> str:
    day = vn_date(received_at)
    key = f"{agency_code}|{day:%Y%m%d}"
    for _ in range(5):
        try:
            counter = db[DAILY_SEQUENCES].find_one_and_update(
                {"_id": key},
                {"$inc": {"value": 1},
                 "$setOnInsert": {"agency_code": agency_code, "date": f"{day:%Y-%m-%d}", "created_at": utc_now()}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            return format_dossier_code(agency_code, day, counter["value"])
        except DuplicateKeyError:
            # Two first-of-the-day upserts raced and one insert lost; the counter exists now, increment it.
            continue
    raise RuntimeError(f"could not draw a dossier code for {key}")
