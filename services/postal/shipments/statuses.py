"""Shipment directions and statuses (Decision 45/2016/QĐ-TTg Art. 6-10; Circular 17/2017/TT-BTTTT Art. 5).

A shipment only moves forward: each status has a rank, and an update whose rank is below the shipment's is
out of order (recorded, never applied). Failed delivery attempts rank by their number, so a second failure
ranks above the first.
"""

# thu gom hồ sơ (from the applicant to the agency) and chuyển phát kết quả (from the agency to the applicant)
from shared.events.postal_events import DIRECTIONS, DOSSIER_PICKUP, RESULT_DELIVERY  # noqa: F401 - re-exported

AWAITING_RESULT = "awaiting_result"   # result delivery planned; the result is not ready yet
REQUESTED = "requested"               # to be (or being) registered with the provider
PICKED_UP = "picked_up"               # the postal staff took it: J of J+n
IN_TRANSIT = "in_transit"
DELIVERY_FAILED = "delivery_failed"   # an attempt failed; another follows two working days later
DELIVERED = "delivered"               # the result reached the applicant
HANDED_OVER = "handed_over"           # the dossier reached the agency: signed hand-over record
RETURNED_TO_AGENCY = "returned_to_agency"
LOST = "lost"
CANCELLED = "cancelled"

FINAL = frozenset({DELIVERED, HANDED_OVER, RETURNED_TO_AGENCY, LOST, CANCELLED})
OPEN = frozenset({REQUESTED, PICKED_UP, IN_TRANSIT, DELIVERY_FAILED})  # work for the postal staff

_RANK = {AWAITING_RESULT: 0, REQUESTED: 1, PICKED_UP: 2, IN_TRANSIT: 3, DELIVERY_FAILED: 4,
         DELIVERED: 9, HANDED_OVER: 9, RETURNED_TO_AGENCY: 9, LOST: 9, CANCELLED: 9}


def rank(status: str, attempt: int | None = None) -> float:
    """Position in the shipment's life; failed attempts rank by their number (4.1, 4.2 …)."""
    base = _RANK[status]
    return base + (attempt or 0) / 10 if status == DELIVERY_FAILED else base


VIETNAMESE = {
    AWAITING_RESULT: "Chờ kết quả để chuyển phát",
    REQUESTED: "Đã yêu cầu bưu chính",
    PICKED_UP: "Bưu chính đã nhận",
    IN_TRANSIT: "Đang vận chuyển",
    DELIVERY_FAILED: "Phát không thành công",
    DELIVERED: "Đã phát thành công",
    HANDED_OVER: "Đã bàn giao cho cơ quan",
    RETURNED_TO_AGENCY: "Đã chuyển hoàn về cơ quan",
    LOST: "Thất lạc",
    CANCELLED: "Đã hủy",
}

DIRECTION_NAMES = {DOSSIER_PICKUP: "Gửi hồ sơ qua bưu chính", RESULT_DELIVERY: "Nhận kết quả qua bưu chính"}

EVENT_TYPES = {
    REQUESTED: "shipment.requested", PICKED_UP: "shipment.picked-up", IN_TRANSIT: "shipment.in-transit",
    DELIVERY_FAILED: "shipment.delivery-failed", DELIVERED: "shipment.delivered",
    HANDED_OVER: "shipment.handed-over", RETURNED_TO_AGENCY: "shipment.returned", LOST: "shipment.lost",
    CANCELLED: "shipment.cancelled",
}
