"""Who may see each page, declared where the page is defined, enforced in one place — as the APIs do with
``@requires``. The app refuses to start with a page that declares nothing.

    @bp.get("/ho-so-cua-toi")
    @page(APPLICANT)
    def my_dossiers(): ...

Rules: :data:`PUBLIC` (anyone), :data:`APPLICANT` (a signed-in citizen or organisation representative),
:func:`officer` (an officer holding one of the roles). A page may list several; any one allows. Someone not
signed in is sent to the sign-in page (and back afterwards); someone signed in without the right gets 403.
What a page shows of a resource (the applicant's own dossier, the officer's agency) is decided again by the API
with the person's own token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, abort, current_app, redirect, request, session, url_for

from shared.auth.roles import OFFICER_ROLES, Role

RULES_ATTR = "__portal_rules__"


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str | None = None          # None: anyone
    roles: frozenset[str] = field(default_factory=frozenset)

    def allows(self, user: dict | None) -> bool:
        if self.kind is None:
            return True
        if user is None or user.get("kind") != self.kind:
            return False
        return not self.roles or bool(self.roles & set(user.get("roles", [])))


PUBLIC = Rule("public")
APPLICANT = Rule("applicant", kind="applicant")


def officer(*roles: Role) -> Rule:
    chosen = roles or tuple(OFFICER_ROLES - {Role.POSTAL_STAFF})
    return Rule("officer(" + ",".join(sorted(chosen)) + ")", kind="officer", roles=frozenset(chosen))


ADMIN = officer(Role.ADMIN)
DESK = officer(Role.COUNTER_OFFICER)


def page(*rules: Rule) -> Callable:
    if not rules:
        raise ValueError("declare who may see the page; use PUBLIC for open pages")

    def decorator(view):
        setattr(view, RULES_ATTR, tuple(rules))
        return view

    return decorator


def rules_for(app: Flask, endpoint: str) -> tuple[Rule, ...] | None:
    declared = app.extensions["portal_access"].get(endpoint)
    if declared is not None:
        return declared
    view = app.view_functions.get(endpoint)
    return getattr(view, RULES_ATTR, None) if view is not None else None


def declare(app: Flask, endpoint: str, *rules: Rule) -> None:
    app.extensions["portal_access"][endpoint] = tuple(rules)


def undeclared(app: Flask) -> list[str]:
    return [f"{rule.rule} ({rule.endpoint})" for rule in app.url_map.iter_rules()
            if rules_for(app, rule.endpoint) is None]


def check_complete(app: Flask) -> None:
    missing = undeclared(app)
    if missing:
        raise RuntimeError("pages without an access rule: " + "; ".join(missing))


def current_user() -> dict | None:
    return session.get("user")


def install(app: Flask) -> None:
    app.extensions["portal_access"] = {}

    @app.before_request
    def _enforce():
        if request.endpoint is None:
            return None  # 404/405, answered by the error pages
        rules = rules_for(current_app, request.endpoint)
        if rules is None:
            abort(403)
        user = current_user()
        if any(rule.allows(user) for rule in rules):
            return None
        if user is None:
            target = request.path if request.method == "GET" else None
            return redirect(url_for("account.sign_in", tiep=target))
        abort(403)
