"""The receipt sequences: the last electronic receipt number given per agency and year, and which payment it
was given to (so a number taken just before a crash is given to the same payment, not lost)."""

from __future__ import annotations

from services.payments.storage import RECEIPT_SEQUENCES
from shared.storage import documents as d
from shared.storage.documents import Declared


class ReceiptSequence(d.Document):
    agency_code = d.Text()
    year = d.Int()
    last = d.Int(allow_none=False)
    last_charge = d.Text()


RECEIPT_SEQUENCES_DECLARED = Declared(RECEIPT_SEQUENCES, ReceiptSequence, "the last receipt number per agency and year")
