"""Filing drafts: an applicant's answers so far, kept in the portal's own database until the dossier is filed
(besides sessions, the only thing the portal stores). A draft belongs to one person: every read and write names
its owner, so nobody reaches another's draft. The answers are what the steps collected, unchecked by any
business rule — the intake API checks everything when the dossier is filed."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo.database import Database

from services.portal.documents import DRAFTS_DECLARED
from services.portal.storage import DRAFTS
from shared.clock import utc_now
from shared.storage.documents import checks_enabled

LISTED = 20


def start(db: Database, settings, owner: str, procedure: dict[str, Any], **answers: Any) -> dict[str, Any]:
    """A new draft for ``procedure`` with the first ``answers``."""
    now = utc_now()
    draft = {"_id": uuid.uuid4().hex, "owner": owner, "procedure_code": procedure["code"],
             "procedure_name": procedure["name"], "created_at": now, "updated_at": now,
             "data": {"attachments": {}, **answers}}
    _check(settings, draft)
    db[DRAFTS].insert_one(draft)
    return draft


def get(db: Database, owner: str, draft_id: str) -> dict[str, Any] | None:
    return db[DRAFTS].find_one({"_id": draft_id, "owner": owner})


def save(db: Database, settings, draft: dict[str, Any], **answers: Any) -> None:
    """Keeps ``answers`` (replacing those of the same step) in ``draft`` and in the database."""
    draft["data"].update(answers)
    draft["updated_at"] = utc_now()
    _check(settings, draft)
    db[DRAFTS].update_one({"_id": draft["_id"], "owner": draft["owner"]},
                          {"$set": {"data": draft["data"], "updated_at": draft["updated_at"]}})


def delete(db: Database, owner: str, draft_id: str) -> None:
    db[DRAFTS].delete_one({"_id": draft_id, "owner": owner})


def of(db: Database, owner: str) -> list[dict[str, Any]]:
    """The person's drafts, the latest changed first."""
    return list(db[DRAFTS].find({"owner": owner}).sort("updated_at", -1).limit(LISTED))


def _check(settings, draft: dict[str, Any]) -> None:
    if checks_enabled(settings):
        DRAFTS_DECLARED.check(draft)
