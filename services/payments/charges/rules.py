"""What a dossier owes and how a payment is recorded, as commands on a charge (a dict), with their rules.

Each command — ``command(charge, ctx, **arguments) -> Change`` — changes the charge in place and names the
events that follow; the aggregate runner writes both in one compare-and-set (``service.py``). A gateway
notice (IPN), a query answer and the payer's return all end in :func:`gateway_answer`, which applies a
transaction at most once: the transaction number is the natural key, so a duplicated or replayed notice changes
nothing and says so (``duplicate``), whoever delivers it first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.payments.charges import statuses as st
from shared.domain.catalogue import fee_line_code
from shared.domain.changes import DUPLICATE, Change, Context
from shared.domain.errors import Conflict, Rejected
from shared.events.payment_events import FILING

REFUSED = "refused"   # a notice refused on its merits (wrong amount): recorded as an anomaly, moves nothing

OBLIGATION_KIND = "obligation"


# -- what is owed ----------------------------------------------------------------------------------------------

def filing_lines(procedure: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines of the procedure version to pay online when the dossier is filed (domain.md §2.9: fee lines
    marked ``filing``; Decree 61/2018 Art. 22(1)(c)). A line priced per unit (per page) is charged for one
    unit: how many units a dossier has is counted at the desk, which collects any difference."""
    lines = []
    for index, fee in enumerate(procedure.get("fees") or []):
        if fee.get("when", "counter") != FILING:
            continue
        lines.append({"code": fee_line_code(fee, index), "name": fee["name"], "kind": fee.get("kind", "fee"),
                      "unit_amount": fee["amount"], "per": fee.get("per"), "quantity": 1, "amount": fee["amount"],
                      "exemptions": fee.get("exemptions") or [], "exemption": None})
    return lines


def obligation_lines(obligation: dict[str, Any]) -> list[dict[str, Any]]:
    """A financial obligation determined during processing (status 6): one line, the amount the competent body
    set (taxes, registration fee…)."""
    return [{"code": "nghia-vu", "name": obligation["description"], "kind": OBLIGATION_KIND,
             "unit_amount": obligation["amount"], "per": None, "quantity": 1, "amount": obligation["amount"],
             "exemptions": [], "exemption": None}]


def total(lines: list[dict[str, Any]]) -> int:
    return sum(line["amount"] for line in lines)


def purpose_code(purpose: str, version: int | None = None) -> str:
    """LP for the fees at filing (lệ phí), NV<n> for the financial obligation asked at dossier version n."""
    return "LP" if purpose == FILING else f"NV{version}"


def order_id(dossier_code: str, code: str, attempt: int) -> str:
    """The merchant's order id: the dossier, the charge and the attempt (unique at the gateway, readable on the
    gateway's statement): ``000.00.12.H29-261005-0001-LP-01``."""
    return f"{dossier_code}-{code}-{attempt:02d}"


def charge_of_order(order: str) -> tuple[str, str]:
    """(dossier code, purpose code) of an order id."""
    dossier_code, code, _ = order.rsplit("-", 2)
    return dossier_code, code


def _history(c: dict[str, Any], ctx: Context, status: str, note: str) -> None:
    c["history"].append({"at": ctx.now, "status": status, "note": note, "by": ctx.actor.subject})


def _move(c: dict[str, Any], ctx: Context, status: str, note: str) -> None:
    c["status"] = status
    _history(c, ctx, status, note)


def exemption_codes(c: dict[str, Any]) -> list[str]:
    return [line["exemption"]["code"] for line in c["lines"] if line.get("exemption")]


def grant_exemption(c: dict[str, Any], ctx: Context, *, line: str, exemption: str, note: str | None) -> Change:
    """The desk grants an exemption the procedure version lists for a line (domain.md §2.9; the instrument is
    the exemption's ``legal_basis``): the line and the total are reduced; nothing left to pay waives the charge.
    Not while an order is live at the gateway: the payer would pay the old amount."""
    if c["status"] not in st.OWED:
        raise Conflict(f"Khoản thu ở trạng thái {st.VIETNAMESE[c['status']]}: không miễn, giảm được nữa.")
    if any(o["status"] in st.LIVE_ORDERS and o["expires_at"] > ctx.now for o in c["orders"]):
        raise Conflict("Người nộp đang thực hiện một giao dịch thanh toán: hãy chờ giao dịch kết thúc hoặc hết hạn.")
    found = next((entry for entry in c["lines"] if entry["code"] == line), None)
    if found is None:
        raise Rejected("Không có dòng phí, lệ phí này.", {"json": {"line": ["Không thuộc khoản thu."]}})
    allowed = next((e for e in found["exemptions"] if e["code"] == exemption), None)
    if allowed is None:
        raise Rejected("Thủ tục không quy định trường hợp miễn, giảm này cho dòng phí, lệ phí đó.",
                       {"json": {"exemption": ["Không có trong danh mục miễn, giảm của dòng này."]}})
    found["exemption"] = {**allowed, "granted_by": ctx.actor.subject, "granted_at": ctx.now, "note": note}
    found["amount"] = found["unit_amount"] * found["quantity"] * (100 - allowed["rate"]) // 100
    c["amount"] = total(c["lines"])
    change = Change()
    if c["amount"] == 0:
        _move(c, ctx, st.WAIVED, f"Miễn: {allowed['name']}")
        change.emit("waived", exemptions=exemption_codes(c))
    else:
        _history(c, ctx, c["status"], f"Giảm: {allowed['name']}")
        change.emit("requested")
    return change


# -- paying ----------------------------------------------------------------------------------------------------

def live_order(c: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    return next((o for o in reversed(c["orders"]) if o["status"] in st.LIVE_ORDERS and o["expires_at"] > now), None)


def open_order(c: dict[str, Any], ctx: Context, *, expires_at: datetime, idempotency_key: str | None) -> Change:
    """A new attempt at paying the charge online: an order for its amount, until ``expires_at``. One live order
    at a time: while one can still be paid, it is the one (the same key, or none, gets it back)."""
    if c["status"] not in st.OWED:
        raise Conflict(f"Khoản thu ở trạng thái {st.VIETNAMESE[c['status']]}: không cần thanh toán.")
    if c["amount"] <= 0:
        raise Conflict("Khoản thu không có số tiền phải nộp.")
    if idempotency_key and any(o["idempotency_key"] == idempotency_key for o in c["orders"]):
        return Change.duplicate()
    if live_order(c, ctx.now) is not None:
        return Change.duplicate()
    attempt = len(c["orders"]) + 1
    c["orders"].append({"order_id": order_id(c["dossier_code"], c["purpose_code"], attempt), "attempt": attempt,
                        "amount": c["amount"], "status": st.CREATED, "created_at": ctx.now, "expires_at": expires_at,
                        "pay_url": None, "gateway_ref": None, "transaction_no": None, "bank_code": None,
                        "result_code": None, "settled_at": None, "settled_via": None, "last_query_at": None,
                        "idempotency_key": idempotency_key})
    return Change()


def order_registered(c: dict[str, Any], ctx: Context, *, order: str, answer: dict[str, Any]) -> Change:
    """The gateway took the order: the payer can be sent to its page."""
    found = _order(c, order)
    if found["pay_url"] or found["status"] != st.CREATED:
        return Change.duplicate()
    found.update(status=st.ORDER_PENDING, pay_url=answer["pay_url"], gateway_ref=answer.get("gateway_ref"))
    if c["status"] == st.DUE:
        _move(c, ctx, st.PENDING, f"Giao dịch {order} tại cổng thanh toán")
    return Change()


def _order(c: dict[str, Any], order: str) -> dict[str, Any]:
    found = next((o for o in c["orders"] if o["order_id"] == order), None)
    if found is None:
        raise Rejected("Không có giao dịch này.", {"form": {"order_id": ["Không thuộc khoản thu."]}})
    return found


def gateway_answer(c: dict[str, Any], ctx: Context, *, answer: dict[str, Any], via: str) -> Change:
    """What the gateway says about one of the charge's orders — a signed notice (``ipn``), an answer to a query
    (``query``, also after the payer's return) — applied once.

    - paid, for the order's amount: the charge is paid (once: Decree 61/2018 Art. 22(1)(c)); if the dossier
      has meanwhile ended, the money goes back (:func:`request_refund`);
    - paid, for another amount: refused and alerted (an anomaly; nothing moves);
    - paid while the charge was already paid by another transaction: recorded and alerted (paid twice);
    - cancelled, expired or failed: the attempt ends; the charge is due again.
    """
    order = _order(c, answer["order_id"])
    code = answer["result_code"]
    key = answer.get("transaction_no") or f"{order['order_id']}:{code}"
    if key in c["transactions"] or (code != st.RESULT_PAID and order["status"] not in st.LIVE_ORDERS):
        return Change.duplicate()
    if code == st.RESULT_PAID and answer["amount"] != order["amount"]:
        return _amount_mismatch(c, ctx, order, answer, key)
    c["transactions"].append(key)
    if code != st.RESULT_PAID:
        return _attempt_ended(c, ctx, order, code, via)
    if c["status"] in (st.PAID, st.REFUND_PENDING, st.REFUNDED, st.WAIVED):
        return _paid_twice(c, ctx, order, answer, key)
    return _paid(c, ctx, order, answer, via)


def _paid(c: dict[str, Any], ctx: Context, order: dict[str, Any], answer: dict[str, Any], via: str) -> Change:
    paid_at = answer.get("paid_at") or ctx.now
    order.update(status=st.ORDER_PAID, transaction_no=answer.get("transaction_no"),
                 bank_code=answer.get("bank_code"), result_code=st.RESULT_PAID, settled_at=ctx.now, settled_via=via)
    was_void = c["status"] == st.VOID
    c["paid"] = {"amount": answer["amount"], "at": paid_at, "order_id": order["order_id"],
                 "transaction_no": answer.get("transaction_no"), "bank_code": answer.get("bank_code"), "via": via,
                 "online": True}
    c["receipt_state"] = st.RECEIPT_OWED
    _move(c, ctx, st.PAID, f"Đã thanh toán trực tuyến, giao dịch {answer.get('transaction_no')}")
    change = Change()
    change.emit("paid", order_id=order["order_id"], transaction_no=answer.get("transaction_no"),
                amount=answer["amount"], paid_at=paid_at, bank_code=answer.get("bank_code"), via=via, online=True)
    if was_void:
        _refund(c, ctx, "Hồ sơ đã kết thúc trước khi thanh toán; khoản đã nộp được hoàn trả")
    return change


def _attempt_ended(c: dict[str, Any], ctx: Context, order: dict[str, Any], code: str, via: str) -> Change:
    status = st.ORDER_STATUS_OF_RESULT.get(code, st.FAILED)
    order.update(status=status, result_code=code, settled_at=ctx.now, settled_via=via)
    if c["status"] == st.PENDING and live_order(c, ctx.now) is None:
        _move(c, ctx, st.DUE, f"Giao dịch {order['order_id']}: {status}")
    change = Change()
    change.emit("failed", order_id=order["order_id"], reason=status, result_code=code)
    return change


def _amount_mismatch(c: dict[str, Any], ctx: Context, order: dict[str, Any], answer: dict[str, Any],
                     key: str) -> Change:
    if any(a["transaction_no"] == key for a in c["anomalies"]):
        return Change.duplicate()
    note = (f"Cổng thanh toán báo đã thu {answer['amount']:,} đồng cho giao dịch {order['order_id']} "
            f"nhưng đơn hàng là {order['amount']:,} đồng: không ghi nhận, cần đối soát.").replace(",", ".")
    c["anomalies"].append({"at": ctx.now, "kind": "amount_mismatch", "order_id": order["order_id"],
                           "transaction_no": key, "expected": order["amount"], "received": answer["amount"],
                           "note": note})
    order["status"] = st.REFUSED
    if c["status"] == st.PENDING and live_order(c, ctx.now) is None:
        _move(c, ctx, st.DUE, f"Giao dịch {order['order_id']} bị từ chối: sai số tiền")
    change = Change(outcome=REFUSED)
    change.emit("alert", kind="amount_mismatch", order_id=order["order_id"], transaction_no=key,
                expected=order["amount"], received=answer["amount"], note=note)
    return change


def _paid_twice(c: dict[str, Any], ctx: Context, order: dict[str, Any], answer: dict[str, Any], key: str) -> Change:
    note = (f"Khoản thu đã được thanh toán (giao dịch {(c['paid'] or {}).get('transaction_no')}); giao dịch {key} "
            f"thu thêm {answer['amount']:,} đồng: cần hoàn trả cho người nộp.").replace(",", ".")
    order.update(status=st.ORDER_PAID, transaction_no=answer.get("transaction_no"), result_code=st.RESULT_PAID,
                 settled_at=ctx.now, settled_via="duplicate-payment")
    c["anomalies"].append({"at": ctx.now, "kind": "paid_twice", "order_id": order["order_id"], "transaction_no": key,
                           "expected": c["amount"], "received": answer["amount"], "note": note})
    change = Change()
    change.emit("alert", kind="paid_twice", order_id=order["order_id"], transaction_no=key, expected=c["amount"],
                received=answer["amount"], note=note)
    return change


def paid_at_counter(c: dict[str, Any], ctx: Context, *, voucher: str, paid_at: datetime) -> Change:
    """An officer recorded the payment at the desk (receipt or voucher shown; Decree 61/2018 Art. 22(1)(a)-(b)):
    nothing is owed online any more."""
    if c["status"] not in st.OWED:
        return Change.duplicate()
    c["paid"] = {"amount": c["amount"], "at": paid_at, "order_id": None, "transaction_no": None, "bank_code": None,
                 "via": "counter", "online": False, "voucher": voucher}
    _move(c, ctx, st.PAID, f"Đã nộp tại Bộ phận Một cửa, chứng từ {voucher}")
    change = Change()
    change.emit("paid", order_id=None, transaction_no=None, amount=c["amount"], paid_at=paid_at, bank_code=None,
                via="counter", online=False)
    return change


def looked_up(c: dict[str, Any], ctx: Context, *, order: str) -> Change:
    """The gateway was asked about the order now and had nothing new: not asked again before
    ``PAYMENT_RECONCILE_AFTER_SECONDS``."""
    _order(c, order)["last_query_at"] = ctx.now
    return Change()


# -- receipts --------------------------------------------------------------------------------------------------

def receipt_issued(c: dict[str, Any], ctx: Context, *, number: str) -> Change:
    """The electronic receipt of an online payment gets its number (one per payment)."""
    if c["receipt_state"] != st.RECEIPT_OWED:
        return Change.duplicate()
    c["receipt"] = {"number": number, "issued_at": ctx.now}
    c["receipt_state"] = st.RECEIPT_ISSUED
    change = Change()
    change.emit("receipt-issued", receipt_number=number, issued_at=ctx.now, amount=c["paid"]["amount"],
                transaction_no=c["paid"]["transaction_no"])
    return change


# -- the dossier ended -----------------------------------------------------------------------------------------

def refund_due(purpose: str, closure: str, processing_started: bool) -> bool:
    """Whether the fees paid at filing go back to the applicant when the dossier ends this way (issue #16):
    refused at reception (Decree 61/2018 Art. 17(1)(b), Form 03: the dossier was never taken in), or withdrawn
    or stopped before the competent agency began processing it (Decree 118/2025 Art. 21; Circular 03/2025
    Art. 7) — the service the fee pays for was not rendered. A financial obligation is the tax authority's to
    refund, not the desk's. domain.md §2.9 has no refund article: the rule is the issue's (open item)."""
    if purpose != FILING:
        return False
    return closure == "refused" or (closure in ("withdrawn", "stopped") and not processing_started)


def dossier_ended(c: dict[str, Any], ctx: Context, *, closure: str, processing_started: bool, reason: str) -> Change:
    """The dossier was refused, withdrawn or stopped: what is still owed is no longer owed (void); what was
    paid is refunded when :func:`refund_due` says so."""
    if c["status"] in st.OWED:
        _move(c, ctx, st.VOID, reason)
        change = Change()
        change.emit("voided", reason=reason)
        return change
    if c["status"] == st.PAID and (c["paid"] or {}).get("online") and refund_due(c["purpose"], closure,
                                                                                    processing_started):
        _refund(c, ctx, reason)
        return Change()
    return Change.duplicate()


def _refund(c: dict[str, Any], ctx: Context, reason: str) -> None:
    c["refund"] = {"reason": reason, "amount": c["paid"]["amount"], "refund_id": f"{c['paid']['order_id']}-HT",
                   "requested_at": ctx.now, "attempts": 0, "next_attempt_at": ctx.now, "error": None,
                   "refunded_at": None, "refund_transaction_no": None}
    _move(c, ctx, st.REFUND_PENDING, f"Hoàn trả: {reason}")


def refunded(c: dict[str, Any], ctx: Context, *, answer: dict[str, Any]) -> Change:
    """The gateway returned the money (its refund transaction is recorded)."""
    if c["status"] != st.REFUND_PENDING:
        return Change.duplicate()
    c["refund"] = {**c["refund"], "refunded_at": ctx.now, "refund_transaction_no": answer.get("refund_transaction_no"),
                   "error": None}
    _move(c, ctx, st.REFUNDED, f"Đã hoàn trả, giao dịch {answer.get('refund_transaction_no')}")
    change = Change()
    change.emit("refunded", amount=c["refund"]["amount"], reason=c["refund"]["reason"],
                refund_id=c["refund"]["refund_id"], refunded_at=ctx.now)
    return change


def refund_failed(c: dict[str, Any], ctx: Context, *, error: str, retry_after: datetime) -> Change:
    if c["status"] != st.REFUND_PENDING:
        return Change.duplicate()
    c["refund"] = {**c["refund"], "attempts": c["refund"]["attempts"] + 1, "next_attempt_at": retry_after,
                   "error": error}
    return Change()


def is_duplicate(change: Change) -> bool:
    return change.outcome == DUPLICATE

