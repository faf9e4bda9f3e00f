"""Officers' digests: the due-soon, overdue and assignment alerts of one recipient gathered per period and sent as
one message when the period ends, instead of one message per dossier.

Why: with thousands of open dossiers a scheduler round can raise an alert per dossier, and a message each buried
the officers and put the sender minutes behind (issue 13). Gathering them is an operational choice of this
system, not a rule of law: the law asks that late work be known and explained (Decree 61/2018 Art. 20 for the
applicant, who is still told at once), not how officers are reminded.

- **Collect** (the consumer, :func:`collect`): each alert the planner routes to a digest becomes an entry
  document of its own (``digest_entries``), in the digest of its recipient, channel and period — the period of
  the moment the alert was raised, periods of NOTIFY_DIGEST_MINUTES aligned to the Hà Nội clock from midnight.
  An entry's ``_id`` is its recipient, channel and event, so an event Kafka delivers twice is listed once. The
  entries of a whole poll are written at once: a read of the entries already there, a read of their digests,
  one insert. The digest document holds only the period and its status: with the entries inside it, every alert
  rewrote an ever larger document (80 alerts a second, falling as the digest grew).
- **Close and take** (the sender loop, ``sending.send_ended``): a digest whose period has ended is closed
  (compare-and-set), then its entries are marked taken and read. An entry written after its digest closed is
  moved to the period open now by its collector — only if it is not taken (compare-and-set on the entry), so each
  entry goes out exactly once: the collector checks its digest *after* writing the entry, so an entry it found
  collecting is there before the close, and the sender takes it.
- **Send**: the taken entries become one notification with an idempotency key of its own, then the digest is
  marked sent. A sender that dies in between leaves it closed, and the next round finishes it: the
  notification's key makes that once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.notify.storage import DIGEST_ENTRIES, DIGESTS
from shared.clock import as_utc, utc_now, vn_datetime
from shared.storage.mongo import insert_new

COLLECTING, CLOSED, SENT = "collecting", "closed", "sent"
DUE_SOON, OVERDUE, ASSIGNED = "due-soon", "overdue", "assigned"  # what an entry reports


@dataclass(frozen=True)
class DigestItem:
    """An alert the planner routes to a digest instead of a message of its own."""

    kind: str
    recipient: str
    channel: str
    entry: dict[str, Any]   # dossier_id, code, procedure_name, step_name, due_at, at (when it was raised)


def period_of(at: datetime, minutes: int) -> tuple[datetime, datetime]:
    """The period ``at`` falls in: ``minutes`` long, counted from midnight in Hà Nội (the last one of a day ends
    at midnight when ``minutes`` does not divide a day)."""
    local = vn_datetime(at)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    length = timedelta(minutes=minutes)
    start = midnight + ((local - midnight) // length) * length
    end = min(start + length, midnight + timedelta(days=1))
    return as_utc(start), as_utc(end)


def digest_id(recipient: str, channel: str, start: datetime) -> str:
    return f"{recipient}|{channel}|{as_utc(start).isoformat()}"


def entry_id(recipient: str, channel: str, event_id: str) -> str:
    return f"{recipient}|{channel}|{event_id}"


def collect(db: Database, settings, alerts: list[tuple[str, DigestItem]]) -> int:
    """Lists each ``(event id, alert)`` in its digest; returns how many were new (not listed before: a
    redelivery is not)."""
    wanted: dict[str, dict[str, Any]] = {}
    for event_id, item in alerts:
        start, _ = period_of(item.entry["at"], settings.notify_digest_minutes)
        wanted.setdefault(entry_id(item.recipient, item.channel, event_id), {
            "event_id": event_id, "kind": item.kind, **item.entry, "recipient": item.recipient,
            "channel": item.channel, "period_start": start, "digest_id": digest_id(item.recipient, item.channel, start),
            "taken": False})
    if not wanted:
        return 0
    held = {e["_id"]: e for e in db[DIGEST_ENTRIES].find({"_id": {"$in": list(wanted)}},
                                                          {"digest_id": 1, "taken": 1})}
    # Held and taken: listed and sent. Held, not taken: listed by a collector that stopped before checking
    # its digest (below), so checked again here.
    unsettled = {key: held[key]["digest_id"] for key in held if not held[key]["taken"]}
    new = [{"_id": key, **entry} for key, entry in wanted.items() if key not in held]
    _collecting(db, settings, new)
    refused = insert_new(db[DIGEST_ENTRIES], new)   # refused: listed meanwhile by another consumer (a rebalance)
    unsettled.update((entry["_id"], entry["digest_id"]) for n, entry in enumerate(new) if n not in refused)
    _settle(db, settings, unsettled)
    return len(new) - len(refused)


def _collecting(db: Database, settings, entries: list[dict[str, Any]]) -> None:
    """Points each entry (not yet written) at a digest still collecting: its own period's, or the period open
    now when that one is closed; creates the digests missing."""
    while entries:
        status = _statuses(db, {entry["digest_id"] for entry in entries})
        moved = []
        for entry in entries:
            if status.get(entry["digest_id"]) != COLLECTING:
                _move(settings, entry, status.get(entry["digest_id"]))
                moved.append(entry)
        entries = moved
        for entry in {entry["digest_id"]: entry for entry in entries}.values():
            _create_digest(db, settings, entry)


def _settle(db: Database, settings, digest_of: dict[str, str]) -> None:
    """After the entries are written: an entry whose digest closed meanwhile moves to the period open now,
    unless the sender took it already (then it went out with that digest)."""
    while digest_of:
        status = _statuses(db, set(digest_of.values()))
        late = {}
        for key, digest in digest_of.items():
            if status.get(digest) == COLLECTING:
                continue
            target = db[DIGEST_ENTRIES].find_one({"_id": key})
            _move(settings, target, status.get(digest))
            _create_digest(db, settings, target)
            done = db[DIGEST_ENTRIES].update_one(
                {"_id": key, "digest_id": digest, "taken": False},
                {"$set": {"digest_id": target["digest_id"], "period_start": target["period_start"]}})
            if done.modified_count:
                late[key] = target["digest_id"]  # checked again: that digest may close too
        digest_of = late


def _statuses(db: Database, digests: set[str]) -> dict[str, str]:
    return {d["_id"]: d["status"] for d in db[DIGESTS].find({"_id": {"$in": sorted(digests)}}, {"status": 1})}


def _move(settings, entry: dict[str, Any], status: str | None) -> None:
    """Points an entry whose digest is not collecting at the one it goes to instead: its own when missing
    (created next), else the period open now or the one after its own, whichever is later."""
    if status is None:
        return
    _, own_end = period_of(entry["period_start"], settings.notify_digest_minutes)
    start, _ = period_of(max(own_end, utc_now()), settings.notify_digest_minutes)
    entry.update(period_start=start, digest_id=digest_id(entry["recipient"], entry["channel"], start))


def _create_digest(db: Database, settings, entry: dict[str, Any]) -> None:
    start, end = period_of(entry["period_start"], settings.notify_digest_minutes)
    try:
        db[DIGESTS].insert_one({"_id": entry["digest_id"], "recipient": entry["recipient"], "channel": entry["channel"],
                                "period_start": start, "period_end": end, "status": COLLECTING,
                                "created_at": utc_now()})
    except DuplicateKeyError:
        pass   # there already: its status decides


def take(db: Database, digest: str) -> list[dict[str, Any]]:
    """The sender's side, once the digest is closed: marks its entries taken (a collector no longer moves them)
    and returns them."""
    db[DIGEST_ENTRIES].update_many({"digest_id": digest, "taken": False}, {"$set": {"taken": True}})
    return list(db[DIGEST_ENTRIES].find({"digest_id": digest, "taken": True}))


def listed(db: Database, recipients: list[str]) -> int:
    """How many alerts the digests of ``recipients`` list, every period and status together."""
    return db[DIGEST_ENTRIES].count_documents({"recipient": {"$in": recipients}})
