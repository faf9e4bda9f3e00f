"""Reconciliation with the gateway (đối soát; domain.md §5.2 — the platform's own rules are an open item):

- **orders whose notice never came**: an order still pending ``PAYMENT_RECONCILE_AFTER_SECONDS`` after it was
  made (or after the last look), or past its expiry, is looked up at the gateway and settled by what the
  gateway answers — the same command as a notice, so a notice arriving afterwards changes nothing;
- **the daily report per agency**: what motcua recorded on a Hà Nội day — paid, pending, failed, refunded — side
  by side with the gateway's statement of that day for the agency (the beneficiary of each transaction), and
  every difference named. Made for yesterday once ``PAYMENT_REPORT_AFTER`` has passed, and on demand.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from pymongo.database import Database

from services.payments.charges import statuses as st
from services.payments.charges.service import settle_query
from services.payments.gateway.client import GatewayError, PaymentGateway
from services.payments.storage import CHARGES, RECONCILIATIONS
from shared.clock import VN_TZ, as_utc, utc_now, vn_date

log = logging.getLogger(__name__)


def due_for_lookup(order: dict[str, Any], now: datetime, after_seconds: float) -> bool:
    if order["status"] != st.ORDER_PENDING:
        return False
    last = order.get("last_query_at") or order["created_at"]
    return now - last >= timedelta(seconds=after_seconds) or now >= order["expires_at"]


def reconcile_pending(db: Database, settings, gateway: PaymentGateway, now: datetime) -> int:
    """Looks up the orders whose notice is overdue; returns how many were settled by the gateway's answer."""
    settled = 0
    for charge in db[CHARGES].find({"status": st.PENDING}, {"orders": 1}):
        for order in charge["orders"]:
            if not due_for_lookup(order, now, settings.payment_reconcile_after_seconds):
                continue
            try:
                answer = gateway.query(order["order_id"])
            except GatewayError as exc:
                log.warning("cannot look up order %s: %s", order["order_id"], exc)
                continue
            after = settle_query(db, settings, order["order_id"], answer)
            settled += after["status"] != st.PENDING
    return settled


# -- the daily report --------------------------------------------------------------------------------------------

def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = as_utc(datetime.combine(day, time(0, 0), VN_TZ))
    return start, start + timedelta(days=1)


def _ours(db: Database, agency: str, day: date) -> dict[str, Any]:
    start, end = _day_bounds(day)
    paid, refunds, failed, pending = [], [], [], []
    for charge in db[CHARGES].find({"agency_code": agency}, {"orders": 1, "paid": 1, "refund": 1, "status": 1}):
        online = charge.get("paid") or {}
        if online.get("online") and start <= as_utc(online["at"]) < end:
            paid.append({"order_id": online["order_id"], "transaction_no": online["transaction_no"],
                         "amount": online["amount"]})
        refund = charge.get("refund") or {}
        if refund.get("refunded_at") and start <= as_utc(refund["refunded_at"]) < end:
            refunds.append({"order_id": online.get("order_id"), "transaction_no": refund["refund_transaction_no"],
                            "amount": refund["amount"]})
        for order in charge["orders"]:
            if order["status"] in (st.CANCELLED, st.EXPIRED, st.FAILED, st.REFUSED) and order["settled_at"] \
                    and start <= as_utc(order["settled_at"]) < end:
                failed.append({"order_id": order["order_id"], "status": order["status"], "amount": order["amount"]})
            if order["status"] in st.LIVE_ORDERS and start <= as_utc(order["created_at"]) < end:
                pending.append({"order_id": order["order_id"], "amount": order["amount"]})
    return {"paid": paid, "refunded": refunds, "failed": failed, "pending": pending}


def _differences(kind: str, ours: Iterable[dict[str, Any]], theirs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    mine = {line["transaction_no"]: line for line in ours}
    gateway = {line["transaction_no"]: line for line in theirs}
    out = []
    for number in sorted(set(mine) | set(gateway)):
        here, there = mine.get(number), gateway.get(number)
        if here is None:
            out.append({"kind": kind, "problem": "missing_here", "transaction_no": number,
                        "order_id": there["order_id"], "ours": None, "theirs": there["amount"]})
        elif there is None:
            out.append({"kind": kind, "problem": "missing_at_gateway", "transaction_no": number,
                        "order_id": here["order_id"], "ours": here["amount"], "theirs": None})
        elif here["amount"] != there["amount"] or here["order_id"] != there["order_id"]:
            out.append({"kind": kind, "problem": "amount_differs", "transaction_no": number,
                        "order_id": here["order_id"], "ours": here["amount"], "theirs": there["amount"]})
    return out


def _summary(lines: list[dict[str, Any]]) -> dict[str, int]:
    return {"count": len(lines), "amount": sum(line["amount"] for line in lines)}


def build_report(db: Database, gateway: PaymentGateway, agency: str, day: date, statement: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    """The day's report for one agency, matched against the gateway's statement (kept: the last one made)."""
    statement = statement or gateway.statement(day)
    theirs = [t for t in statement["transactions"] if t["beneficiary"] == agency]
    their_payments = [t for t in theirs if t["kind"] == "payment"]
    their_refunds = [t for t in theirs if t["kind"] == "refund"]
    ours = _ours(db, agency, day)
    differences = _differences("payment", ours["paid"], their_payments) + \
        _differences("refund", ours["refunded"], their_refunds)
    report = {
        "_id": f"{day.isoformat()}:{agency}", "date": day.isoformat(), "agency_code": agency,
        "paid": _summary(ours["paid"]), "pending": _summary(ours["pending"]), "failed": _summary(ours["failed"]),
        "refunded": _summary(ours["refunded"]),
        "gateway": {"payments": _summary(their_payments), "refunds": _summary(their_refunds),
                    "checksum": statement["checksum"]},
        "matched": not differences, "differences": differences, "made_at": utc_now(),
    }
    db[RECONCILIATIONS].replace_one({"_id": report["_id"]}, report, upsert=True)
    if differences:
        log.error("reconciliation of %s on %s: %d difference(s) with the gateway", agency, day, len(differences))
    return report


def daily_reports(db: Database, settings, gateway: PaymentGateway, now: datetime) -> int:
    """Yesterday's report for every agency that collected or refunded, once the report hour has passed;
    returns how many were made."""
    local = now.astimezone(VN_TZ)
    if local.time() < time.fromisoformat(settings.payment_report_after):
        return 0
    day = vn_date(now) - timedelta(days=1)
    agencies = set(db[CHARGES].distinct("agency_code"))
    todo = [a for a in sorted(agencies) if db[RECONCILIATIONS].find_one({"_id": f"{day.isoformat()}:{a}"}) is None]
    if not todo:
        return 0
    statement = gateway.statement(day)
    for agency in todo:
        build_report(db, gateway, agency, day, statement)
    return len(todo)


def stored_report(db: Database, agency: str, day: date) -> dict[str, Any] | None:
    return db[RECONCILIATIONS].find_one({"_id": f"{day.isoformat()}:{agency}"})
