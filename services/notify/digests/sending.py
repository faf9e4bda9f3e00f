"""Sending the officers' digests whose period has ended (the sender loop's digest task); see ``service.py``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database

from services.notify.digests.service import ASSIGNED, CLOSED, COLLECTING, DUE_SOON, OVERDUE, SENT, take
from services.notify.notifications.planner import AGENCY_INBOX, About, moment
from services.notify.notifications.service import create
from services.notify.storage import DIGESTS
from services.notify.templates.library import get_template
from shared.clock import as_utc, utc_now, vn_datetime

log = logging.getLogger(__name__)

TEMPLATE = "officer-digest"
KIND_ORDER = (OVERDUE, DUE_SOON, ASSIGNED)  # the order a digest lists its entries in
KIND_NAMES = {OVERDUE: "Quá hạn", DUE_SOON: "Sắp đến hạn", ASSIGNED: "Mới được giao"}
LISTED = 20          # entries written out in one message; the others are counted ("và N hồ sơ khác")
BATCH = 100          # digests one round sends
CONSOLE_QUEUE = "/can-bo/ho-so"  # the officer console's queue; ?han= filters it by due state
QUEUE_FILTER = {OVERDUE: "late", DUE_SOON: "due_soon"}
NEVER = datetime.max.replace(tzinfo=UTC)  # sorts an entry without a due moment last


def send_ended(db: Database, settings) -> int:
    """One round: closes and sends the digests whose period has ended; returns how many were sent."""
    now = utc_now()
    sent = 0
    # FerretDB narrows scans on string equality only: one query per status. Closed ones first: a sender died.
    for status in (CLOSED, COLLECTING):
        for digest in list(db[DIGESTS].find({"status": status, "period_end": {"$lte": now}}).limit(BATCH)):
            if status == COLLECTING:
                digest = db[DIGESTS].find_one_and_update(
                    {"_id": digest["_id"], "status": COLLECTING}, {"$set": {"status": CLOSED, "closed_at": now}},
                    return_document=ReturnDocument.AFTER)
                if digest is None:
                    continue  # another sender closed it
            sent += _send(db, settings, digest, now)
    return sent


def _send(db: Database, settings, digest: dict[str, Any], now: datetime) -> int:
    entries = take(db, digest["_id"])
    notification_id = None
    if entries:   # none when every entry came too late for it and moved to the next period
        recipient = digest["recipient"]
        agencies = (recipient.removeprefix(AGENCY_INBOX),) if recipient.startswith(AGENCY_INBOX) else ()
        notification, _ = create(db, key=f"digest:{digest['_id']}", about=About(None, None, agencies, None),
                                 template=get_template(TEMPLATE), channel=digest["channel"], recipient=recipient,
                                 personalisation=personalisation(digest, entries, settings.public_portal_url))
        notification_id = notification["_id"]
    done = db[DIGESTS].update_one({"_id": digest["_id"], "status": CLOSED},
                                  {"$set": {"status": SENT, "notification_id": notification_id, "sent_at": now}})
    if done.modified_count:
        log.info("digest %s sent with %d alert(s)", digest["_id"], len(entries))
    return done.modified_count if entries else 0


def personalisation(digest: dict[str, Any], entries: list[dict[str, Any]], portal_url: str) -> dict[str, str]:
    """The digest as the template's fields: how many dossiers per kind, then the list (capped)."""
    entries = sorted(entries, key=lambda e: (KIND_ORDER.index(e["kind"]),
                                                       as_utc(e["due_at"]) if e["due_at"] else NEVER, e["code"]))
    dossiers = {kind: {e["dossier_id"] for e in entries if e["kind"] == kind} for kind in KIND_ORDER}
    lines = [f"{i}. {KIND_NAMES[e['kind']]}: {e['code']} — {e['procedure_name']} — {e['step_name']}, hạn "
             f"{moment(e['due_at'])}" for i, e in enumerate(entries[:LISTED], 1)]
    if len(entries) > LISTED:
        lines.append(f"và {len(entries) - LISTED} hồ sơ khác")
    state = next((QUEUE_FILTER[kind] for kind in (OVERDUE, DUE_SOON) if dossiers[kind]), None)
    queue_url = f"{portal_url.rstrip('/')}{CONSOLE_QUEUE}" + (f"?han={state}" if state else "")
    start, end = vn_datetime(digest["period_start"]), vn_datetime(digest["period_end"])
    return {"period": f"{start:%H:%M}–{end:%H:%M} ngày {start:%d/%m/%Y}",
            "overdue_count": str(len(dossiers[OVERDUE])), "due_soon_count": str(len(dossiers[DUE_SOON])),
            "assigned_count": str(len(dossiers[ASSIGNED])), "items_text": "\n".join(lines), "queue_url": queue_url}
