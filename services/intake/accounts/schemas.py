from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validates_schema

from shared.auth.roles import OFFICER_ROLES, Role
from shared.domain import fields as f
from shared.domain.identifiers import AGENCY_CODE_RE
from shared.domain.schemas import CITIZEN_ID_RE, PHONE_RE

POST_OFFICE_RE = r"^\d{6}$"
# an agency code or, for postal staff, a post office code: the field alone; which one is the roles' rule
OFFICE_RE = rf"^({AGENCY_CODE_RE.pattern.strip('^$')}|{POST_OFFICE_RE.strip('^$')})$"
PASSWORD = f.Secret(required=True, load_only=True, validate=f.length(min=8, max=128))


class CredentialsSchema(f.VnSchema):
    username = f.String(required=True, validate=f.length(max=100))
    password = f.Secret(required=True, load_only=True, validate=f.length(min=1, max=128))


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String(metadata={"description": "always Bearer"})
    expires_in = fields.Integer(metadata={"description": "seconds"})
    account = fields.Nested(lambda: AccountSchema())


class ApplicantRegistrationSchema(f.VnSchema):
    username = f.String(required=True, validate=[
        f.length(min=3, max=100),
        f.matches(r"^[A-Za-z0-9._@+-]+$", "Chỉ dùng chữ không dấu, chữ số và . _ @ + -"),
    ])
    password = PASSWORD
    full_name = f.String(required=True, validate=f.length(max=150))
    id_number = f.String(validate=f.matches(CITIZEN_ID_RE, "Số định danh cá nhân gồm 12 chữ số."))
    email = f.Email()
    phone = f.String(validate=f.matches(PHONE_RE, "Số điện thoại không hợp lệ (ví dụ 0912345678)."))


class AccountSchema(Schema):
    id = fields.String(attribute="_id")
    username = fields.String()
    kind = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.String())
    agency_code = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class OfficerCreationSchema(f.VnSchema):
    username = f.String(required=True, validate=f.length(min=3, max=100))
    password = PASSWORD
    full_name = f.String(required=True, validate=f.length(max=150))
    roles = f.List(f.String(validate=f.one_of(sorted(r.value for r in OFFICER_ROLES))), required=True,
                   validate=f.items(min=1, max=len(OFFICER_ROLES)))
    agency_code = f.String(required=True, validate=f.matches(OFFICE_RE, (
        "Mã cơ quan theo QCVN 102:2016 (ví dụ 000.00.12.H29), hoặc mã bưu cục gồm 6 chữ số cho nhân viên bưu "
        "chính.")), metadata={"description": "the agency (QCVN 102:2016 code); for postal staff only, their post "
                                            "office (six-digit code)"})
    email = f.Email()

    @validates_schema
    def _office_of_the_roles(self, data, **kwargs):
        """Postal staff belong to a post office (mã bưu cục), every other officer to an agency."""
        roles, code = data.get("roles") or [], data.get("agency_code") or ""
        if roles == [Role.POSTAL_STAFF.value] and not re.fullmatch(POST_OFFICE_RE, code):
            raise ValidationError("Nhân viên bưu chính thuộc một bưu cục: mã bưu cục gồm 6 chữ số.", "agency_code")
        if roles != [Role.POSTAL_STAFF.value] and not AGENCY_CODE_RE.match(code):
            raise ValidationError("Mã cơ quan theo QCVN 102:2016, ví dụ 000.00.12.H29.", "agency_code")
