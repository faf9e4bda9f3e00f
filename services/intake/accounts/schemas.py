from __future__ import annotations

from marshmallow import Schema, fields

from services.intake.accounts.rules import OFFICE_RE
from shared.api.pagination import PageArgs, page_schema
from shared.auth.roles import OFFICER_ROLES
from shared.domain import fields as f
from shared.domain.schemas import CITIZEN_ID_RE, PHONE_RE

OFFICE_HINT = "Mã cơ quan theo QCVN 102:2016 (ví dụ 000.00.12.H29), hoặc mã bưu cục gồm 6 chữ số."
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
    active = fields.Boolean(metadata={"description": "false: deactivated, cannot sign in"})
    created_at = fields.AwareDateTime()


ROLES = f.List(f.String(validate=f.one_of(sorted(r.value for r in OFFICER_ROLES))), required=True,
               validate=f.items(min=1, max=len(OFFICER_ROLES)))


class OfficerCreationSchema(f.VnSchema):
    username = f.String(required=True, validate=f.length(min=3, max=100))
    password = PASSWORD
    full_name = f.String(required=True, validate=f.length(max=150))
    roles = ROLES
    agency_code = f.String(required=True, validate=f.matches(OFFICE_RE, OFFICE_HINT), metadata={
        "description": "QCVN 102:2016 agency code; for postal staff the six-digit post office code (mã bưu cục); "
                       "which one the roles need is checked with them (422 on agency_code)"})
    email = f.Email()


class RolesSchema(f.VnSchema):
    roles = ROLES


class OfficersArgs(PageArgs):
    agency_code = f.String(required=True, validate=f.matches(OFFICE_RE, OFFICE_HINT), metadata={
        "description": "the agency (or, for postal staff, the post office) whose officers to list"})


AccountPageSchema = page_schema(AccountSchema, "AccountPage")
