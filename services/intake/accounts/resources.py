from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import abort

from services.intake.accounts import service, throttle
from services.intake.accounts.document import principal_of
from services.intake.accounts.schemas import (
    AccountPageSchema,
    AccountSchema,
    ApplicantRegistrationSchema,
    CredentialsSchema,
    OfficerCreationSchema,
    OfficersArgs,
    RolesSchema,
    TokenSchema,
)
from services.intake.storage import db
from shared.api.app import service_context
from shared.api.idempotency import IdempotencyKey, created
from shared.api.pagination import after, page
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
        return created(account, new, f"/accounts/officers/{account['_id']}")

    @requires(officer(Role.ADMIN), officer(Role.AGENCY_HEAD, agency_of=lambda **_: request.args.get("agency_code")))
    @blp.arguments(OfficersArgs, location="query")
    @blp.response(200, AccountPageSchema)
    def get(self, args):
        """The officer accounts of an agency (or post office), active or not, by username: for administrators,
        and for an agency's head (their own agency's, to assign a handler)."""
        return page(service.officers_of(db(), args["agency_code"], limit=args["limit"], after_values=after(args, 2)))


@blp.route("/accounts/officers/<string:account_id>")
class OfficerItem(MethodView):
    @requires(officer(Role.ADMIN))
    @blp.response(200, AccountSchema)
    def get(self, account_id):
        """One officer account (administrators)."""
        return service.officer(db(), account_id)


@blp.route("/accounts/officers/<string:account_id>/roles")
class OfficerRoles(MethodView):
    @requires(officer(Role.ADMIN))
    @blp.arguments(RolesSchema)
    @blp.response(200, AccountSchema)
    @blp.alt_response(409, description="An administrator cannot take away their own administration right")
    def put(self, data, account_id):
        """Replace an officer's roles; they must suit where the officer works (postal staff: a post office,
        no other role). The new roles are in the officer's next token."""
        return service.change_roles(db(), service_context().settings, account_id, data["roles"],
                                    current_principal())


@blp.route("/accounts/officers/<string:account_id>/deactivate")
class OfficerDeactivation(MethodView):
    @requires(officer(Role.ADMIN))
    @blp.response(200, AccountSchema)
    @blp.alt_response(409, description="An administrator cannot deactivate their own account")
    def post(self, account_id):
        """The officer can no longer sign in (a token already issued expires within AUTH_TOKEN_TTL_SECONDS).
        Deactivating an inactive account changes nothing."""
        return service.deactivate(db(), service_context().settings, account_id, current_principal())


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
