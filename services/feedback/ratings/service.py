"""Recording ratings and reading them."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.feedback.dossiers.service import by_code
from services.feedback.ratings import rules
from services.feedback.ratings.aggregate import Ratings
from services.feedback.storage import RATINGS
from shared.auth.principal import Principal
from shared.domain.errors import Conflict, NotFound
from shared.storage import keyset
from shared.storage.aggregate import HIDDEN, Runner, context

AGGREGATE = Ratings()


def dossier(db: Database, code: str) -> dict[str, Any]:
    found = by_code(db, code)
    if found is None:
        raise NotFound("Không tìm thấy hồ sơ.")
    return found


def status(db: Database, settings, code: str, now) -> dict[str, Any]:
    """Whether the dossier can be rated now, and its rating if it has one."""
    found = dossier(db, code)
    rating = db[RATINGS].find_one({"_id": found["_id"]}, HIDDEN)
    reason = None if rating else rules.why_closed(found, now, settings)
    return {"dossier": found, "open": rating is None and reason is None, "reason": reason,
            "closes_at": rules.window_closes(found, settings), "rating": rating}


def record(db: Database, settings, principal: Principal, code: str, body: dict[str, Any], *,
           idempotency_key: str | None) -> tuple[dict[str, Any], bool]:
    """Records the rating of a dossier: 201 once; the same Idempotency-Key again answers the first; any other
    second rating is 409 (one rating per dossier)."""
    if idempotency_key and (existing := db[RATINGS].find_one({"idempotency_key": idempotency_key},
                                                             HIDDEN)):
        return existing, False
    found = dossier(db, code)
    ctx = context(principal, settings=settings)
    runner = Runner(db, AGGREGATE, settings)
    if runner.find(found["_id"]) is not None:
        raise Conflict("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.")
    doc = rules.new_rating(found, principal, body, now=ctx.now, settings=settings,
                           idempotency_key=idempotency_key or f"{principal.subject}:rating:{found['_id']}")
    stored = runner.create(doc, ctx, [("recorded", {})])
    if stored is None:  # rated concurrently (or the same key raced): one rating per dossier
        if idempotency_key and (existing := db[RATINGS].find_one({"idempotency_key": idempotency_key},
                                                                 HIDDEN)):
            return existing, False
        raise Conflict("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.")
    return stored, True


def listing(db: Database, *, agency: str | None, satisfied: bool | None, limit: int, after_values):
    query: dict[str, Any] = {}
    if agency:
        query["competent_agency_code"] = agency
    if satisfied is not None:
        query["satisfied"] = satisfied
    return keyset.page(db[RATINGS], query, ["rated_at", "_id"], limit=limit, after_values=after_values,
                       projection=HIDDEN, descending=True)
