"""Registering accounts and signing in."""

from __future__ import annotations

import re

from mongoengine.errors import NotUniqueError

from services.intake.accounts.models import Account
from shared.auth.passwords import hash_password, needs_rehash, verify_password
from shared.auth.roles import OFFICER_ROLES, PrincipalKind, Role
from shared.domain.identifiers import is_agency_code


class UsernameTaken(Exception):
    pass


def register_applicant(*, username: str, password: str, full_name: str, id_number: str | None = None,
                       email: str | None = None, phone: str | None = None) -> Account:
    return _create(Account(username=username.lower(), password_hash=hash_password(password),
                           kind=PrincipalKind.APPLICANT, full_name=full_name, roles=[Role.APPLICANT.value],
                           id_number=id_number, email=email, phone=phone))


def create_officer(*, username: str, password: str, full_name: str, roles: list[str], agency_code: str,
                   email: str | None = None) -> Account:
    unknown = set(roles) - {r.value for r in OFFICER_ROLES}
    if unknown or not roles:
        raise ValueError(f"not officer roles: {sorted(unknown) or 'none given'}")
    if roles == [Role.POSTAL_STAFF.value]:
        # Postal staff belong to a post office, identified by its six-digit code (mã bưu cục), not to an agency.
        if not re.fullmatch(r"\d{6}", agency_code):
            raise ValueError(f"postal staff need a six-digit post office code, not {agency_code!r}")
    elif not is_agency_code(agency_code):
        raise ValueError(f"not a QCVN 102:2016 agency code: {agency_code!r}")
    return _create(Account(username=username.lower(), password_hash=hash_password(password),
                           kind=PrincipalKind.OFFICER, full_name=full_name, roles=sorted(set(roles)),
                           agency_code=agency_code, email=email))


def _create(account: Account) -> Account:
    try:
        return account.save(force_insert=True)
    except NotUniqueError:
        raise UsernameTaken(account.username) from None


def authenticate(username: str, password: str) -> Account | None:
    account = Account.objects(username=username.lower(), active=True).first()
    if not verify_password(account.password_hash if account else None, password):
        return None
    if needs_rehash(account.password_hash):
        account.update(set__password_hash=hash_password(password))
    return account
