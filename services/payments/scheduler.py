"""The payments ``scheduler`` process (one loop, leader-only tasks: one replica does each at a time):

- numbers the receipts of new online payments (continuous numbering needs one writer);
- sends the refunds the law owes, through the gateway, retrying with backoff;
- settles orders whose payment notice never came, by asking the gateway (reconciliation);
- makes yesterday's reconciliation report of each agency against the gateway's statement.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from pymongo.database import Database

from services.payments.charges import rules
from services.payments.charges import statuses as st
from services.payments.charges.service import execute
from services.payments.gateway.client import GatewayError, PaymentGateway
from services.payments.receipts.service import issue_receipts
from services.payments.reconciliation.service import daily_reports, reconcile_pending
from services.payments.storage import CHARGES
from shared.clock import utc_now
from shared.runtime.loops import LEASES, Lease, Loop, Task

log = logging.getLogger(__name__)

MAX_REFUND_BACKOFF = timedelta(hours=1)


def send_refunds(db: Database, settings, gateway: PaymentGateway, now: datetime) -> int:
    """Refunds waiting for the gateway; returns how many were done."""
    done = 0
    for charge in db[CHARGES].find({"status": st.REFUND_PENDING}, {"refund": 1, "paid": 1}).limit(100):
        refund = charge["refund"]
        if refund["next_attempt_at"] > now:
            continue
        try:
            answer = gateway.refund(order_id=charge["paid"]["order_id"], refund_id=refund["refund_id"],
                                    amount=refund["amount"], transaction_no=charge["paid"]["transaction_no"],
                                    reason=refund["reason"][:250])
        except GatewayError as exc:
            wait = min(timedelta(seconds=2 ** (refund["attempts"] + 1)), MAX_REFUND_BACKOFF)
            execute(db, settings, charge["_id"], rules.refund_failed, error=str(exc), retry_after=now + wait)
            log.warning("refund of charge %s not done (try %d, next in %s): %s", charge["_id"],
                        refund["attempts"] + 1, wait, exc)
            continue
        execute(db, settings, charge["_id"], rules.refunded, answer=answer)
        done += 1
    return done


def loop(db: Database, settings) -> Loop:
    gateway = PaymentGateway(settings)
    every = settings.payment_interval_seconds
    reconcile_every = min(60.0, max(every, settings.payment_reconcile_after_seconds / 2))
    return Loop("payments scheduler", [
        Task("number receipts", "receipts", lambda: issue_receipts(db, settings), every, draining=True,
             leader_only=True),
        Task("send refunds", "refunds", lambda: send_refunds(db, settings, gateway, utc_now()), every,
             draining=True, leader_only=True),
        Task("settle orders whose notice never came", "reconcile",
             lambda: reconcile_pending(db, settings, gateway, utc_now()), reconcile_every, leader_only=True),
        Task("daily reconciliation reports", "reports", lambda: daily_reports(db, settings, gateway, utc_now()),
             300.0, leader_only=True),
    ], service="payments", lease=Lease(db[LEASES], "payments-scheduler", ttl_seconds=max(30.0, 3 * reconcile_every)))


def run(db: Database, settings, stop: threading.Event) -> None:
    loop(db, settings).run(stop)
