from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import abort

from services.intake.accounts import service, throttle
from services.intake.accounts.document import principal_of
from services.intake.accounts.schemas import (
    AccountSchema,
    ApplicantRegistrationSchema,
    CredentialsSchema,
    OfficerCreationSchema,
    TokenSchema,
)
from services.intake.storage import db
from shared.api.app import service_context
from shared.api.idempotency import IdempotencyKey, created
from shared.api.parsing import Blueprint
from shared.auth.policy import PUBLIC, applicant, current_principal, officer, requires
from shared.auth.roles import OFFICER_ROLES, Role
from shared.clock import utc_now
from shared.domain.idempotency import scoped

blp = Blueprint("accounts", __name__, description="Accounts and sign-in")


@blp.route("/auth/token")
class Tokens(MethodView):
    @requires(PUBLIC)
    @blp.arguments(CredentialsSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(429, description="Too many failed sign-ins: wait Retry-After seconds")
    def post(self, credentials):
        """Sign in: exchange a username and password for an access token. Repeated failures lock the account
        and the client address for a while (429 with Retry-After; see accounts/throttle.py)."""
        now, address, username = utc_now(), request.remote_addr, credentials["username"]
        wait = throttle.wait_seconds(db(), username, address, now)
        if wait:
            minutes = max(1, -(-wait // 60))
            abort(429, message=f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
                  headers={"Retry-After": str(wait)})
        account = service.authenticate(db(), username, credentials["password"])
        if account is None:
            throttle.failed(db(), username, address, now)
            abort(401, message="Tên đăng nhập hoặc mật khẩu không đúng.")
        throttle.succeeded(db(), username)
        context = service_context()
        return {
            "access_token": context.extras["token_issuer"].issue(principal_of(account)),
            "token_type": "Bearer",
            "expires_in": context.settings.auth_token_ttl_seconds,
            "account": account,
        }


@blp.route("/accounts/applicants")
class Applicants(MethodView):
    @requires(PUBLIC)
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(ApplicantRegistrationSchema)
    @blp.response(201, AccountSchema)
    @blp.alt_response(200, schema=AccountSchema, description="replayed: the account registered under this key")
    @blp.alt_response(409, description="The username is taken")
    def post(self, data, idempotency_key):
        """Register an applicant account (citizen or organisation representative). Nobody is signed in yet, so
        an Idempotency-Key is scoped to the username asked for."""
        key = scoped(f"applicant:{data['username'].lower()}", idempotency_key)
        try:
            account, new = service.register_applicant(db(), service_context().settings, idempotency_key=key, **data)
        except service.UsernameTaken:
            abort(409, message="Tên đăng nhập đã được sử dụng.")
        return created(account, new)


@blp.route("/accounts/officers")
class Officers(MethodView):
    @requires(officer(Role.ADMIN))
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(OfficerCreationSchema)
    @blp.response(201, AccountSchema)
    @blp.alt_response(200, schema=AccountSchema, description="replayed: the account created under this key")
    @blp.alt_response(409, description="The username is taken")
    def post(self, data, idempotency_key):
        """Create an officer account with its roles and agency (system administrators)."""
        key = scoped(current_principal().subject, idempotency_key)
        try:
            account, new = service.create_officer(db(), service_context().settings, idempotency_key=key, **data)
        except service.UsernameTaken:
            abort(409, message="Tên đăng nhập đã được sử dụng.")
        return created(account, new)


@blp.route("/accounts/me")
class Me(MethodView):
    @requires(applicant(), officer(*OFFICER_ROLES))
    @blp.response(200, AccountSchema)
    def get(self):
        """The signed-in account."""
        account = service.get(db(), current_principal().subject)
        if account is None:
            abort(404)
        return account
