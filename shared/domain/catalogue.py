"""The procedure catalogue as every service sees it: agencies and procedure versions with their internal
process. The workflow service owns and publishes them; others keep a read copy from the events, whose
payloads are these schemas (one definition for the API and the event contract).

What a procedure must define comes from the national TTHC database fields (Circular 01/2018 Art. 3, 10(1)(b);
Decree 42/2022 Art. 12; domain.md §5.4, §9): code, name, field, competent agency, time limit with its unit,
fees, dossier components (originals/copies, required or not), online level, postal availability,
non-boundary flag, result type — and the approved internal process (Circular 01/2018 Art. 8).
"""

from __future__ import annotations

from marshmallow import ValidationError as MaValidationError
from marshmallow import validates_schema

from shared.auth.roles import OFFICER_ROLES
from shared.domain import fields as f
from shared.domain.identifiers import AGENCY_CODE_RE, PROCEDURE_CODE_RE
from shared.domain.schemas import AddressSchema, TimeLimitSchema

AGENCY_LEVELS = ("central", "province", "district", "commune")
DRAFT, PUBLISHED_VERSION = "draft", "published"   # the states of a procedure version
ONLINE_LEVELS = ("full", "partial", "none")   # toàn trình, một phần (Decree 42/2022 Art. 11(1)), none
RESULT_TYPES = ("paper", "electronic", "both")
STEP_KINDS = (
    "reception",             # tiếp nhận, kiểm tra (the one-stop desk)
    "assignment",            # phân công (head of the competent unit)
    "appraisal",             # thẩm định, xử lý
    "review",                # xem xét, trình
    "approval",              # phê duyệt, ký
    "clerical",              # vào sổ, đóng dấu, phát hành (văn thư)
    "inter_agency",          # a step at another agency (same or another level)
    "financial_obligation",  # determination of taxes and fees by another body (status 6 waits on it)
    "return",                # trả kết quả: never counted in the time limit
)
AGENCY_REFS = ("receiving", "competent")
# a step's agency: one of the references or an agency code, as the document's pattern says
STEP_AGENCY_RE = rf"^({'|'.join(AGENCY_REFS)}|{AGENCY_CODE_RE.pattern.strip('^$')})$"
ELECTRONIC_ID_RE = r"^[A-Z]\d{2}\.\d{3}\.\d{2}$"  # MX1X2.Y1Y2Y3.Z1Z2 (Circular 03/2025 Art. 13(3))

_AGENCY_CODE = "Mã cơ quan theo QCVN 102:2016, ví dụ 000.00.12.H29."


class AgencySchema(f.VnSchema):
    code = f.String(required=True, validate=f.matches(AGENCY_CODE_RE, _AGENCY_CODE))
    name = f.String(required=True, validate=f.length(max=250))
    level = f.String(required=True, validate=f.one_of(AGENCY_LEVELS))
    parent_code = f.String(allow_none=True, load_default=None, validate=f.matches(AGENCY_CODE_RE, _AGENCY_CODE))
    province_code = f.String(required=True, validate=f.matches(r"^\d{2}$", "Mã tỉnh/thành phố gồm 2 chữ số."))
    electronic_id = f.String(allow_none=True, load_default=None, validate=f.matches(
        ELECTRONIC_ID_RE, "Mã định danh điện tử dạng MX1X2.Y1Y2Y3.Z1Z2, ví dụ H29.101.05."))
    one_stop = f.Boolean(load_default=False, metadata={"description": "has a one-stop desk that receives dossiers"})
    address = f.Nested(AddressSchema, allow_none=True, load_default=None, metadata={
        "description": "where the desk is: the postal service's sender or recipient address"})
    valid_from = f.IsoDate(load_default="2018-06-21")
    valid_until = f.IsoDate(allow_none=True, load_default=None)


class ComponentSchema(f.VnSchema):
    code = f.String(required=True, validate=f.matches(r"^[a-z0-9][a-z0-9-]{0,39}$", "Chữ thường, số và dấu -."))
    name = f.String(required=True, validate=f.length(max=300))
    originals = f.Integer(load_default=0, validate=f.in_range(min=0, max=20))
    copies = f.Integer(load_default=0, validate=f.in_range(min=0, max=20))
    required = f.Boolean(load_default=True)


# Fees and charges of a procedure (domain.md §2.9). A line is a fee (lệ phí) or a charge (phí); it is paid either
# at the desk or by transfer (Decree 61/2018 Art. 22(1)(a)-(b): "counter", the default, as before this field
# existed) or online when the dossier is filed, through the system's payment function and a lawful gateway
# (Art. 22(1)(c), 25(2)(d), 25(6); Decree 224/2026 Art. 15(1)(đ): "filing"). Exemptions name who pays less
# (rate: the share waived, 100 = free) and the instrument that says so.
FEE_KINDS = ("fee", "charge")         # lệ phí, phí
FEE_TIMINGS = ("counter", "filing")
LINE_CODE_RE = r"^[a-z0-9][a-z0-9-]{0,39}$"


class ExemptionSchema(f.VnSchema):
    code = f.String(required=True, validate=f.matches(LINE_CODE_RE, "Chữ thường, số và dấu -."))
    name = f.String(required=True, validate=f.length(max=300), metadata={"description": "who is exempted"})
    rate = f.Integer(load_default=100, validate=f.in_range(min=1, max=100),
                     metadata={"description": "percentage of the line waived (100: free)"})
    legal_basis = f.String(allow_none=True, load_default=None, validate=f.length(max=500))


class FeeSchema(f.VnSchema):
    code = f.String(allow_none=True, load_default=None, validate=f.matches(LINE_CODE_RE, "Chữ thường, số và dấu -."),
                    metadata={"description": "the line's code (its position, line-1, line-2…, when absent)"})
    name = f.String(required=True, validate=f.length(max=200))
    amount = f.Integer(required=True, validate=f.in_range(min=0, max=10**12), metadata={"description": "VND"})
    per = f.String(allow_none=True, load_default=None, validate=f.length(max=50),
                   metadata={"description": "e.g. trang (per page)"})
    kind = f.String(load_default="fee", validate=f.one_of(FEE_KINDS), metadata={
        "description": "fee (lệ phí) or charge (phí)"})
    when = f.String(load_default="counter", validate=f.one_of(FEE_TIMINGS), metadata={
        "description": "counter: paid at the desk or by transfer; filing: paid online when the dossier is filed"})
    exemptions = f.List(f.Nested(ExemptionSchema), load_default=list, validate=f.items(max=20))


class StepSchema(f.VnSchema):
    code = f.String(required=True, validate=f.matches(r"^[a-z0-9][a-z0-9-]{0,39}$", "Chữ thường, số và dấu -."))
    name = f.String(required=True, validate=f.length(max=300))
    kind = f.String(required=True, validate=f.one_of(STEP_KINDS))
    role = f.String(required=True, validate=f.one_of(sorted(r.value for r in OFFICER_ROLES)))
    agency = f.String(required=True, validate=f.matches(STEP_AGENCY_RE, "Dùng receiving, competent hoặc một mã cơ quan "
                                                                 "QCVN 102:2016."), metadata={
        "description": "receiving, competent, or an agency code (another agency: inter-agency step)"})
    allotted = f.Nested(TimeLimitSchema, required=True)
    counted = f.Boolean(load_default=True, metadata={"description": "counted in the legal time limit"})
    group = f.String(allow_none=True, load_default=None, validate=f.length(max=40), metadata={
        "description": "steps sharing a group run in parallel; the group counts once, for its longest step"})


class CentralServiceSchema(f.VnSchema):
    platform_code = f.String(required=True, validate=f.matches(r"^\d{2}$", "Hai chữ số (AA)."))


class ProcedureSchema(f.VnSchema):
    code = f.String(required=True, validate=f.matches(PROCEDURE_CODE_RE, "Mã thủ tục có dạng 1.001806."))
    name = f.String(required=True, validate=f.length(max=500))
    field = f.String(required=True, validate=f.length(max=200), metadata={"description": "lĩnh vực"})
    competent_agency_code = f.String(required=True, validate=f.matches(AGENCY_CODE_RE, _AGENCY_CODE))
    receiving_agency_codes = f.List(f.String(validate=f.matches(AGENCY_CODE_RE, _AGENCY_CODE)), required=True,
                                    validate=f.items(min=1, max=200))
    time_limit = f.Nested(TimeLimitSchema, required=True)
    fees = f.List(f.Nested(FeeSchema), load_default=list, validate=f.items(max=20))
    components = f.List(f.Nested(ComponentSchema), required=True, validate=f.items(max=60))
    online = f.String(required=True, validate=f.one_of(ONLINE_LEVELS))
    post_allowed = f.Boolean(required=True)
    non_boundary = f.Boolean(load_default=False, metadata={"description": "received regardless of administrative "
                                                                          "boundary (Decree 118/2025 Art. 14(2))"})
    result_type = f.String(required=True, validate=f.one_of(RESULT_TYPES))
    immediate_result = f.Boolean(load_default=False, metadata={
        "description": "decided on the spot: no receipt (Form 01) unless asked (Decree 61/2018 Art. 17(4))"})
    central_service = f.Nested(CentralServiceSchema, allow_none=True, load_default=None, metadata={
        "description": "centrally provided service: dossier codes of format B (Circular 03/2025 Art. 13(3))"})
    process = f.List(f.Nested(StepSchema), required=True, validate=f.items(min=2, max=40))
    legal_basis = f.List(f.String(validate=f.length(max=500)), load_default=list, validate=f.items(max=30),
                         metadata={"description": "căn cứ pháp lý: the instruments the procedure rests on"})

    @validates_schema
    def _fee_lines(self, data, **kwargs):
        codes = [fee_line_code(fee, index) for index, fee in enumerate(data.get("fees") or [])]
        if len(set(codes)) != len(codes):
            raise MaValidationError("Mã các dòng phí, lệ phí không được trùng nhau.", "fees")


def fee_line_code(fee: dict, index: int) -> str:
    """A fee line's code: its own, or its position (line-1, line-2…) in the procedure version."""
    return fee.get("code") or f"line-{index + 1}"


class ProcedureVersionSchema(ProcedureSchema):
    """A procedure version as published (events and API)."""

    version = f.Integer(required=True)
    status = f.String(required=True, validate=f.one_of((DRAFT, PUBLISHED_VERSION)))
    valid_from = f.IsoDate(allow_none=True)
    valid_until = f.IsoDate(allow_none=True)
    published_at = f.AwareDateTime(allow_none=True)
