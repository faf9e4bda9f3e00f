"""Registering accounts and signing in."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.intake.accounts.document import ACCOUNTS_DECLARED
from services.intake.storage import ACCOUNTS
from shared.auth.passwords import hash_password, needs_rehash, verify_password
from shared.auth.roles import OFFICER_ROLES, PrincipalKind, Role
from shared.clock import utc_now
from shared.domain.identifiers import is_agency_code
from shared.storage.documents import checks_enabled


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
    unknown = set(roles) - {r.value for r in OFFICER_ROLES}
    if unknown or not roles:
        raise ValueError(f"not officer roles: {sorted(unknown) or 'none given'}")
    if roles == [Role.POSTAL_STAFF.value]:
        # Postal staff belong to a post office, identified by its six-digit code (mã bưu cục), not to an agency.
        if not re.fullmatch(r"\d{6}", agency_code):
            raise ValueError(f"postal staff need a six-digit post office code, not {agency_code!r}")
    elif not is_agency_code(agency_code):
        raise ValueError(f"not a QCVN 102:2016 agency code: {agency_code!r}")
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
