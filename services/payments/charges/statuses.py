"""A charge's statuses, its orders' statuses and the gateway's result codes.

A charge only moves forward: due → pending (an order is live at the gateway) → paid, or back to due when the
attempt was cancelled or expired; paid → refund_pending → refunded when the law returns the fee; due → waived
(exemptions) or void (the dossier ended before it was paid). Paid, waived, void and refunded are final for
the money owed; a paid charge still gets its receipt number.
"""

from __future__ import annotations

DUE, PENDING, PAID, WAIVED, VOID, REFUND_PENDING, REFUNDED = (
    "due", "pending", "paid", "waived", "void", "refund_pending", "refunded")
OWED = frozenset({DUE, PENDING})          # the applicant still has to pay
SETTLED = frozenset({PAID, WAIVED})       # nothing more to pay (the workflow may go on)

VIETNAMESE = {
    DUE: "Chưa thanh toán",
    PENDING: "Đang thanh toán",
    PAID: "Đã thanh toán",
    WAIVED: "Được miễn",
    VOID: "Không còn phải nộp",
    REFUND_PENDING: "Đang hoàn trả",
    REFUNDED: "Đã hoàn trả",
}

# orders: one attempt at paying a charge through the gateway
CREATED, ORDER_PENDING, ORDER_PAID, CANCELLED, EXPIRED, FAILED, REFUSED = (
    "created", "pending", "paid", "cancelled", "expired", "failed", "refused")
LIVE_ORDERS = frozenset({CREATED, ORDER_PENDING})

# the gateway's result codes (as VNPay's vnp_ResponseCode)
RESULT_PAID, RESULT_CANCELLED, RESULT_EXPIRED, RESULT_FAILED = "00", "24", "11", "51"
ORDER_STATUS_OF_RESULT = {RESULT_CANCELLED: CANCELLED, RESULT_EXPIRED: EXPIRED}

# the receipt: none (nothing paid online), owed (paid, not numbered yet), issued
NO_RECEIPT, RECEIPT_OWED, RECEIPT_ISSUED = "none", "owed", "issued"

EVENT_TYPES = {"requested": "payment.requested", "waived": "payment.waived", "paid": "payment.paid",
               "receipt-issued": "payment.receipt-issued", "failed": "payment.failed",
               "refunded": "payment.refunded", "voided": "payment.voided", "alert": "payment.alert"}
