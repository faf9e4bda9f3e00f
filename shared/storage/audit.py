"""The audit trail: every write made by a person — who, when, what (the collection and document), the old and
new values of the fields that changed, and the request it came with — kept in the service's own ``audit_log``
collection and readable by administrators (``GET /audit``, shared/api/audit.py). Failed sign-ins are recorded
too. Secrets never enter it: password hashes, tokens and keys are written as ``"***"``.

The aggregate runner records every write of a person by itself (:mod:`shared.storage.aggregate`); writes
outside it (accounts) call :func:`record`. A record is written right after the change it describes: a crash in
between loses the record, never the change (the process log of a dossier keeps the legal trail regardless). A
write with events has a second write right after it already — the relay's wake-up
(:mod:`shared.storage.outbox`) — so its records ride in the wake-up, and the relay writes those of a round with
one insert (:func:`write_all`) before it drops the wake-ups: one write less while a person waits, the same
guarantee.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.database import Database

from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.logging import current
from shared.storage import documents as d
from shared.storage.documents import Declared
from shared.storage.mongo import insert_new

AUDIT = "audit_log"
SECRET_FIELDS = frozenset({"password", "password_hash", "access_token", "token", "secret", "api_key",
                           "signing_key", "outbox"})
HIDDEN = "***"
PEOPLE = (PrincipalKind.APPLICANT, PrincipalKind.OFFICER)


class AuditRecord(d.Document):
    at = d.Moment()
    actor = d.Text()
    actor_kind = d.Text()
    actor_name = d.Text()
    actor_agency = d.Text()
    action = d.Text(allow_none=False)
    collection = d.Text()
    document_id = d.Any_()
    changes = d.Map()          # field → {"old": …, "new": …}
    request_id = d.Text()
    address = d.Text()


AUDIT_DECLARED = Declared(AUDIT, AuditRecord, "every write by a person, and failed sign-ins")


def is_person(actor: Principal | None) -> bool:
    return actor is not None and actor.kind in PEOPLE


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The top-level fields that differ, with their old and new values (secrets hidden)."""
    before = before or {}
    found = {}
    for name in sorted(set(before) | set(after)):
        if name in ("_id", "version", "revision", "updated_at") or before.get(name) == after.get(name):
            continue
        old, new = before.get(name), after.get(name)
        if name in SECRET_FIELDS:
            old, new = (HIDDEN if old is not None else None), (HIDDEN if new is not None else None)
        found[name] = {"old": old, "new": new}
    return found


def line(*, at: datetime, actor: Principal | None, action: str, collection: str | None, document_id: Any,
         changed: dict[str, dict[str, Any]] | None = None, address: str | None = None) -> dict[str, Any]:
    """One record of the trail, as stored (its ``_id`` chosen here, so writing it again changes nothing)."""
    return {
        "_id": uuid.uuid4().hex, "at": at, "actor": actor.subject if actor else None,
        "actor_kind": actor.kind.value if actor else None, "actor_name": actor.name if actor else None,
        "actor_agency": actor.agency_code if actor else None, "action": action, "collection": collection,
        "document_id": document_id, "changes": changed or {}, "request_id": current("request_id"),
        "address": address,
    }


def record(db: Database, **what: Any) -> None:
    """Writes one record now (see :func:`line` for what it holds)."""
    write_all(db, [line(**what)])


def write_all(db: Database, lines: Sequence[dict[str, Any]]) -> None:
    """Writes records in one insert; those written before (a relay's round run again) are left as they are."""
    insert_new(db[AUDIT], lines)


def ensure_indexes(db: Database) -> None:
    db[AUDIT].create_index([("collection", 1), ("document_id", 1), ("at", -1)])
    db[AUDIT].create_index([("actor", 1), ("at", -1)])
