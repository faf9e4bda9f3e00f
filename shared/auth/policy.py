"""Auth policies, declared on each view where it is defined, enforced in one place.

    class DossierItem(MethodView):
        @requires(applicant_owner(owner_of=dossier_owner), officer(Role.COUNTER_OFFICER, agency_of=...))
        @blp.response(200, DossierSchema)
        def get(self, dossier_id): ...

A view may list several policies; the request is allowed if any of them allows it. Kinds:

- :data:`PUBLIC` — anyone, no token needed;
- :func:`applicant` / :func:`applicant_owner` — a signed-in applicant; with ``owner_of`` only the owner of
  the resource (anyone else gets 404, so codes cannot be probed for existence);
- :func:`officer` — an officer holding one of the roles, of the agency the resource belongs to when
  ``agency_of`` is given;
- :func:`service` — another motcua service (service token);
- :func:`webhook_signature` — an external system proving a shared secret by an HMAC of timestamp and body;
- :func:`signed_parameters` — a payment gateway proving a shared secret by an HMAC over its sorted parameters.

:func:`install` registers the ``before_request`` hook that enforces them. It refuses to build an app with an
endpoint that declares nothing (fail closed at start-up), and the test suite walks every app's URL map too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from flask import Flask, abort, current_app, g, request

from shared.api.parsing import Blueprint
from shared.auth import replay
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.auth.tokens import InvalidToken, TokenVerifier
from shared.clock import utc_now
from shared.domain.errors import Conflict

POLICY_ATTR = "__auth_policies__"
EXEMPT_METHODS = frozenset({"OPTIONS"})  # answered by Flask itself, no resource touched


class Policy:
    kind: str = "policy"
    needs_principal = True

    def allows(self, principal: Principal | None, view_args: dict[str, Any]) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        return self.kind


@dataclass(frozen=True)
class _Public(Policy):
    kind: str = "public"
    needs_principal = False

    def allows(self, principal, view_args) -> bool:
        return True


PUBLIC = _Public()


@dataclass(frozen=True)
class _Applicant(Policy):
    owner_of: Callable[..., str | None] | None = None
    kind: str = "applicant"

    def allows(self, principal, view_args) -> bool:
        if principal is None or principal.kind is not PrincipalKind.APPLICANT:
            return False
        if self.owner_of is None:
            return True
        owner = self.owner_of(**view_args)
        if owner is None:
            abort(404)  # no such resource: answered before the body is read, like every other refusal
        if owner != principal.subject:
            abort(404)  # same answer as a missing resource: no probing of others' dossiers
        return True

    def describe(self) -> str:
        return "applicant-owner" if self.owner_of else "applicant"


def applicant() -> Policy:
    """Any signed-in applicant; the view works on the applicant's own data only."""
    return _Applicant()


def applicant_owner(owner_of: Callable[..., str | None]) -> Policy:
    """The applicant who owns the resource. ``owner_of(**view_args)`` returns the owner's account id, or
    None when the resource does not exist."""
    return _Applicant(owner_of=owner_of)


@dataclass(frozen=True)
class _Officer(Policy):
    roles: frozenset[str] = field(default_factory=frozenset)
    agency_of: Callable[..., str | None] | None = None
    hidden: bool = False
    kind: str = "officer"

    def allows(self, principal, view_args) -> bool:
        if principal is None or principal.kind is not PrincipalKind.OFFICER:
            return False
        if not principal.has_role(*self.roles):
            return False
        if self.agency_of is None:
            return True
        agencies = self.agency_of(**view_args)
        if agencies is None:
            abort(404)  # no such resource: answered before the body is read, so a refusal tells nothing
        allowed = agencies == principal.agency_code if isinstance(agencies, str) else principal.agency_code in agencies
        if not allowed and self.hidden:
            abort(404)  # the same answer as a resource that does not exist: no probing of others' dossiers
        return allowed

    def describe(self) -> str:
        scope = " of the resource's agency" if self.agency_of else ""
        return f"officer ({', '.join(sorted(self.roles))}){scope}"


def officer(*roles: Role, agency_of: Callable[..., str | set[str] | None] | None = None,
            hidden: bool = False) -> Policy:
    """An officer with one of ``roles``. With ``agency_of(**view_args)`` (the resource's agency code or codes,
    or None when it does not exist) only officers of that agency (or of one of those agencies); ``hidden``: an
    officer of another agency gets 404, as if the resource did not exist (a dossier's existence and status are
    not theirs to learn), instead of 403."""
    if not roles:
        raise ValueError("name the officer roles allowed")
    return _Officer(roles=frozenset(roles), agency_of=agency_of, hidden=hidden)


@dataclass(frozen=True)
class _Service(Policy):
    names: frozenset[str] = field(default_factory=frozenset)
    kind: str = "service"

    def allows(self, principal, view_args) -> bool:
        return (principal is not None and principal.kind is PrincipalKind.SERVICE
                and principal.subject in self.names)

    def describe(self) -> str:
        return f"service ({', '.join(sorted(self.names))})"


def service(*names: str) -> Policy:
    return _Service(names=frozenset(names))


@dataclass(frozen=True)
class _WebhookSignature(Policy):
    """``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` with a shared secret.
    Requests older or newer than ``tolerance_seconds`` are refused (401). With ``seen`` (the collection that
    remembers accepted signatures, :mod:`shared.auth.replay`) a signature is accepted once: a replay inside
    the window answers 409."""

    secret_of: Callable[[], str] = lambda: ""
    tolerance_seconds: int = 300
    seen: Callable[[], Any] | None = None
    kind: str = "webhook-signature"
    needs_principal = False

    def allows(self, principal, view_args) -> bool:
        signature = verify_signature(request.headers.get("X-Signature", ""), request.get_data(cache=True),
                                     self.secret_of(), self.tolerance_seconds)
        if signature is None:
            return False
        # The replay memory is keyed on the canonical (timestamp, MAC), so no reshaping of the header makes a
        # replay look new.
        if self.seen is not None and not replay.first_time(self.seen(), signature, utc_now(),
                                                           self.tolerance_seconds):
            raise Conflict("Yêu cầu này đã được nhận trước đó (phát lại).")
        return True


def webhook_signature(secret_of: Callable[[], str], tolerance_seconds: int = 300,
                      seen: Callable[[], Any] | None = None) -> Policy:
    return _WebhookSignature(secret_of=secret_of, tolerance_seconds=tolerance_seconds, seen=seen)


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


# The one form a signature header may take: ``t=<unix seconds>,v1=<64 lowercase hex>``, nothing before, between
# or after (no spaces, no sign, no leading zero, no repeated or extra key).
SIGNATURE_HEADER = re.compile(r"t=([1-9][0-9]{0,11}),v1=([0-9a-f]{64})")


def verify_signature(header: str, body: bytes, secret: str, tolerance_seconds: int = 300) -> str | None:
    """The canonical signature (``t=…,v1=…``) when the header is exactly that form, fresh and right for the
    body; None otherwise."""
    if not secret:
        return None
    matched = SIGNATURE_HEADER.fullmatch(header)
    if matched is None:
        return None
    timestamp, given = int(matched.group(1)), matched.group(2)
    if abs(time.time() - timestamp) > tolerance_seconds:
        return None
    expected = sign(body, secret, timestamp)
    return expected if hmac.compare_digest(expected, f"t={timestamp},v1={given}") else None


SIGNATURE_PARAMETER = "signature"


@dataclass(frozen=True)
class _SignedParameters(Policy):
    """A payment gateway's server-to-server notice (IPN), signed the way VNPay and the national payment platform
    sign theirs: an HMAC-SHA512 over the parameters sorted by name (:func:`canonical_parameters`), in the
    ``signature`` parameter. Form or query parameters. ``on_refused`` is told of a notice that did not prove the
    secret (counted and logged by the caller: a forged notice is an alert)."""

    secret_of: Callable[[], str] = lambda: ""
    on_refused: Callable[[], None] | None = None
    kind: str = "signed-parameters"
    needs_principal = False

    def allows(self, principal, view_args) -> bool:
        if verify_parameters(request.values.to_dict(), self.secret_of()):
            return True
        if self.on_refused is not None:
            self.on_refused()
        return False


def signed_parameters(secret_of: Callable[[], str], on_refused: Callable[[], None] | None = None) -> Policy:
    return _SignedParameters(secret_of=secret_of, on_refused=on_refused)


def canonical_parameters(params: Mapping[str, Any]) -> str:
    """``name=value`` pairs sorted by name and joined with ``&``, values URL-encoded, empty values and the
    signature itself left out: the string a gateway signs and the receiver checks."""
    return "&".join(f"{name}={quote_plus(str(value))}" for name, value in sorted(params.items())
                    if name != SIGNATURE_PARAMETER and value not in (None, ""))


def sign_parameters(params: Mapping[str, Any], secret: str) -> str:
    return hmac.new(secret.encode(), canonical_parameters(params).encode(), hashlib.sha512).hexdigest()


def verify_parameters(params: Mapping[str, Any], secret: str) -> bool:
    given = str(params.get(SIGNATURE_PARAMETER) or "")
    if not secret or not given or not given.isascii():  # a hex digest is ASCII; anything else is not ours
        return False
    try:
        expected = sign_parameters(params, secret)
    except UnicodeEncodeError:  # a lone surrogate in a value: nothing a gateway signed
        return False
    return hmac.compare_digest(expected, given.lower())


# -- declaring ----------------------------------------------------------------------------------------------

def requires(*policies: Policy):
    """Declares who may call the decorated view (any of ``policies``), and documents it in the OpenAPI."""
    if not policies:
        raise ValueError("declare at least one policy; use PUBLIC for open endpoints")

    def decorator(view):
        secured = any(p.needs_principal for p in policies)
        doc: dict[str, Any] = {"x-motcua-policy": [p.describe() for p in policies]}
        if secured:
            doc["security"] = [{"bearerAuth": []}] + ([{}] if any(p is PUBLIC for p in policies) else [])
        else:
            doc["security"] = []
        documented = Blueprint.doc(**doc)(view)
        setattr(documented, POLICY_ATTR, tuple(policies))
        return documented

    return decorator


def policies_for(app: Flask, endpoint: str, method: str) -> tuple[Policy, ...] | None:
    extra = app.extensions["motcua_auth"].endpoint_policies.get(endpoint)
    if extra is not None:
        return extra
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        return getattr(handler, POLICY_ATTR, None) if handler is not None else None
    return getattr(view, POLICY_ATTR, None)


def endpoints_without_policy(app: Flask) -> list[str]:
    missing = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - EXEMPT_METHODS):
            if policies_for(app, rule.endpoint, method) is None:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    return missing


# -- enforcing -----------------------------------------------------------------------------------------------

@dataclass
class AuthState:
    verifier: TokenVerifier
    endpoint_policies: dict[str, tuple[Policy, ...]] = field(default_factory=dict)


def install(app: Flask, verifier: TokenVerifier) -> None:
    app.extensions["motcua_auth"] = AuthState(verifier)
    app.before_request(_enforce)


def declare_endpoints(app: Flask, endpoints: Iterable[str], *policies: Policy) -> None:
    """Policy for endpoints defined by a library (the OpenAPI document, the API explorer)."""
    for endpoint in endpoints:
        app.extensions["motcua_auth"].endpoint_policies[endpoint] = tuple(policies)


def check_complete(app: Flask) -> None:
    missing = endpoints_without_policy(app)
    if missing:
        raise RuntimeError("endpoints without an auth policy: " + "; ".join(missing))


def current_principal() -> Principal | None:
    return g.get("principal")


def _authenticate() -> Principal | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        abort(401, "Thiếu mã truy cập hợp lệ (Authorization: Bearer ...).")
    try:
        return current_app.extensions["motcua_auth"].verifier.verify(token.strip())
    except InvalidToken:
        abort(401, "Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại.")


def _enforce():
    if request.endpoint is None or request.method in EXEMPT_METHODS:
        return None  # 404/405 and OPTIONS are answered without touching any resource
    policies = policies_for(current_app, request.endpoint, request.method)
    if policies is None:
        current_app.logger.error("no auth policy declared for %s %s", request.method, request.endpoint)
        abort(403, "Không có quyền truy cập.")
    principal = _authenticate()
    g.principal = principal
    view_args = request.view_args or {}
    if any(policy.allows(principal, view_args) for policy in policies):
        return None
    if principal is None and any(p.needs_principal for p in policies):
        abort(401, "Vui lòng đăng nhập.")
    if not any(p.needs_principal for p in policies):  # a signed webhook that did not prove the secret
        abort(401, "Chữ ký của yêu cầu không hợp lệ hoặc đã hết hạn.")
    abort(403, "Không có quyền truy cập.")
