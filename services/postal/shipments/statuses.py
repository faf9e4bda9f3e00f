"""Shipment statuses (Decision 45/2016 Art. 6-10; Circular 17/2017 Art. 5)."""

AWAITING_RESULT = "awaiting_result"   # result delivery planned; waiting for the result to be ready
REQUESTED = "requested"
PICKED_UP = "picked_up"
IN_TRANSIT = "in_transit"
DELIVERED = "delivered"
HANDED_OVER = "handed_over"           # dossier pickup: signed hand-over record at the agency
DELIVERY_FAILED = "delivery_failed"
RETURNED_TO_AGENCY = "returned_to_agency"
LOST = "lost"

VIETNAMESE = {
    AWAITING_RESULT: "Chờ kết quả để chuyển phát",
    REQUESTED: "Đã yêu cầu bưu chính",
    PICKED_UP: "Bưu chính đã nhận",
    IN_TRANSIT: "Đang vận chuyển",
    DELIVERED: "Đã phát thành công",
    HANDED_OVER: "Đã bàn giao cho cơ quan",
    DELIVERY_FAILED: "Phát không thành công",
    RETURNED_TO_AGENCY: "Đã chuyển hoàn về cơ quan",
    LOST: "Thất lạc",
}

RESULT_DELIVERY = "result_delivery"   # chuyển phát kết quả
DOSSIER_PICKUP = "dossier_pickup"     # thu gom hồ sơ
