"""What the payments service reports about a dossier's charges, recorded on the dossier: a charge paid online
(the gateway confirmed it) or waived by exemptions resumes the clock if the dossier waits for it (status 6;
domain.md §2.9, §5.2). The payments service acts here as a system principal; each report is applied at most
once (the consumer deduplicates by event id, and ``settle_payment`` ignores what the dossier already records)."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.workflow.dossiers import lifecycle
from services.workflow.dossiers.service import execute_in_background
from services.workflow.storage import DOSSIERS
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.events import Event

PAYMENTS = Principal(subject="payments", kind=PrincipalKind.SERVICE, name="Hệ thống thanh toán")
HANDLED = ("payment.paid", "payment.waived")


class DossierNotHereYet(Exception):
    """A payment report came before the dossier it is about reached the workflow (another topic): retried."""


def on_payment(db: Database, settings, event: Event, payload: dict[str, Any]) -> None:
    if db[DOSSIERS].find_one({"_id": event.dossier_id}, {"_id": 1}) is None:
        raise DossierNotHereYet(f"dossier {payload['dossier_code']} not in the workflow yet")
    details = payload["details"]
    paid = event.type == "payment.paid"
    execute_in_background(
        db, settings, event.dossier_id, PAYMENTS, lifecycle.settle_payment, charge_id=payload["charge_id"],
        purpose=payload["purpose"], status="paid" if paid else "waived", amount=payload["amount"],
        voucher=(details.get("transaction_no") or details.get("order_id")) if paid else None,
        paid_at=details["paid_at"] if paid else None, online=bool(paid and details["online"]))
