"""The ten standard dossier statuses (TT22/2019 Art. 4(2)-(3) and its Appendix I, as used in the
National Public Service Portal synchronisation field ``TrangThai``; domain.md §3.4)."""

from __future__ import annotations

from enum import IntEnum


class DossierStatus(IntEnum):
    SUBMITTED = 1             # Mới đăng ký: filed online, not yet accepted
    ACCEPTED = 2              # Được tiếp nhận
    REFUSED = 3               # Không được tiếp nhận
    IN_PROGRESS = 4           # Đang xử lý
    SUPPLEMENT_REQUESTED = 5  # Yêu cầu bổ sung giấy tờ
    AWAITING_PAYMENT = 6      # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7             # Công dân yêu cầu rút hồ sơ
    STOPPED = 8               # Dừng xử lý
    RESULT_READY = 9          # Đã xử lý xong
    RESULT_RETURNED = 10      # Đã trả kết quả

    @property
    def vietnamese(self) -> str:
        return VIETNAMESE_NAMES[self]


VIETNAMESE_NAMES: dict[DossierStatus, str] = {
    DossierStatus.SUBMITTED: "Mới đăng ký",
    DossierStatus.ACCEPTED: "Được tiếp nhận",
    DossierStatus.REFUSED: "Không được tiếp nhận",
    DossierStatus.IN_PROGRESS: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.AWAITING_PAYMENT: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.RESULT_READY: "Đã xử lý xong",
    DossierStatus.RESULT_RETURNED: "Đã trả kết quả",
}

# The Decision 766 formula treats these as the end of processing (domain.md §3.4, §6.2).
END_OF_PROCESSING = frozenset({
    DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED,
    DossierStatus.RESULT_READY, DossierStatus.RESULT_RETURNED,
})

# Nothing moves a dossier out of these.
FINAL = frozenset({
    DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED, DossierStatus.RESULT_RETURNED,
})
