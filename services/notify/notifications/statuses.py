"""Delivery statuses of a notification (after GOV.UK Notify): created -> sending -> delivered, or one of
the failures. A final status is never overwritten; every transition is a compare-and-set on the status."""

CREATED = "created"
SENDING = "sending"
DELIVERED = "delivered"
TEMPORARY_FAILURE = "temporary-failure"
PERMANENT_FAILURE = "permanent-failure"
TECHNICAL_FAILURE = "technical-failure"

FINAL = frozenset({DELIVERED, PERMANENT_FAILURE, TECHNICAL_FAILURE})
ALL = (CREATED, SENDING, DELIVERED, TEMPORARY_FAILURE, PERMANENT_FAILURE, TECHNICAL_FAILURE)

VIETNAMESE = {
    CREATED: "Đã tạo",
    SENDING: "Đang gửi",
    DELIVERED: "Đã gửi thành công",
    TEMPORARY_FAILURE: "Gửi tạm thời thất bại, sẽ gửi lại",
    PERMANENT_FAILURE: "Không gửi được (địa chỉ không hợp lệ)",
    TECHNICAL_FAILURE: "Lỗi kỹ thuật",
}
