"""Electronic receipts (biên lai điện tử) for online payments: one number per payment, per collecting agency and
year, continuous — no gaps and no number given twice.

Numbers are given by the scheduler's leader only (one replica at a time), one payment after another: the
sequence document remembers the payment its last number went to, so a crash between taking a number and
writing it on the payment gives the same number to the same payment on the next round instead of skipping one.
The format ``BL<yy>E-<agency code>-<7 digits>`` (ký hiệu, then số) follows the common e-receipt shape; the
exact symbol rules of e-receipts are not in domain.md (open item).
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database

from services.payments.charges import rules
from services.payments.charges import statuses as st
from services.payments.charges.service import execute
from services.payments.storage import CHARGES, RECEIPT_SEQUENCES
from shared.clock import vn_date

log = logging.getLogger(__name__)


def number_for(db: Database, charge: dict[str, Any]) -> str:
    """The next number of the charge's agency and year, or the one already taken for this charge."""
    year = vn_date(charge["paid"]["at"]).year
    key = f"{charge['agency_code']}:{year}"
    taken = db[RECEIPT_SEQUENCES].find_one({"_id": key, "last_charge": charge["_id"]})
    if taken is None:
        taken = db[RECEIPT_SEQUENCES].find_one_and_update(
            {"_id": key}, {"$inc": {"last": 1}, "$set": {"last_charge": charge["_id"], "agency_code":
                                                          charge["agency_code"], "year": year}},
            upsert=True, return_document=ReturnDocument.AFTER)
    return f"BL{year % 100:02d}E-{charge['agency_code']}-{taken['last']:07d}"


def issue_receipts(db: Database, settings, limit: int = 100) -> int:
    """Numbers the receipts of online payments that have none yet, oldest payment first; returns how many."""
    owed = sorted(db[CHARGES].find({"receipt_state": st.RECEIPT_OWED}, {"_id": 1, "agency_code": 1, "paid": 1})
                  .limit(limit), key=lambda c: c["paid"]["at"])
    if not owed:
        return 0
    # a number taken just before a crash goes to its payment before any other takes the next one
    taken = {seq["last_charge"] for seq in db[RECEIPT_SEQUENCES].find({}, {"last_charge": 1})}
    owed.sort(key=lambda c: c["_id"] not in taken)
    for charge in owed:
        number = number_for(db, charge)
        execute(db, settings, charge["_id"], rules.receipt_issued, number=number)
        log.info("receipt %s issued for charge %s", number, charge["_id"])
    return len(owed)
