"""Message templates, versioned: a notification pins the template id *and* version it was rendered from,
so what a person received can always be shown again, even after the wording changed.

Everything here is read by applicants, so it is Vietnamese with full diacritics.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    channel: str
    subject: str
    body: str  # str.format fields; plain text, rendered to HTML by paragraph

    def render(self, personalisation: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, plain text, HTML). Missing personalisation is a programming error, not a silent blank."""
        subject = self.subject.format(**personalisation)
        text = self.body.format(**personalisation)
        paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
        page = (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(subject)}'
                f"</title></head><body>{paragraphs}</body></html>")
        return subject, text, page


DOSSIER_SUBMITTED_EMAIL = Template(
    id="dossier-submitted",
    version=1,
    channel="email",
    subject="[Một cửa] Đã nhận hồ sơ trực tuyến {code}",
    body=(
        "Kính gửi {applicant_name},\n\n"
        "Hệ thống đã nhận hồ sơ trực tuyến của Ông/Bà lúc {submitted_time} ngày {submitted_date}.\n\n"
        "Mã số hồ sơ: {code}\n"
        "Thủ tục hành chính: {procedure_code}\n"
        "Cơ quan tiếp nhận: {agency_code}\n"
        "Trạng thái: {status_name}\n"
        "Hình thức nhận kết quả: {result_return}\n\n"
        "Cán bộ Bộ phận Một cửa sẽ kiểm tra tính đầy đủ, hợp lệ của hồ sơ. Khi hồ sơ được tiếp nhận, Ông/Bà "
        "sẽ nhận Giấy tiếp nhận hồ sơ và hẹn trả kết quả; nếu hồ sơ cần bổ sung, Ông/Bà sẽ được hướng dẫn "
        "một lần, đầy đủ các giấy tờ cần bổ sung.\n\n"
        "Tra cứu tình trạng hồ sơ bằng mã số hồ sơ tại: {lookup_url}\n\n"
        "Đây là thư tự động, vui lòng không trả lời thư này."
    ),
)

TEMPLATES = {(t.id, t.version): t for t in (DOSSIER_SUBMITTED_EMAIL,)}


def get_template(template_id: str, version: int) -> Template:
    return TEMPLATES[(template_id, version)]
