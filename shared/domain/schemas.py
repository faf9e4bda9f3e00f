"""Value objects of a dossier that both the intake API and the events carry: applicant, address, contact,
result return and attachment metadata. One definition, so the API and the event contract cannot drift."""

from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, post_load, pre_dump, validates_schema

from shared.calendar.model import TimeLimit, Unit
from shared.domain import fields as f
from shared.domain.channels import ResultReturnMethod
from shared.domain.statuses import DossierStatus

PHONE_RE = r"^(\+84|0)\d{9,10}$"
CITIZEN_ID_RE = r"^(\d{12}|\d{9})$"         # personal identification number (12) or old ID card (9)
TAX_CODE_RE = r"^\d{10}(-\d{3})?$"           # organisation tax code, branch suffix optional
# either of the two: what the document can say of the field alone (which one depends on ``kind``)
ID_NUMBER_RE = r"^(\d{12}|\d{9}|\d{10}(-\d{3})?)$"
COPY_KINDS = ("original", "copy", "certified_copy")   # bản chính, bản sao, bản sao chứng thực
MEDIA_TYPES = (
    "application/pdf", "image/jpeg", "image/png", "application/xml",
    "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class AddressSchema(f.VnSchema):
    line = f.String(required=True, validate=f.length(max=200))
    commune_code = f.String(required=True, validate=f.matches(r"^\d{5}$", "Mã xã/phường gồm 5 chữ số."))
    province_code = f.String(required=True, validate=f.matches(r"^\d{2}$", "Mã tỉnh/thành phố gồm 2 chữ số."))
    commune_name = f.String(validate=f.length(max=100))
    province_name = f.String(validate=f.length(max=100))


class ApplicantSchema(f.VnSchema):
    kind = f.String(required=True, validate=f.one_of(("citizen", "organisation")))
    full_name = f.String(required=True, validate=f.length(max=150))
    id_number = f.String(required=True, validate=[f.length(max=20), f.matches(ID_NUMBER_RE, (
        "Số định danh cá nhân gồm 12 chữ số (hoặc 9 chữ số với CMND cũ); mã số thuế của tổ chức gồm 10 chữ số, "
        "có thể kèm -XXX cho chi nhánh."))], metadata={
        "description": "citizen: personal identification number (12 digits, or 9 of an old ID card); "
                       "organisation: tax code (10 digits, optionally -XXX for a branch)"})
    date_of_birth = f.BirthDate()
    address = f.Nested(AddressSchema)

    @validates_schema
    def _id_number_matches_kind(self, data, **kwargs):
        kind, number = data.get("kind"), data.get("id_number")
        if kind == "citizen" and number and not re.match(CITIZEN_ID_RE, number):
            raise ValidationError("Số định danh cá nhân gồm 12 chữ số (hoặc 9 chữ số với CMND cũ).", "id_number")
        if kind == "organisation" and number and not re.match(TAX_CODE_RE, number):
            raise ValidationError("Mã số thuế gồm 10 chữ số, có thể kèm -XXX cho chi nhánh.", "id_number")


class ContactSchema(f.VnSchema):
    email = f.Email()
    phone = f.String(validate=f.matches(PHONE_RE, "Số điện thoại không hợp lệ (ví dụ 0912345678)."))
    sms_opt_out = f.Boolean(load_default=False, metadata={
        "description": "no optional SMS (status changes, rating); legally required notices are still sent"})

    @validates_schema
    def _reachable(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ValidationError("Cần ít nhất thư điện tử hoặc số điện thoại để liên hệ.", "_schema")


class ResultReturnSchema(f.VnSchema):
    method = f.String(required=True, validate=f.one_of([m.value for m in ResultReturnMethod]))
    address = f.Nested(AddressSchema)
    recipient_name = f.String(validate=f.length(max=150))
    recipient_phone = f.String(validate=f.matches(PHONE_RE, "Số điện thoại không hợp lệ (ví dụ 0912345678)."))

    @validates_schema
    def _postal_needs_address(self, data, **kwargs):
        # The dispatch slip must name the recipient's address and phone (Circular 17/2017 Art. 9).
        if data.get("method") == ResultReturnMethod.POST:
            missing = {}
            if not data.get("address"):
                missing["address"] = ["Nhận kết quả qua bưu chính cần địa chỉ nhận."]
            if not data.get("recipient_phone"):
                missing["recipient_phone"] = ["Nhận kết quả qua bưu chính cần số điện thoại người nhận."]
            if missing:
                raise ValidationError(missing)


class SubmitterSchema(f.VnSchema):
    """Who handed the dossier in when it is not the applicant: an authorised person, a hired service
    (Decree 61/2018 Art. 16(2)); recorded at the counter."""

    full_name = f.String(required=True, validate=f.length(max=150))
    id_number = f.String(required=True, validate=f.matches(CITIZEN_ID_RE, "Số định danh cá nhân gồm 12 chữ số."))
    relation = f.String(required=True, validate=f.one_of(("self", "authorised")))
    authorisation = f.String(validate=f.length(max=300), metadata={"description": "the authorisation paper"})
    phone = f.String(validate=f.matches(PHONE_RE, "Số điện thoại không hợp lệ (ví dụ 0912345678)."))

    @validates_schema
    def _authorised_needs_paper(self, data, **kwargs):
        if data.get("relation") == "authorised" and not data.get("authorisation"):
            raise ValidationError("Người được ủy quyền cần có giấy ủy quyền.", "authorisation")


class AttachmentSchema(f.VnSchema):
    component = f.String(required=True, validate=f.length(max=300))
    component_code = f.String(validate=f.length(max=40), metadata={"description": "the procedure's component"})
    file_name = f.String(required=True, validate=f.length(max=255))
    media_type = f.String(required=True, validate=f.one_of(MEDIA_TYPES))
    size_bytes = f.Integer(required=True, validate=f.in_range(min=1, max=MAX_ATTACHMENT_BYTES))
    sha256 = f.String(required=True, validate=f.matches(r"^[0-9a-f]{64}$", "Mã băm SHA-256 gồm 64 ký tự hex."))
    copy_kind = f.String(required=True, validate=f.one_of(COPY_KINDS))
    file_id = f.String(validate=f.length(max=64), metadata={
        "description": "the upload at intake (POST /uploads) holding the file; set by intake when filing"})


def status_field() -> fields.Function:
    """A dossier's status in responses: ``{"code": 1, "name": "Mới đăng ký"}``."""

    def dump(dossier) -> dict:
        status = DossierStatus(dossier["status"])
        return {"code": status.value, "name": status.vietnamese}

    return fields.Function(dump, metadata={
        "type": "object",
        "description": "code 1-10 as in the National Public Service Portal, and its Vietnamese name",
        "properties": {"code": {"type": "integer"}, "name": {"type": "string"}},
    })


class TimeLimitSchema(f.VnSchema):
    """A time limit with its unit (``{"value": "0.5", "unit": "working_days"}``), kept as the exact decimal
    string so allotments add up without float error."""

    value = f.String(required=True, validate=f.matches(r"^\d{1,4}(\.\d{1,2})?$",
                                                      "Số không âm, tối đa hai chữ số thập phân (ví dụ 0.5)."))
    unit = f.String(required=True, validate=f.one_of([u.value for u in Unit]))

    @post_load
    def _limit(self, data, **kwargs) -> TimeLimit:
        return TimeLimit(Decimal(data["value"]), Unit(data["unit"]))

    @pre_dump
    def _document(self, limit, **kwargs):
        return limit.to_document() if isinstance(limit, TimeLimit) else limit


class AnnouncementSchema(f.VnSchema):
    """A yearly notice changing which days are worked: extra days off and make-up working days."""

    id = f.String(required=True, validate=f.matches(r"^[a-z0-9][a-z0-9-]{2,60}$", "Chữ thường, số và dấu -."))
    title = f.String(required=True, validate=f.length(max=300))
    reference = f.String(required=True, validate=f.length(max=300),
                         metadata={"description": "the instrument, e.g. Công văn 12729/VPCP-KGVX ngày 25/12/2025"})
    days_off = f.List(f.IsoDate(), load_default=list, validate=f.items(max=60))
    working_days = f.List(f.IsoDate(), load_default=list, validate=f.items(max=60))

    @validates_schema
    def _not_both(self, data, **kwargs):
        both = set(data.get("days_off", [])) & set(data.get("working_days", []))
        if both:
            raise ValidationError(f"Một ngày không thể vừa nghỉ vừa làm việc: {', '.join(sorted(both))}.",
                                  "working_days")
        if not data.get("days_off") and not data.get("working_days"):
            raise ValidationError("Cần ít nhất một ngày nghỉ hoặc ngày làm việc bù.", "days_off")


class NoteSchema(Schema):
    kind = fields.String(metadata={"description": "start, cutoff, skipped, make_up, stop, roll_forward or due"})
    text = fields.String(metadata={"description": "the explanation line, in Vietnamese"})
    day = fields.String(allow_none=True)


class DeadlineSchema(Schema):
    """A computed due moment that explains itself: which days were skipped and why."""

    start = fields.AwareDateTime()
    counted_from = fields.AwareDateTime()
    due = fields.AwareDateTime()
    limit = fields.Nested(TimeLimitSchema)
    notes = fields.List(fields.Nested(NoteSchema))
    calendar_version = fields.String()
