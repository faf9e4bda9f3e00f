from __future__ import annotations

from marshmallow import Schema, fields

from shared.auth.roles import OFFICER_ROLES
from shared.domain import fields as f
from shared.domain.identifiers import AGENCY_CODE_RE
from shared.domain.schemas import CITIZEN_ID_RE, PHONE_RE

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
    agency_code = f.String(required=True, validate=f.matches(
        AGENCY_CODE_RE, "Mã cơ quan theo QCVN 102:2016, ví dụ 000.00.12.H29."))
    email = f.Email()
