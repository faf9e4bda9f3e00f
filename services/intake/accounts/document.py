"""The account document: who may sign in, with what password hash, as which kind of principal."""

from __future__ import annotations

from typing import Any

from services.intake.storage import ACCOUNTS, SIGN_IN_ATTEMPTS
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.storage import documents as d
from shared.storage.documents import Declared


class Account(d.Document):
    username = d.Text(allow_none=False)
    password_hash = d.Text(allow_none=False)
    kind = d.Text(allow_none=False)
    full_name = d.Text(allow_none=False)
    roles = d.List(d.Text())
    agency_code = d.Text()
    id_number = d.Text()
    email = d.Text()
    phone = d.Text()
    active = d.Bool(allow_none=False)
    created_at = d.Moment()
    idempotency_key = d.Text(allow_none=False)


class SignInAttempts(d.Document):
    """Failed sign-ins of one account (``account:<username>``) or one client address (``address:<ip>``)."""

    failures = d.Int(allow_none=False)
    last_failure_at = d.Moment()
    locked_until = d.optional(d.Moment())  # absent until the first lock


ACCOUNTS_DECLARED = Declared(ACCOUNTS, Account, "applicant and officer accounts (Argon2id password hashes)")
ATTEMPTS_DECLARED = Declared(SIGN_IN_ATTEMPTS, SignInAttempts, "failed sign-ins, for throttling")


def principal_of(account: dict[str, Any]) -> Principal:
    return Principal(subject=account["_id"], kind=PrincipalKind(account["kind"]), roles=frozenset(account["roles"]),
                     agency_code=account["agency_code"], name=account["full_name"])
