"""The in-app inbox: the in-app notifications addressed to a person (their account id) or, for officers, to
their agency (``agency:<code>``: whoever of the agency is on duty). Read state is per person, so one
officer reading an agency-wide message does not hide it from a colleague."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.notify.notifications import statuses
from services.notify.notifications.planner import agency_inbox
from services.notify.storage import NOTIFICATIONS
from services.notify.templates.library import IN_APP
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.domain.errors import NotFound
from shared.storage.keyset import page

SORT = ["created_at", "_id"]


def addresses(principal: Principal) -> list[str]:
    """The inbox addresses a person reads: their own, and their agency's for an officer."""
    own = [principal.subject]
    if principal.kind is PrincipalKind.OFFICER and principal.agency_code:
        own.append(agency_inbox(principal.agency_code))
    return own


def _query(address: str, principal: Principal, unread_only: bool) -> dict[str, Any]:
    # One equality per address (FerretDB narrows scans on string equality only), merged below.
    query: dict[str, Any] = {"recipient": address, "channel": IN_APP, "status": statuses.DELIVERED}
    if unread_only:
        query["read_by"] = {"$ne": principal.subject}
    return query


def inbox(db: Database, principal: Principal, *, unread_only: bool, limit: int,
          after_values: list[Any] | None) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """The newest messages first, one keyset page across the person's addresses."""
    merged: list[dict[str, Any]] = []
    more = False
    for address in addresses(principal):
        docs, rest = page(db[NOTIFICATIONS], _query(address, principal, unread_only), SORT, limit=limit,
                          after_values=after_values, descending=True)
        merged += docs
        more = more or rest is not None
    merged.sort(key=lambda d: (d["created_at"], d["_id"]), reverse=True)
    items = merged[:limit]
    more = more or len(merged) > limit
    for item in items:
        item["read"] = principal.subject in item.get("read_by", [])
    return items, ([items[-1][f] for f in SORT] if more and items else None)


def unread_count(db: Database, principal: Principal) -> int:
    return sum(db[NOTIFICATIONS].count_documents(_query(address, principal, True))
               for address in addresses(principal))


def mark_read(db: Database, principal: Principal, notification_id: str) -> dict[str, Any]:
    for address in addresses(principal):
        result = db[NOTIFICATIONS].update_one({"_id": notification_id, "recipient": address, "channel": IN_APP},
                                              {"$addToSet": {"read_by": principal.subject}})
        if result.matched_count:
            doc = db[NOTIFICATIONS].find_one({"_id": notification_id})
            doc["read"] = True
            return doc
    raise NotFound("Không tìm thấy thông báo trong hộp thư của Anh/Chị.")


def mark_all_read(db: Database, principal: Principal) -> int:
    return sum(db[NOTIFICATIONS].update_many(_query(address, principal, True),
                                             {"$addToSet": {"read_by": principal.subject}}).modified_count
               for address in addresses(principal))
