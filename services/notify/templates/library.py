"""Message templates, versioned: a notification pins the template id *and* version it was rendered from, so
what a person received can always be shown again, even after the wording changed. Change a text by adding a
new version to :data:`TEMPLATES_LIST`; never edit one that was used.

One template covers the channels a message can go out on: an e-mail (subject and body), an SMS and an in-app
inbox entry. Applicants and officers read all of it, so every text is Vietnamese with full diacritics; the
SMS channel folds them to GSM-7 when it sends (unless ``SMS_UNICODE``), see ``delivery/sms_text.py``.
``{field}`` placeholders are filled from the personalisation the planner builds; ``SAMPLE`` is what the
preview API shows when no personalisation is given.
"""

from __future__ import annotations

import html
import string
from dataclasses import dataclass, replace
from typing import Any

EMAIL, SMS, IN_APP = "email", "sms", "in_app"
CHANNELS = (EMAIL, SMS, IN_APP)

APPLICANT, OFFICER = "applicant", "officer"

SIGNATURE = "\n\nĐây là thư tự động của Bộ phận Một cửa, vui lòng không trả lời thư này."

SAMPLE: dict[str, str] = {
    "applicant_name": "Nguyễn Văn An",
    "code": "000.00.12.H29-261123-0001",
    "procedure_name": "Đăng ký thành lập doanh nghiệp tư nhân",
    "agency_code": "000.00.12.H29",
    "receiving_agency_name": "Bộ phận Một cửa UBND phường Ba Đình",
    "status_name": "Đang xử lý",
    "appointment": "17:00 ngày 26/11/2026",
    "submitted": "09:15 ngày 23/11/2026",
    "result_return": "Nhận trực tiếp tại Bộ phận Một cửa",
    "lookup_url": "http://127.0.0.1:8080/lookup/000.00.12.H29-261123-0001",
    "items_text": "1. Giấy xác nhận khuyết tật: bản sao chưa được chứng thực",
    "items_inline": "Giấy xác nhận khuyết tật",
    "reasons_text": "1. Thủ tục không thuộc thẩm quyền giải quyết của cơ quan",
    "reasons_inline": "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan",
    "reason": "Chờ kết quả xác minh tại doanh nghiệp",
    "old_appointment": "17:00 ngày 26/11/2026",
    "new_appointment": "17:00 ngày 03/12/2026",
    "amount": "12.500.000 đồng",
    "description": "Lệ phí trước bạ",
    "method": "nhận trực tiếp tại Bộ phận Một cửa",
    "rating_url": "http://127.0.0.1:8080/danh-gia/000.00.12.H29-261123-0001",
    "step_name": "Thẩm định hồ sơ",
    "due": "11:30 ngày 24/11/2026",
    "question": "Đề nghị cho ý kiến về hồ sơ",
    "closure": "Rút hồ sơ theo yêu cầu của tổ chức, cá nhân",
    "tracking_code": "EB123456789VN",
    "attempt": "1",
    "next_attempt": "ngày 27/11/2026",
    "delivery_note": "Người nhận vắng nhà",
    "expected_delivery": "ngày 25/11/2026",
    "agency_name": "Bộ phận Một cửa UBND phường Ba Đình",
    "sender_name": "Nguyễn Văn An",
    "petition_code": "PA-261123-0001",
    "petition_title": "Đề nghị hướng dẫn rõ thành phần hồ sơ",
    "petition_url": "http://127.0.0.1:8080/phan-anh/PA-261123-0001",
    "received": "09:15 ngày 23/11/2026",
    "answer_due": "17:00 ngày 14/12/2026",
    "decide_due": "17:00 ngày 25/11/2026",
    "request": "Đề nghị cung cấp số hồ sơ và thời điểm nộp",
    "answer": "Thành phần hồ sơ đã được công khai đầy đủ tại Bộ phận Một cửa và trên Cổng Dịch vụ công.",
    "conclusion": "Giải thích, hướng dẫn (kiến nghị)",
    "stage": "Trả lời",
    "satisfied": "không hài lòng",
    "pay_url": "http://127.0.0.1:8080/ho-so/5d0c1c55-4c3b-4f0e-9a51-2f4f5b0c7e11",
    "lines_text": "1. Lệ phí cấp Phiếu lý lịch tư pháp: 200.000 đồng",
    "lines_inline": "Lệ phí cấp Phiếu lý lịch tư pháp 200.000 đồng",
    "transaction_no": "14226112",
    "receipt_number": "BL26E-000.00.12.H29-0000123",
    "order_id": "000.00.12.H29-261123-0001-LP-01",
    "payment_outcome": "đã bị hủy",
    "alert_note": "Cổng thanh toán báo đã thu 199.000 đồng nhưng đơn hàng là 200.000 đồng: không ghi nhận.",
    "sync_error": "Cổng Dịch vụ công quốc gia không phản hồi (503)",
    "attempts": "5",
    "period": "09:00–10:00 ngày 23/11/2026",
    "overdue_count": "1",
    "due_soon_count": "2",
    "assigned_count": "0",
    "queue_url": "http://127.0.0.1:8080/can-bo/ho-so?han=late",
}


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    audience: str        # applicant or officer
    required: bool       # a legally required notice: sent by SMS even to an applicant who opted out
    description: str
    inapp_title: str
    inapp: str
    subject: str | None = None
    email: str | None = None
    sms: str | None = None

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(c for c, text in ((EMAIL, self.email), (SMS, self.sms), (IN_APP, self.inapp)) if text)

    @property
    def fields(self) -> list[str]:
        """Every personalisation field the template uses, in order of first use."""
        seen: list[str] = []
        for text in (self.subject, self.email, self.sms, self.inapp_title, self.inapp):
            for _, name, _, _ in string.Formatter().parse(text or ""):
                if name and name not in seen:
                    seen.append(name)
        return seen

    def missing(self, personalisation: dict[str, Any]) -> list[str]:
        return [name for name in self.fields if name not in personalisation]

    def render(self, channel: str, personalisation: dict[str, Any]) -> dict[str, str]:
        """The message for one channel, as written (an SMS is folded later, when it is sent)."""
        if channel not in self.channels:
            raise ValueError(f"template {self.id} has no {channel} text")
        if channel == EMAIL:
            subject = self.subject.format(**personalisation)
            text = (self.email + SIGNATURE).format(**personalisation)
            paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
            page = (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(subject)}'
                    f"</title></head><body>{paragraphs}</body></html>")
            return {"subject": subject, "text": text, "html": page}
        if channel == SMS:
            return {"text": self.sms.format(**personalisation)}
        return {"subject": self.inapp_title.format(**personalisation), "text": self.inapp.format(**personalisation)}


def _applicant(**kwargs) -> Template:
    return Template(audience=APPLICANT, **kwargs)


def _officer(**kwargs) -> Template:
    return Template(audience=OFFICER, required=False, **kwargs)


TEMPLATES_LIST: list[Template] = [
    # -- to applicants -----------------------------------------------------------------------------------------
    _applicant(
        id="dossier-submitted", version=1, required=True,
        description="acknowledgement of an online filing with its official time of receipt (Decree 45/2020 Art. 11)",
        subject="[Một cửa] Đã nhận hồ sơ trực tuyến {code}",
        email=("Kính gửi {applicant_name},\n\n"
               "Hệ thống đã nhận hồ sơ trực tuyến của Ông/Bà lúc {submitted}.\n\n"
               "Mã số hồ sơ: {code}\nThủ tục hành chính: {procedure_name}\nCơ quan tiếp nhận: {agency_code}\n"
               "Trạng thái: {status_name}\nHình thức nhận kết quả: {result_return}\n\n"
               "Cán bộ Bộ phận Một cửa sẽ kiểm tra tính đầy đủ, hợp lệ của hồ sơ. Khi hồ sơ được tiếp nhận, Ông/Bà "
               "sẽ nhận Giấy tiếp nhận hồ sơ và hẹn trả kết quả; nếu hồ sơ cần bổ sung, Ông/Bà sẽ được hướng dẫn "
               "một lần, đầy đủ các nội dung cần bổ sung.\n\n"
               "Tra cứu tình trạng hồ sơ bằng mã số hồ sơ tại: {lookup_url}"),
        sms="Hồ sơ {code} đã được nộp trực tuyến lúc {submitted}. Tra cứu: {lookup_url}",
        inapp_title="Đã nhận hồ sơ {code}",
        inapp="Hồ sơ {procedure_name} đã được nộp lúc {submitted}. Trạng thái: {status_name}."),
    _applicant(
        id="dossier-received-by-post", version=1, required=True,
        description="a dossier sent by post was handed over at the agency: its filing time (Decision 45/2016 "
                    "Art. 7(4))",
        subject="[Một cửa] Cơ quan đã nhận hồ sơ {code} gửi qua bưu chính",
        email=("Kính gửi {applicant_name},\n\n"
               "Hồ sơ Ông/Bà gửi qua dịch vụ bưu chính công ích đã được bàn giao cho cơ quan lúc {submitted}; "
               "đây là thời điểm nộp hồ sơ.\n\n"
               "Mã số hồ sơ: {code}\nThủ tục hành chính: {procedure_name}\nCơ quan tiếp nhận: {agency_code}\n\n"
               "Cán bộ Bộ phận Một cửa sẽ kiểm tra hồ sơ và gửi Giấy tiếp nhận hồ sơ và hẹn trả kết quả.\n\n"
               "Tra cứu tình trạng hồ sơ tại: {lookup_url}"),
        sms="Cơ quan đã nhận hồ sơ {code} gửi qua bưu chính lúc {submitted}. Tra cứu: {lookup_url}",
        inapp_title="Cơ quan đã nhận hồ sơ {code} gửi qua bưu chính",
        inapp="Thời điểm nộp hồ sơ: {submitted}."),
    _applicant(
        id="dossier-accepted", version=1, required=True,
        description="accepted at the desk, with the appointment (Decree 61/2018 Art. 15(4)(a); Form 01)",
        subject="[Một cửa] Hồ sơ {code} đã được tiếp nhận",
        email=("Kính gửi {applicant_name},\n\n"
               "Hồ sơ {code} ({procedure_name}) đã được tiếp nhận.\n\n"
               "Thời gian hẹn trả kết quả: {appointment}.\nHình thức nhận kết quả: {result_return}.\n\n"
               "Giấy tiếp nhận hồ sơ và hẹn trả kết quả được lưu trên hệ thống. Tra cứu: {lookup_url}"),
        sms="Hồ sơ {code} đã được tiếp nhận. Hẹn trả kết quả: {appointment}.",
        inapp_title="Hồ sơ {code} đã được tiếp nhận", inapp="Hẹn trả kết quả: {appointment}."),
    _applicant(
        id="dossier-supplement-requested", version=1, required=True,
        description="what is missing, said once and completely (Decree 61/2018 Art. 15(4)(b), 19(4); Form 02)",
        subject="[Một cửa] Hồ sơ {code} cần bổ sung, hoàn thiện",
        email=("Kính gửi {applicant_name},\n\n"
               "Hồ sơ {code} ({procedure_name}) cần bổ sung, hoàn thiện các nội dung sau:\n\n{items_text}\n\n"
               "Ông/Bà vui lòng bổ sung đầy đủ một lần các nội dung trên để hồ sơ được tiếp tục giải quyết. "
               "Tra cứu: {lookup_url}"),
        sms="Hồ sơ {code} cần bổ sung: {items_inline}. Chi tiết xem thư điện tử hoặc Cổng dịch vụ công.",
        inapp_title="Hồ sơ {code} cần bổ sung, hoàn thiện", inapp="Nội dung cần bổ sung:\n{items_text}"),
    _applicant(
        id="dossier-refused", version=1, required=True,
        description="refused, with the reasons (Decree 61/2018 Art. 15(4)(c), 19(5); Form 03)",
        subject="[Một cửa] Hồ sơ {code} không được tiếp nhận giải quyết",
        email=("Kính gửi {applicant_name},\n\n"
               "Hồ sơ {code} ({procedure_name}) không được tiếp nhận giải quyết vì các lý do sau:\n\n{reasons_text}\n\n"
               "Phiếu từ chối tiếp nhận giải quyết hồ sơ được lưu trên hệ thống. Tra cứu: {lookup_url}"),
        sms="Hồ sơ {code} không được tiếp nhận giải quyết. Lý do: {reasons_inline}.",
        inapp_title="Hồ sơ {code} không được tiếp nhận giải quyết", inapp="Lý do:\n{reasons_text}"),
    _applicant(
        id="dossier-payment-requested", version=1, required=True,
        description="taxes, fees or charges to pay before processing continues (status 6)",
        subject="[Một cửa] Hồ sơ {code}: thực hiện nghĩa vụ tài chính",
        email=("Kính gửi {applicant_name},\n\n"
               "Để tiếp tục giải quyết hồ sơ {code} ({procedure_name}), Ông/Bà cần thực hiện nghĩa vụ tài chính: "
               "{description}, số tiền {amount}.\n\n"
               "Thời gian chờ thực hiện nghĩa vụ tài chính không tính vào thời hạn giải quyết hồ sơ."),
        sms="Hồ sơ {code}: đề nghị nộp {amount} ({description}) để tiếp tục giải quyết.",
        inapp_title="Hồ sơ {code}: thực hiện nghĩa vụ tài chính", inapp="Số tiền cần nộp: {amount} ({description})."),
    _applicant(
        id="dossier-status", version=1, required=False,
        description="a change of status the applicant may follow (processing, supplement received, paid)",
        subject="[Một cửa] Hồ sơ {code}: {status_name}",
        email=("Kính gửi {applicant_name},\n\n"
               "Hồ sơ {code} ({procedure_name}) chuyển sang trạng thái: {status_name}.\n\n{reason}\n\n"
               "Tra cứu: {lookup_url}"),
        sms="Hồ sơ {code}: {status_name}.",
        inapp_title="Hồ sơ {code}: {status_name}", inapp="{reason}"),
    _applicant(
        id="dossier-apology", version=1, required=True,
        description="apology and the new appointment, given once (Decree 61/2018 Art. 19(9); Form 04)",
        subject="[Một cửa] Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}",
        email=("Kính gửi {applicant_name},\n\n"
               "Cơ quan giải quyết xin lỗi Ông/Bà vì hồ sơ {code} ({procedure_name}) chưa được giải quyết đúng thời "
               "hạn đã hẹn ({old_appointment}).\n\nLý do: {reason}\n\n"
               "Thời gian hẹn trả kết quả mới: {new_appointment}.\n\nTra cứu: {lookup_url}"),
        sms="Xin lỗi Ông/Bà: hồ sơ {code} chưa được giải quyết đúng hẹn. Hẹn lại: {new_appointment}.",
        inapp_title="Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}",
        inapp="Thời gian hẹn mới: {new_appointment}. Lý do: {reason}"),
    _applicant(
        id="dossier-deadline-changed", version=1, required=True,
        description="the appointment moved: a calendar announcement, the clock restarted after a supplement",
        subject="[Một cửa] Hồ sơ {code}: thay đổi thời gian hẹn trả kết quả",
        email=("Kính gửi {applicant_name},\n\n"
               "Thời gian hẹn trả kết quả hồ sơ {code} ({procedure_name}) được điều chỉnh thành {new_appointment}."
               "\n\nLý do: {reason}\n\nTra cứu: {lookup_url}"),
        sms="Hồ sơ {code}: thời gian hẹn trả kết quả mới là {new_appointment}.",
        inapp_title="Hồ sơ {code}: thời gian hẹn trả kết quả mới",
        inapp="Hẹn trả kết quả: {new_appointment}. Lý do: {reason}"),
    _applicant(
        id="dossier-result-ready", version=1, required=True,
        description="the result is ready to be returned (status 9)",
        subject="[Một cửa] Hồ sơ {code} đã có kết quả",
        email=("Kính gửi {applicant_name},\n\n"
               "Hồ sơ {code} ({procedure_name}) đã có kết quả giải quyết.\n\n"
               "Hình thức nhận kết quả: {result_return}.\nThời gian hẹn trả kết quả: {appointment}.\n\n"
               "Tra cứu: {lookup_url}"),
        sms="Hồ sơ {code} đã có kết quả. Hình thức nhận: {result_return}.",
        inapp_title="Hồ sơ {code} đã có kết quả", inapp="Hình thức nhận kết quả: {result_return}."),
    _applicant(
        id="dossier-early-return", version=1, required=True,
        description="the result can be collected before the appointment, said in advance (Decree 61/2018 Art. 20(4))",
        subject="[Một cửa] Mời nhận kết quả hồ sơ {code} trước thời gian hẹn",
        email=("Kính gửi {applicant_name},\n\n"
               "Kết quả giải quyết hồ sơ {code} ({procedure_name}) đã sẵn sàng trước thời gian hẹn trả kết quả "
               "({appointment}). Ông/Bà có thể nhận kết quả từ nay ({result_return})."),
        sms="Kết quả hồ sơ {code} đã sẵn sàng trước hẹn ({appointment}). Mời Ông/Bà nhận kết quả.",
        inapp_title="Mời nhận kết quả hồ sơ {code} trước hẹn",
        inapp="Kết quả đã sẵn sàng trước thời gian hẹn {appointment}."),
    _applicant(
        id="dossier-result-returned", version=1, required=True,
        description="the result was handed over (status 10)",
        subject="[Một cửa] Hồ sơ {code} đã trả kết quả",
        email=("Kính gửi {applicant_name},\n\n"
               "Kết quả giải quyết hồ sơ {code} ({procedure_name}) đã được trả cho Ông/Bà ({method})."),
        sms="Hồ sơ {code} đã trả kết quả ({method}).",
        inapp_title="Hồ sơ {code} đã trả kết quả", inapp="Hình thức: {method}."),
    _applicant(
        id="dossier-closed", version=1, required=True,
        description="withdrawn (status 7) or processing stopped (status 8)",
        subject="[Một cửa] Hồ sơ {code}: dừng giải quyết",
        email=("Kính gửi {applicant_name},\n\n"
               "Hồ sơ {code} ({procedure_name}) đã dừng giải quyết: {closure}.\n\nLý do: {reason}"),
        sms="Hồ sơ {code} đã dừng giải quyết: {closure}.",
        inapp_title="Hồ sơ {code}: dừng giải quyết", inapp="{closure}. Lý do: {reason}"),
    _applicant(
        id="rating-request", version=1, required=False,
        description="ask the applicant to rate the service (Decree 61/2018 Art. 30)",
        subject="[Một cửa] Mời đánh giá việc giải quyết hồ sơ {code}",
        email=("Kính gửi {applicant_name},\n\n"
               "Cảm ơn Ông/Bà đã sử dụng dịch vụ. Mời Ông/Bà đánh giá mức độ hài lòng về việc giải quyết hồ sơ "
               "{code} ({procedure_name}) tại: {rating_url}"),
        sms="Mời Ông/Bà đánh giá mức độ hài lòng về hồ sơ {code}: {rating_url}",
        inapp_title="Mời đánh giá việc giải quyết hồ sơ {code}", inapp="Đánh giá tại: {rating_url}"),
    # -- petitions (phản ánh, kiến nghị) to their senders: the answer goes to the sender (Decision 766 5.2–5.3) --
    _applicant(
        id="petition-received", version=1, required=False,
        description="acknowledgement of a petition, with its code and the answer deadline (Decision 766 spec)",
        subject="[Một cửa] Đã nhận phản ánh, kiến nghị {petition_code}",
        email=("Kính gửi {sender_name},\n\n"
               "Hệ thống đã nhận phản ánh, kiến nghị của Ông/Bà lúc {received}.\n\n"
               "Mã phản ánh, kiến nghị: {petition_code}\nNội dung: {petition_title}\nCơ quan xử lý: {agency_name}\n\n"
               "Cơ quan sẽ quyết định tiếp nhận xử lý trước {decide_due} và trả lời trước {answer_due}.\n\n"
               "Theo dõi việc xử lý tại: {petition_url}"),
        sms="Đã nhận phản ánh, kiến nghị {petition_code}. Hạn trả lời: {answer_due}. Theo dõi: {petition_url}",
        inapp_title="Đã nhận phản ánh, kiến nghị {petition_code}",
        inapp="{petition_title} — cơ quan trả lời trước {answer_due}."),
    _applicant(
        id="petition-info-requested", version=1, required=True,
        description="the agency asks the sender of a petition for more information",
        subject="[Một cửa] Đề nghị bổ sung thông tin cho phản ánh, kiến nghị {petition_code}",
        email=("Kính gửi {sender_name},\n\n"
               "Để xử lý phản ánh, kiến nghị {petition_code} ({petition_title}), {agency_name} đề nghị Ông/Bà bổ "
               "sung:\n\n{request}\n\nBổ sung thông tin tại: {petition_url}"),
        sms="Phản ánh {petition_code} cần bổ sung thông tin: {request}. Bổ sung tại: {petition_url}",
        inapp_title="Cần bổ sung thông tin cho phản ánh {petition_code}", inapp="{request}"),
    _applicant(
        id="petition-refused", version=1, required=True,
        description="the agency refused to handle a petition, with the reason",
        subject="[Một cửa] Phản ánh, kiến nghị {petition_code} không được tiếp nhận xử lý",
        email=("Kính gửi {sender_name},\n\n"
               "{agency_name} không tiếp nhận xử lý phản ánh, kiến nghị {petition_code} ({petition_title}).\n\n"
               "Lý do: {reason}\n\nXem chi tiết và đánh giá tại: {petition_url}"),
        sms="Phản ánh {petition_code} không được tiếp nhận xử lý. Lý do: {reason}",
        inapp_title="Phản ánh {petition_code} không được tiếp nhận xử lý", inapp="Lý do: {reason}"),
    _applicant(
        id="petition-answered", version=1, required=True,
        description="the answer to a petition, sent to its sender, with the link to rate it (Decision 766 5.3)",
        subject="[Một cửa] Trả lời phản ánh, kiến nghị {petition_code}",
        email=("Kính gửi {sender_name},\n\n"
               "{agency_name} trả lời phản ánh, kiến nghị {petition_code} ({petition_title}) của Ông/Bà:\n\n"
               "{answer}\n\nKết luận: {conclusion}.\n\n"
               "Mời Ông/Bà đánh giá mức độ hài lòng với kết quả trả lời tại: {petition_url}"),
        sms="Phản ánh {petition_code} đã được trả lời. Xem và đánh giá: {petition_url}",
        inapp_title="Đã trả lời phản ánh {petition_code}", inapp="{answer}"),
    _applicant(
        id="result-posted", version=1, required=True,
        description="the result was handed to the public postal service, with its tracking code (Decision 45/2016)",
        subject="[Một cửa] Kết quả hồ sơ {code} đã được gửi qua bưu chính",
        email=("Kính gửi {applicant_name},\n\n"
               "Kết quả giải quyết hồ sơ {code} ({procedure_name}) đã được chuyển cho bưu chính công ích để phát "
               "đến Ông/Bà.\n\nSố hiệu bưu gửi: {tracking_code}\nDự kiến phát: {expected_delivery}.\n\n"
               "Khi nhận, vui lòng xuất trình giấy tờ tùy thân để nhân viên bưu chính kiểm tra."),
        sms="Kết quả hồ sơ {code} đã gửi qua bưu chính, số hiệu {tracking_code}, dự kiến phát {expected_delivery}.",
        inapp_title="Kết quả hồ sơ {code} đã gửi qua bưu chính",
        inapp="Số hiệu bưu gửi: {tracking_code}. Dự kiến phát: {expected_delivery}."),
    _applicant(
        id="postal-delivery-failed", version=1, required=True,
        description="a delivery attempt failed; the next one is two working days later (Circular 17/2017 Art. 5)",
        subject="[Một cửa] Chưa phát được kết quả hồ sơ {code} (lần {attempt})",
        email=("Kính gửi {applicant_name},\n\n"
               "Bưu chính chưa phát được kết quả hồ sơ {code} (bưu gửi {tracking_code}), lần phát thứ {attempt}.\n\n"
               "Lý do: {delivery_note}\n\nBưu chính sẽ phát lại vào {next_attempt}."),
        sms="Chưa phát được kết quả hồ sơ {code} (bưu gửi {tracking_code}) lần {attempt}. Phát lại: {next_attempt}.",
        inapp_title="Chưa phát được kết quả hồ sơ {code} (lần {attempt})",
        inapp="Lý do: {delivery_note}. Phát lại: {next_attempt}."),
    _applicant(
        id="postal-returned", version=1, required=True,
        description="two delivery attempts failed; the result went back to the agency (Circular 17/2017 Art. 5)",
        subject="[Một cửa] Kết quả hồ sơ {code} đã được chuyển trả về cơ quan",
        email=("Kính gửi {applicant_name},\n\n"
               "Bưu chính đã phát kết quả hồ sơ {code} (bưu gửi {tracking_code}) hai lần nhưng không thành công. "
               "Kết quả đã được chuyển trả về {agency_name}.\n\n"
               "Ông/Bà vui lòng liên hệ Bộ phận Một cửa để nhận kết quả."),
        sms="Kết quả hồ sơ {code} phát không thành công, đã chuyển trả về cơ quan. Mời Ông/Bà liên hệ Bộ phận Một cửa.",
        inapp_title="Kết quả hồ sơ {code} đã chuyển trả về cơ quan",
        inapp="Phát không thành công hai lần. Vui lòng liên hệ Bộ phận Một cửa."),
    _applicant(
        id="dossier-payment-requested", version=2, required=True,
        description="taxes, fees or charges to pay before processing continues (status 6), with where to pay online",
        subject="[Một cửa] Hồ sơ {code}: thực hiện nghĩa vụ tài chính",
        email=("Kính gửi {applicant_name},\n\n"
               "Để tiếp tục giải quyết hồ sơ {code} ({procedure_name}), Ông/Bà cần thực hiện nghĩa vụ tài chính: "
               "{description}, số tiền {amount}.\n\n"
               "Ông/Bà có thể thanh toán trực tuyến tại trang hồ sơ: {pay_url}\n\n"
               "Thời gian chờ thực hiện nghĩa vụ tài chính không tính vào thời hạn giải quyết hồ sơ."),
        sms="Hồ sơ {code}: đề nghị nộp {amount} ({description}) để tiếp tục giải quyết. Thanh toán: {pay_url}",
        inapp_title="Hồ sơ {code}: thực hiện nghĩa vụ tài chính",
        inapp="Số tiền cần nộp: {amount} ({description}). Thanh toán trực tuyến tại trang hồ sơ."),
    # -- payments (the payments service's events) ---------------------------------------------------------------
    _applicant(
        id="payment-requested", version=1, required=True,
        description="the fees and charges a dossier owes at filing, line by line, and where to pay them online",
        subject="[Một cửa] Hồ sơ {code}: phí, lệ phí cần nộp {amount}",
        email=("Kính gửi {applicant_name},\n\n"
               "Hồ sơ {code} ({procedure_name}) cần nộp phí, lệ phí:\n{lines_text}\nTổng cộng: {amount}.\n\n"
               "Ông/Bà thanh toán trực tuyến qua cổng thanh toán tại trang hồ sơ: {pay_url}\n\n"
               "Khi thanh toán thành công, Ông/Bà nhận được biên lai điện tử; hồ sơ được tiếp tục giải quyết."),
        sms="Hồ sơ {code}: cần nộp {amount} phí, lệ phí. Thanh toán trực tuyến: {pay_url}",
        inapp_title="Hồ sơ {code}: cần nộp {amount}", inapp="{lines_inline}. Thanh toán trực tuyến tại trang hồ sơ."),
    _applicant(
        id="payment-received", version=1, required=False,
        description="an online payment was received and its electronic receipt numbered",
        subject="[Một cửa] Đã nhận thanh toán {amount} cho hồ sơ {code}",
        email=("Kính gửi {applicant_name},\n\n"
               "Hệ thống đã nhận khoản thanh toán {amount} ({description}) cho hồ sơ {code} ({procedure_name}) qua "
               "cổng thanh toán, mã giao dịch {transaction_no}.\n\n"
               "Biên lai điện tử số: {receipt_number}.\n\nTra cứu tình trạng hồ sơ: {lookup_url}"),
        sms="Đã nhận {amount} cho hồ sơ {code}. Biên lai điện tử số {receipt_number}.",
        inapp_title="Đã nhận thanh toán hồ sơ {code}", inapp="{amount} — biên lai điện tử số {receipt_number}."),
    _applicant(
        id="payment-not-completed", version=1, required=False,
        description="an online payment attempt was cancelled, expired or failed (what is owed is still owed)",
        inapp_title="Thanh toán hồ sơ {code} chưa thành công",
        inapp="Giao dịch {order_id} {payment_outcome}. Ông/Bà có thể thanh toán lại tại trang hồ sơ."),
    _applicant(
        id="payment-waived", version=1, required=False,
        description="exemptions brought what a dossier owed to nothing",
        inapp_title="Hồ sơ {code} được miễn phí, lệ phí",
        inapp="{description}: Ông/Bà không phải nộp khoản này."),
    _applicant(
        id="payment-refunded", version=1, required=True,
        description="fees paid online were refunded (the dossier was refused or withdrawn before processing)",
        subject="[Một cửa] Hoàn trả {amount} phí, lệ phí hồ sơ {code}",
        email=("Kính gửi {applicant_name},\n\n"
               "Khoản {amount} Ông/Bà đã nộp cho hồ sơ {code} ({procedure_name}) đã được hoàn trả qua cổng "
               "thanh toán.\n\nLý do: {reason}"),
        sms="Hồ sơ {code}: đã hoàn trả {amount} phí, lệ phí qua cổng thanh toán.",
        inapp_title="Đã hoàn trả phí, lệ phí hồ sơ {code}", inapp="{amount}. Lý do: {reason}"),
    # -- to officers (in the officer console's inbox) ------------------------------------------------------------
    _officer(
        id="officer-payment-alert", version=1,
        description="a payment notice a person must look at: an amount that is not the order's, a charge paid twice",
        inapp_title="Cảnh báo thanh toán hồ sơ {code}", inapp="{alert_note}"),
    _officer(
        id="officer-sync-failed", version=1,
        description="the National Public Service Portal keeps refusing a dossier (Decision 766 indicator 1.4)",
        inapp_title="Hồ sơ {code} chưa đồng bộ lên Cổng Dịch vụ công quốc gia",
        inapp="{sync_error} (sau {attempts} lần gửi)."),
    _officer(
        id="officer-assigned", version=1, description="a dossier was assigned to this officer",
        inapp_title="Hồ sơ {code} được giao cho Anh/Chị", inapp="{procedure_name} — {step_name}, hạn {due}."),
    _officer(
        id="officer-agency-work", version=1,
        description="a dossier arrives at the agency's desk or queue (filed online, accepted for processing)",
        inapp_title="Hồ sơ {code}: {status_name}", inapp="{procedure_name} — {reason}"),
    _officer(
        id="officer-supplement-received", version=1, description="the applicant supplied the missing papers",
        inapp_title="Hồ sơ {code} đã được bổ sung", inapp="{procedure_name} — {reason}"),
    _officer(
        id="officer-due-soon", version=1, description="a step, consultation or appointment is near its due moment",
        inapp_title="Sắp đến hạn: hồ sơ {code}", inapp="{step_name} — hạn {due}."),
    _officer(
        id="officer-overdue", version=1, description="a step, consultation or appointment passed its due moment",
        inapp_title="Quá hạn: hồ sơ {code}", inapp="{step_name} — hạn {due} đã qua."),
    _officer(
        id="officer-consultation-requested", version=1, description="another unit asks this agency for an opinion",
        inapp_title="Đề nghị cho ý kiến về hồ sơ {code}", inapp="{question} — trả lời trước {due}."),
    _officer(
        id="officer-digest", version=1,
        description="one message per officer (or agency inbox) and period: the dossiers that became due soon, "
                    "went late or were assigned in it (services/notify/digests/)",
        subject="[Một cửa] Tổng hợp hồ sơ cần xử lý ({period}): {overdue_count} quá hạn, {due_soon_count} sắp đến hạn",
        email=("Kính gửi Anh/Chị,\n\n"
               "Trong khoảng {period}:\n"
               "- Số hồ sơ quá hạn: {overdue_count}\n"
               "- Số hồ sơ sắp đến hạn: {due_soon_count}\n"
               "- Số hồ sơ mới được giao: {assigned_count}\n\n"
               "{items_text}\n\n"
               "Xem danh sách hồ sơ trên trang cán bộ: {queue_url}"),
        inapp_title="Tổng hợp {period}: {overdue_count} hồ sơ quá hạn, {due_soon_count} hồ sơ sắp đến hạn",
        inapp=("Số hồ sơ quá hạn: {overdue_count}; sắp đến hạn: {due_soon_count}; mới được giao: {assigned_count}.\n"
               "{items_text}\nXem danh sách: {queue_url}")),
    _officer(
        id="officer-petition-received", version=1, description="a petition concerning this agency was received",
        inapp_title="Phản ánh, kiến nghị mới {petition_code}",
        inapp="{petition_title} — quyết định tiếp nhận trước {decide_due}, trả lời trước {answer_due}."),
    _officer(
        id="officer-petition-info-supplied", version=1, description="the sender of a petition gave the information "
                                                                   "asked for",
        inapp_title="Người gửi đã bổ sung thông tin cho phản ánh {petition_code}",
        inapp="{petition_title} — trả lời trước {answer_due}."),
    _officer(
        id="officer-petition-due-soon", version=1, description="a petition's deadline is near",
        inapp_title="Sắp đến hạn: phản ánh {petition_code}", inapp="{stage} — hạn {due}."),
    _officer(
        id="officer-petition-overdue", version=1, description="a petition's deadline passed",
        inapp_title="Quá hạn: phản ánh {petition_code}", inapp="{stage} — hạn {due} đã qua."),
    _officer(
        id="officer-petition-rated", version=1, description="the sender rated the agency's answer to a petition",
        inapp_title="Người gửi {satisfied} với trả lời phản ánh {petition_code}", inapp="{petition_title}"),
    _officer(
        id="officer-postal-returned", version=1,
        description="the postal service brought a result back after two failed delivery attempts",
        inapp_title="Kết quả hồ sơ {code} bị chuyển trả về", inapp="Bưu gửi {tracking_code}: {delivery_note}"),
]


def _named(template: Template) -> Template:
    """The next version of a template that showed the receiving desk's code: people read its name."""
    return replace(template, version=template.version + 1,
                   email=template.email.replace("{agency_code}", "{receiving_agency_name}"))


# v2 of the filing acknowledgements names the receiving desk (v1 stays for messages planned with it).
TEMPLATES_LIST += [_named(t) for t in TEMPLATES_LIST if t.id in ("dossier-submitted", "dossier-received-by-post")]

TEMPLATES = {(t.id, t.version): t for t in TEMPLATES_LIST}
LATEST = {t.id: t for t in sorted(TEMPLATES_LIST, key=lambda t: t.version)}


class UnknownTemplate(LookupError):
    pass


def get_template(template_id: str, version: int | None = None) -> Template:
    """A template at a version (the latest when ``version`` is None)."""
    found = LATEST.get(template_id) if version is None else TEMPLATES.get((template_id, version))
    if found is None:
        raise UnknownTemplate(f"{template_id} v{version}" if version else template_id)
    return found


def versions(template_id: str) -> list[Template]:
    return sorted((t for t in TEMPLATES_LIST if t.id == template_id), key=lambda t: t.version)
