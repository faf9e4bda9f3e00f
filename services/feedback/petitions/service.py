"""Receiving petitions, running the handling commands, and the reads the API and its policies need.

A petition is received from anyone — signed in or not, with contact details (Decision 766 indicator 5.1–5.3) — about
a procedure, a dossier (the agency concerned is the dossier's competent agency) or an officer's conduct. Its code
(``PA-YYMMDD-XXXX``) and an access key, shown to the sender once, let someone who did not sign in follow it and rate
the answer; only the key's hash is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.feedback.attachments import service as attachments
from services.feedback.catalogue.service import agency as agency_of_code
from services.feedback.catalogue.service import current_calendar
from services.feedback.dossiers.service import by_code as dossier_by_code
from services.feedback.petitions import rules
from services.feedback.petitions.aggregate import OPEN, Petitions
from services.feedback.storage import DAILY_SEQUENCES, PETITIONS
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.clock import utc_now, vn_date
from shared.domain import evaluation as ev
from shared.domain.changes import Context
from shared.domain.errors import NotFound, Rejected
from shared.storage import keyset
from shared.storage.aggregate import ANSWER, HIDDEN, RETRY, Command, Runner, context

AGGREGATE = Petitions()
SYSTEM = Principal(subject="system", kind=PrincipalKind.SERVICE, name="Hệ thống")


def runner(db: Database, settings, *, background: bool = False) -> Runner:
    return Runner(db, AGGREGATE, settings, on_conflict=RETRY if background else ANSWER)


def context_for(db: Database, settings, actor: Principal) -> Context:
    return context(actor, calendar=current_calendar(db, settings), settings=settings)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def next_code(db: Database, moment) -> str:
    day = vn_date(moment)
    for _ in range(5):
        try:
            counter = db[DAILY_SEQUENCES].find_one_and_update(
                {"_id": f"{day:%Y%m%d}"}, {"$inc": {"value": 1},
                                            "$setOnInsert": {"date": f"{day:%Y-%m-%d}", "created_at": utc_now()}},
                upsert=True, return_document=ReturnDocument.AFTER)
            return f"PA-{day:%y%m%d}-{counter['value']:04d}"
        except DuplicateKeyError:
            continue  # two first-of-the-day upserts raced; the counter exists now
    raise RuntimeError("could not draw a petition code")


def _subject(db: Database, body: dict[str, Any]) -> dict[str, Any]:
    """What the petition is about and the agency concerned; 422 with the field when it does not hold up."""
    subject = body["subject"]
    found: dict[str, Any] = {"procedure_code": body.get("procedure_code"), "dossier_id": None, "dossier_code": None,
                             "officer_name": body.get("officer_name")}
    agency_code = body.get("agency_code")
    if subject == ev.DOSSIER_SUBJECT:
        if not body.get("dossier_code"):
            raise Rejected("Dữ liệu không hợp lệ.", {"json": {"dossier_code": ["Cần mã hồ sơ được phản ánh."]}})
        dossier = dossier_by_code(db, body["dossier_code"])
        if dossier is None:
            raise Rejected("Dữ liệu không hợp lệ.", {"json": {"dossier_code": ["Không tìm thấy hồ sơ có mã này."]}})
        found.update(dossier_id=dossier["_id"], dossier_code=dossier["code"],
                     procedure_code=found["procedure_code"] or dossier["procedure_code"])
        agency_code = agency_code or dossier["competent_agency_code"]
    if not agency_code:
        raise Rejected("Dữ liệu không hợp lệ.", {"json": {"agency_code": ["Cần cơ quan được phản ánh, kiến nghị."]}})
    agency = agency_of_code(db, agency_code)
    if agency is None:
        raise Rejected("Dữ liệu không hợp lệ.", {"json": {"agency_code": ["Không có cơ quan có mã này."]}})
    found.update(agency_code=agency_code, agency_name=agency.get("name"))
    return found


def _sender(principal: Principal | None, body: dict[str, Any]) -> dict[str, Any]:
    sender = body["sender"]
    if not (sender.get("email") or sender.get("phone")):
        raise Rejected("Dữ liệu không hợp lệ.", {"json": {"sender": {"_schema": [
            "Cần ít nhất thư điện tử hoặc số điện thoại để nhận trả lời."]}}})
    account = principal.subject if principal is not None and principal.kind is PrincipalKind.APPLICANT else None
    return {"name": sender["full_name"], "email": sender.get("email"), "phone": sender.get("phone"),
            "account_id": account}


def receive(db: Database, settings, principal: Principal | None, body: dict[str, Any], *,
            idempotency_key: str | None) -> tuple[dict[str, Any], str | None, bool]:
    """Receives a petition; returns it, the access key (None on a replay: it is shown once) and whether it is
    new."""
    if idempotency_key and (existing := db[PETITIONS].find_one({"idempotency_key": idempotency_key}, HIDDEN)):
        return existing, None, False
    about = _subject(db, body)
    sender = _sender(principal, body)
    follows_up = body.get("follows_up")
    if follows_up and db[PETITIONS].find_one({"code": follows_up}, {"_id": 1}) is None:
        raise Rejected("Dữ liệu không hợp lệ.", {"json": {"follows_up": ["Không tìm thấy phản ánh có mã này."]}})
    petition_id = str(uuid.uuid4())
    files = attachments.claim(db, principal, body.get("attachment_ids") or [], petition_id)
    actor = principal or Principal(subject="anonymous", kind=PrincipalKind.APPLICANT, name=sender["name"])
    ctx = context_for(db, settings, actor)
    key = secrets.token_urlsafe(12)
    doc = {
        "_id": petition_id, "code": next_code(db, ctx.now), "status": ev.RECEIVED, "subject": body["subject"],
        "category": ev.category_of(body["subject"]), **about, "title": body["title"], "content": body["content"],
        "sender": sender, "access_key_sha256": key_hash(key), "attachments": files, "follows_up": follows_up,
        "received_at": ctx.now, **rules.deadlines(ctx.now, ctx.calendar), "publish_due": None, "clock_stops": [],
        "info_requests": [], "accepted": None, "refusal": None, "answer": None, "published": None, "rating": None,
        "handled_at": None, "alerts": {}, "history": [],
        "idempotency_key": idempotency_key or f"petition:{petition_id}",
    }
    rules.received(doc, ctx)
    stored = runner(db, settings).create(doc, ctx, [("received", {"attachments": len(files),
                                                                   "anonymous": sender["account_id"] is None})])
    if stored is None:  # the same key raced
        return db[PETITIONS].find_one({"idempotency_key": idempotency_key}, HIDDEN), None, False
    return stored, key, True


def get(db: Database, code: str) -> dict[str, Any]:
    found = db[PETITIONS].find_one({"code": code}, HIDDEN)
    if found is None:
        raise NotFound("Không tìm thấy phản ánh, kiến nghị.")
    return found


def agency_of(db: Database, code: str) -> str | None:
    found = db[PETITIONS].find_one({"code": code}, {"agency_code": 1})
    return found["agency_code"] if found else None


def sender_account(db: Database, code: str) -> str | None:
    found = db[PETITIONS].find_one({"code": code}, {"sender.account_id": 1})
    if found is None:
        return None
    return found["sender"].get("account_id") or ""


def key_matches(db: Database, code: str, key: str | None) -> bool:
    if not key:
        return False
    found = db[PETITIONS].find_one({"code": code}, {"access_key_sha256": 1})
    return found is not None and hmac.compare_digest(found["access_key_sha256"], key_hash(key))


def execute(db: Database, settings, code: str, actor: Principal, command: Command, *,
            expected_version: int | None = None, **arguments: Any) -> dict[str, Any]:
    petition = get(db, code)
    done, _ = runner(db, settings).run(petition["_id"], command, context_for(db, settings, actor),
                                       expected_version=expected_version, **arguments)
    return done


def agency_queue(db: Database, agency_code: str, *, state: str | None, limit: int, after_values):
    query: dict[str, Any] = {"agency_code": agency_code}
    if state:
        query["state"] = state
    return keyset.page(db[PETITIONS], query, ["received_at", "_id"], limit=limit, after_values=after_values,
                       projection=HIDDEN, descending=True)


def senders_own(db: Database, account_id: str, *, limit: int, after_values):
    return keyset.page(db[PETITIONS], {"sender.account_id": account_id}, ["received_at", "_id"], limit=limit,
                       after_values=after_values, projection=HIDDEN, descending=True)


def published(db: Database, *, agency_code: str | None, limit: int, after_values):
    query: dict[str, Any] = {"status": ev.PUBLISHED}
    if agency_code:
        query["agency_code"] = agency_code
    return keyset.page(db[PETITIONS], query, ["received_at", "_id"], limit=limit, after_values=after_values,
                       projection=HIDDEN, descending=True)


def open_petitions(db: Database):
    return db[PETITIONS].find({"state": OPEN}, HIDDEN)
