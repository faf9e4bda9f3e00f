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
                       id_number: str | None = None, email: str | None = None,
                       phone: str | None = None) -> dict[str, Any]:
    return _create(db, settings, username=username, password=password, kind=PrincipalKind.APPLICANT,
                   full_name=full_name, roles=[Role.APPLICANT.value], agency_code=None, id_number=id_number,
                   email=email, phone=phone)


def create_officer(db: Database, settings, *, username: str, password: str, full_name: str, roles: list[str],
                   agency_code: str, email: str | None = None) -> dict[str, Any]:
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
                   email=email, phone=None)


def _create(db: Database, settings, *, username: str, password: str, kind: PrincipalKind, **fields: Any
            ) -> dict[str, Any]:
    account = {"_id": str(uuid.uuid4()), "username": username.lower(), "password_hash": hash_password(password),
               "kind": kind.value, **fields, "active": True, "created_at": utc_now()}
    if checks_enabled(settings):
        ACCOUNTS_DECLARED.check(account)
    try:
        db[ACCOUNTS].insert_one(account)
    except DuplicateKeyError:
        raise UsernameTaken(account["username"]) from None
    return account


def authenticate(db: Database, username: str, password: str) -> dict[str, Any] | None:
    account = db[ACCOUNTS].find_one({"username": username.lower(), "active": True})
    if not verify_password(account["password_hash"] if account else None, password):
        return None
    if needs_rehash(account["password_hash"]):
        db[ACCOUNTS].update_one({"_id": account["_id"]}, {"$set": {"password_hash": hash_password(password)}})
    return account


def get(db: Database, account_id: str) -> dict[str, Any] | None:
    return db[ACCOUNTS].find_one({"_id": account_id})
