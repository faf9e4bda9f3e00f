"""Registering accounts, signing in, and the administration of officer accounts (roles, deactivation).

Accounts are plain documents with a declared shape (``document.py``): they carry no events, so they are written
directly, each write checked against the shape first."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.intake.accounts.document import ACCOUNTS_DECLARED
from services.intake.accounts.rules import workplace_problems
from services.intake.storage import ACCOUNTS
from shared.auth.passwords import hash_password, needs_rehash, verify_password
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.clock import utc_now
from shared.domain.errors import Conflict, NotFound, Rejected
from shared.storage import keyset
from shared.storage.documents import checks_enabled

OFFICER_SORT = ["username", "_id"]


class UsernameTaken(Exception):
    pass


def register_applicant(db: Database, settings, *, username: str, password: str, full_name: str,
                       id_number: str | None = None, email: str | None = None, phone: str | None = None,
                       idempotency_key: str | None = None) -> tuple[dict[str, Any], bool]:
    """A new applicant account; returns it and whether it is new (False: the same key registered it before)."""
    return _create(db, settings, username=username, password=password, kind=PrincipalKind.APPLICANT,
                   full_name=full_name, roles=[Role.APPLICANT.value], agency_code=None, id_number=id_number,
                   email=email, phone=phone, idempotency_key=idempotency_key)


def create_officer(db: Database, settings, *, username: str, password: str, full_name: str, roles: list[str],
                   agency_code: str, email: str | None = None,
                   idempotency_key: str | None = None) -> tuple[dict[str, Any], bool]:
    """An officer account at an agency (or, for postal staff, a post office); a bad combination of roles and
    workplace is a :class:`Rejected` naming the field."""
    problems = workplace_problems(roles, agency_code)
    if problems:
        raise Rejected("Không tạo được tài khoản cán bộ: vui lòng kiểm tra các trường được nêu.", {"json": problems})
    return _create(db, settings, username=username, password=password, kind=PrincipalKind.OFFICER,
                   full_name=full_name, roles=sorted(set(roles)), agency_code=agency_code, id_number=None,
                   email=email, phone=None, idempotency_key=idempotency_key)


def _create(db: Database, settings, *, username: str, password: str, kind: PrincipalKind,
            idempotency_key: str | None, **fields: Any) -> tuple[dict[str, Any], bool]:
    if idempotency_key and (existing := db[ACCOUNTS].find_one({"idempotency_key": idempotency_key})):
        return existing, False
    account_id = str(uuid.uuid4())
    account = {"_id": account_id, "username": username.lower(), "password_hash": hash_password(password),
               "kind": kind.value, **fields, "active": True, "created_at": utc_now(),
               "idempotency_key": idempotency_key or f"account:{account_id}"}
    if checks_enabled(settings):
        ACCOUNTS_DECLARED.check(account)
    try:
        db[ACCOUNTS].insert_one(account)
    except DuplicateKeyError:
        if idempotency_key and (existing := db[ACCOUNTS].find_one({"idempotency_key": idempotency_key})):
            return existing, False
        raise UsernameTaken(account["username"]) from None
    return account, True


def authenticate(db: Database, username: str, password: str) -> dict[str, Any] | None:
    account = db[ACCOUNTS].find_one({"username": username.lower(), "active": True})
    if not verify_password(account["password_hash"] if account else None, password):
        return None
    if needs_rehash(account["password_hash"]):
        db[ACCOUNTS].update_one({"_id": account["_id"]}, {"$set": {"password_hash": hash_password(password)}})
    return account


def get(db: Database, account_id: str) -> dict[str, Any] | None:
    return db[ACCOUNTS].find_one({"_id": account_id})


# -- administration of officer accounts ---------------------------------------------------------------------

def officers_of(db: Database, workplace: str, *, limit: int,
                after_values: list[Any] | None) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """The officer accounts of an agency (or post office), active or not, by username; one keyset page."""
    return keyset.page(db[ACCOUNTS], {"agency_code": workplace, "kind": PrincipalKind.OFFICER.value}, OFFICER_SORT,
                       limit=limit, after_values=after_values)


def officer(db: Database, account_id: str) -> dict[str, Any]:
    found = db[ACCOUNTS].find_one({"_id": account_id, "kind": PrincipalKind.OFFICER.value})
    if found is None:
        raise NotFound("Không tìm thấy tài khoản cán bộ.")
    return found


def change_roles(db: Database, settings, account_id: str, roles: list[str], actor: Principal) -> dict[str, Any]:
    """New roles for an officer, checked against where the officer works (``rules.workplace_problems``). An
    administrator cannot take away their own administration right (nobody would be left to give it back)."""
    account = officer(db, account_id)
    roles = sorted(set(roles))
    problems = workplace_problems(roles, account["agency_code"])
    if problems:
        raise Rejected("Không đổi được vai trò: vui lòng kiểm tra các trường được nêu.", {"json": problems})
    if account_id == actor.subject and Role.ADMIN.value not in roles:
        raise Conflict("Không thể tự bỏ vai trò quản trị hệ thống của chính mình.")
    return _write(db, settings, account, roles=roles)


def deactivate(db: Database, settings, account_id: str, actor: Principal) -> dict[str, Any]:
    """The officer can no longer sign in (a token already issued lives out its short lifetime,
    AUTH_TOKEN_TTL_SECONDS). Deactivating twice changes nothing; the account and its history stay."""
    account = officer(db, account_id)
    if account_id == actor.subject:
        raise Conflict("Không thể tự khóa tài khoản của chính mình.")
    if not account["active"]:
        return account
    return _write(db, settings, account, active=False)


def _write(db: Database, settings, account: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = {**account, **changes}
    if checks_enabled(settings):
        ACCOUNTS_DECLARED.check(changed)
    db[ACCOUNTS].update_one({"_id": account["_id"]}, {"$set": changes})
    return changed
