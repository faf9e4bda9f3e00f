"""The account document (mongoengine: low volume, admin-style access; the hot paths use pymongo)."""

from __future__ import annotations

import uuid

import mongoengine as me

from services.intake import SERVICE
from services.intake.storage import ACCOUNTS
from shared.auth.roles import PrincipalKind
from shared.auth.tokens import Principal
from shared.clock import utc_now


class Account(me.Document):
    meta = {
        "db_alias": SERVICE,
        "collection": ACCOUNTS,
        "auto_create_index": False,  # the unique username index is made by storage.ensure_indexes
    }

    id = me.StringField(primary_key=True, default=lambda: str(uuid.uuid4()))
    username = me.StringField(required=True, max_length=100)
    password_hash = me.StringField(required=True)
    kind = me.EnumField(PrincipalKind, required=True)
    full_name = me.StringField(required=True, max_length=150)
    roles = me.ListField(me.StringField(max_length=40))
    agency_code = me.StringField(max_length=20)
    id_number = me.StringField(max_length=20)
    email = me.StringField(max_length=254)
    phone = me.StringField(max_length=15)
    active = me.BooleanField(default=True)
    created_at = me.DateTimeField(default=utc_now)

    def principal(self) -> Principal:
        return Principal(subject=self.id, kind=self.kind, roles=frozenset(self.roles),
                         agency_code=self.agency_code, name=self.full_name)
