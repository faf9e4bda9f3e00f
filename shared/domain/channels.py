"""How a dossier arrives and how its result goes back (Decree 61/2018 Art. 16; Decree 118/2025 keeps the
three channels). Codes are those of the national synchronisation field ``KenhThucHien`` (domain.md §2.3)."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    COUNTER = "counter"  # trực tiếp tại Bộ phận Một cửa
    ONLINE = "online"    # trực tuyến
    POST = "post"        # qua dịch vụ bưu chính công ích

    @property
    def code(self) -> int:
        return {Channel.COUNTER: 1, Channel.ONLINE: 2, Channel.POST: 3}[self]

    @property
    def vietnamese(self) -> str:
        return {
            Channel.COUNTER: "Trực tiếp",
            Channel.ONLINE: "Trực tuyến",
            Channel.POST: "Qua dịch vụ bưu chính công ích",
        }[self]


class ResultReturnMethod(StrEnum):
    """Where the applicant collects the result (Decree 61/2018 Art. 20; Decision 45/2016 for post)."""

    COUNTER = "counter"
    ONLINE = "online"
    POST = "post"

    @property
    def vietnamese(self) -> str:
        return {
            ResultReturnMethod.COUNTER: "Nhận trực tiếp tại Bộ phận Một cửa",
            ResultReturnMethod.ONLINE: "Nhận trực tuyến",
            ResultReturnMethod.POST: "Nhận qua dịch vụ bưu chính công ích",
        }[self]
