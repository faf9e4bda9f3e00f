"""Mirrors: written from events (a batch of them at a time) and from the portal's answers, both with the
aggregate runner — one compare-and-set per mirror, the consumer and the pusher running again on a conflict.

States (``sync_state``, the work lists): ``waiting`` — known from the workflow but not filed yet (nothing to
push without the filing); ``pending`` — the portal lacks something (the dossier, steps, the latest revision);
``synced`` — the portal acknowledged everything; ``rejected`` — the portal refused the dossier for a reason
retrying cannot fix, until its content changes.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from pymongo.database import Database

from services.sync import SERVICE
from services.sync.mirrors import fields
from services.sync.mirrors.document import MIRRORS_DECLARED
from services.sync.storage import MIRRORS
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.clock import as_utc, utc_now
from shared.domain.changes import Change, Context
from shared.events import Event, new_event
from shared.storage.aggregate import HIDDEN, RETRY, Aggregate, Runner, as_stored, context

log = logging.getLogger(__name__)

SYSTEM = Principal(subject="sync", kind=PrincipalKind.SERVICE, name="Đồng bộ Cổng Dịch vụ công quốc gia")
WAITING, PENDING, SYNCED, REJECTED = "waiting", "pending", "synced", "rejected"
BULK_ATTEMPTS = 3   # bulk writes of a poll's mirrors before the ones still contended are written one by one


class Mirrors(Aggregate):
    """The process log is not declared append-only: when the filing arrives after the workflow's first events
    (two topics), its line is put first and the lines renumbered — safe, since nothing of a dossier is pushed
    before its filing. Once a line is pushed its number never changes (later lines are appended)."""

    declared = MIRRORS_DECLARED
    noun = "Hồ sơ đồng bộ"

    def derive(self, before: dict[str, Any] | None, after: dict[str, Any], ctx: Context) -> None:
        after["sync_state"] = state_of(after)
        after["retry_at"] = after["portal"]["next_attempt_at"]   # queried: the portal block is stored packed

    def event(self, m: dict[str, Any], version: int, name: str, details: dict[str, Any], ctx: Context) -> Event:
        portal = m["portal"]
        payload = {"code": m["code"], "procedure_code": m["procedure_code"],
                   "receiving_agency_code": m["receiving_agency_code"],
                   "competent_agency_code": m["competent_agency_code"], "channel": m["channel"],
                   "submitted_at": m["submitted_at"], "received_at": portal["received_at"],
                   "status": portal["status"] or m["status"], "revision": portal["synced_revision"], "at": ctx.now,
                   **details}
        return new_event(f"sync.{name}", m["_id"], payload, producer=SERVICE)


MIRRORS_AGGREGATE = Mirrors()


def state_of(m: dict[str, Any]) -> str:
    portal = m["portal"]
    if not m["filed"]:
        return WAITING
    if portal["created"] and portal["synced_revision"] >= m["revision"] and portal["synced_steps"] >= len(m["log"]):
        return SYNCED
    return REJECTED if portal["permanent"] else PENDING


def runner(db: Database, settings) -> Runner:
    return Runner(db, MIRRORS_AGGREGATE, settings, on_conflict=RETRY)


# -- from the events ----------------------------------------------------------------------------------------------

def apply_events(m: dict[str, Any], ctx: Context, *, events: list[tuple[str, str, dict[str, Any]]]) -> Change:
    """The events' effect on the mirror; a new content revision (PhienBan) when what the portal holds must
    change. Nothing changed (events applied before): nothing is written."""
    before = fields.pushable(m)
    for kind, event_id, payload in events:
        fields.apply(m, kind, event_id, payload)
    if fields.pushable(m) != before:
        m["revision"] += 1
        m["portal"]["permanent"] = False   # new content: the portal may take it now
        m["portal"]["next_attempt_at"] = None
    return Change()


def apply_batch(db: Database, settings, events: Iterable[tuple[Event, dict[str, Any]]]) -> int:
    """Applies a poll's events: one read of the mirrors concerned, then one insert of the new mirrors and one bulk
    write of the changed ones (one round trip each, however many mirrors), each mirror's events in the order
    they came. A mirror whose write was not certain (a compare-and-set that lost to the pusher, a mirror created
    meanwhile) is read again and its events applied on it — applying events is idempotent, so events a write
    already holds change nothing. Returns how many mirrors the poll concerned."""
    by_dossier: OrderedDict[str, list[tuple[str, str, dict[str, Any]]]] = OrderedDict()
    for event, payload in events:
        by_dossier.setdefault(event.dossier_id, []).append((event.type, event.event_id, payload))
    if not by_dossier:
        return 0
    known = {m["_id"]: m for m in loaded(db[MIRRORS].find({"_id": {"$in": list(by_dossier)}}, HIDDEN))}
    ctx = context(SYSTEM, settings=settings)
    work = runner(db, settings)
    again: list[str] = []
    fresh = []
    for dossier_id, changes in by_dossier.items():
        if dossier_id not in known:
            mirror = fields.new_mirror(dossier_id, ctx.now)
            apply_events(mirror, ctx, events=changes)
            fresh.append(mirror)
    for mirror, created in zip(fresh, work.create_many(fresh, ctx), strict=True):
        if created is None:
            again.append(mirror["_id"])   # created meanwhile (a redelivery racing itself): apply on it
    existing = [(known[dossier_id], {"events": changes}) for dossier_id, changes in by_dossier.items()
                if dossier_id in known]
    for _ in range(BULK_ATTEMPTS):   # bulks that lost a compare-and-set (to the pusher): read again, apply again
        lost = [current["_id"] for (current, _), (after, _)
                in zip(existing, work.apply_many(existing, apply_events, ctx), strict=True) if after is None]
        if not lost:
            break
        existing = [(m, {"events": by_dossier[m["_id"]]})
                    for m in loaded(db[MIRRORS].find({"_id": {"$in": lost}}, HIDDEN))]
    else:
        again += [current["_id"] for current, _ in existing]
    for dossier_id in again:
        work.run(dossier_id, apply_events, ctx, events=by_dossier[dossier_id])
    return len(by_dossier)


# -- from the portal's answers -----------------------------------------------------------------------------------

def portal_answered(m: dict[str, Any], ctx: Context, *, answer: dict[str, Any], failing_after: int,
                    retry_max: float) -> Change:
    """What the portal said to a push: ``created`` (it holds the dossier, at ``revision`` with ``steps`` steps),
    ``steps`` (it now holds that many), ``revision`` (it holds that content revision), or an ``error``
    (``permanent`` when retrying cannot help, ``retry_after`` when it asked to wait). Counts only go up: an
    answer overtaken by a later one changes nothing."""
    portal = m["portal"]
    change = Change()
    portal["last_attempt_at"] = ctx.now
    first = not portal["created"] and answer.get("created")
    reception_before = portal["received_at"]
    if answer.get("created"):
        portal["created"] = True
        portal["first_synced_at"] = portal["first_synced_at"] or ctx.now
    if answer.get("steps") is not None:
        portal["synced_steps"] = answer["steps"] if answer.get("reset_steps") else max(portal["synced_steps"],
                                                                                        answer["steps"])
    if answer.get("revision") and answer["revision"] >= portal["synced_revision"]:
        portal["synced_revision"] = answer["revision"]
        portal["status"] = answer.get("status", portal["status"])
        if answer.get("received_at"):
            portal["received_at"] = answer["received_at"]
    if answer.get("error"):
        _failed(m, ctx, change, answer, failing_after, retry_max)
    else:
        portal.update(last_success_at=ctx.now, last_error=None, failures=0, next_attempt_at=None,
                      failing_reported=False)
    if first or (reception_before is None and portal["received_at"] is not None and portal["created"]):
        change.emit("dossier-synchronised", first=bool(first), reception=portal["received_at"] is not None)
    return change


def _failed(m: dict[str, Any], ctx: Context, change: Change, answer: dict[str, Any], failing_after: int,
            retry_max: float) -> None:
    portal = m["portal"]
    throttled = answer.get("retry_after") is not None
    if not throttled:
        portal["failures"] += 1
    portal["last_error"] = answer["error"][:500]
    portal["permanent"] = bool(answer.get("permanent"))
    wait = answer["retry_after"] if throttled else min(2.0 ** portal["failures"], retry_max)
    portal["next_attempt_at"] = ctx.now + timedelta(seconds=wait)
    if (portal["failures"] >= failing_after or portal["permanent"]) and not portal["failing_reported"]:
        portal["failing_reported"] = True
        change.emit("dossier-sync-failed", error=portal["last_error"], attempts=portal["failures"],
                    permanent=portal["permanent"])


def portal_holds(m: dict[str, Any], ctx: Context, *, held: dict[str, Any] | None) -> Change:
    """Reconciliation: what the portal says it holds of the dossier. Whatever it lacks is pushed again — the
    dossier itself, steps, or the latest revision; what it holds beyond ours (never expected) is left alone."""
    portal = m["portal"]
    if held is None:
        if portal["created"]:
            log.warning("the national portal lost dossier %s: pushing it again", m["code"])
        portal.update(created=False, synced_steps=0, synced_revision=0, status=None)
        return Change()
    portal["synced_steps"] = min(portal["synced_steps"], held["steps"])
    portal["synced_revision"] = min(portal["synced_revision"], held["revision"])
    portal["created"] = True
    return Change()


def write_answers(db: Database, settings, answers: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Records the portal's answers in one bulk write of compare-and-sets. If some lost (the consumer changed
    those mirrors meanwhile), each mirror not yet stamped with this round's attempt is read again and its answer
    applied on it (only the pusher writes ``last_attempt_at``, one round at a time)."""
    if not answers:
        return
    ctx = context(SYSTEM, settings=settings)
    work = runner(db, settings)
    options = {"failing_after": settings.sync_failing_after, "retry_max": settings.sync_retry_max_seconds}
    items = [(current, {"answer": answer, **options}) for current, answer in answers.values()]
    results = work.apply_many(items, portal_answered, ctx)
    lost = [current["_id"] for (current, _), (after, _) in zip(items, results, strict=True) if after is None]
    if not lost:
        return
    stamp = as_stored(ctx.now)
    for m in loaded(db[MIRRORS].find({"_id": {"$in": lost}}, HIDDEN)):
        if m["portal"]["last_attempt_at"] is None or as_utc(m["portal"]["last_attempt_at"]) != stamp:
            work.run(m["_id"], portal_answered, ctx, answer=answers[m["_id"]][1], **options)


# -- reading ------------------------------------------------------------------------------------------------------

def due(db: Database, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Mirrors the portal lacks something of, whose next attempt is due: those not waiting out a failure first,
    in the order they were stored, then the failed ones by when they are due. The first query has no sort, so
    the store stops reading at ``limit``: sorting made FerretDB decode every pending mirror (several KB each) at
    every round, thousands in a burst. The second runs only when the first leaves room."""
    found = loaded(db[MIRRORS].find({"sync_state": PENDING, "retry_at": None}, HIDDEN).limit(limit))
    if len(found) < limit:
        retries = db[MIRRORS].find({"sync_state": PENDING, "retry_at": {"$lte": now}}, HIDDEN)
        found += loaded(retries.sort([("retry_at", 1), ("_id", 1)]).limit(limit - len(found)))
    return found


def loaded(found: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mirrors read without the runner (a work list, a page, a count), as commands see them: the packed keys
    unpacked. Every such read goes through here."""
    return [MIRRORS_DECLARED.loaded(m) for m in found]


def get(db: Database, settings, dossier_id: str) -> dict[str, Any]:
    return runner(db, settings).get(dossier_id)


def counts(db: Database) -> dict[str, int]:
    return {state: db[MIRRORS].count_documents({"sync_state": state}) for state in (WAITING, PENDING, SYNCED,
                                                                                    REJECTED)}


def agencies_of(db: Database, dossier_id: str) -> set[str] | None:
    doc = db[MIRRORS].find_one({"_id": dossier_id}, {"receiving_agency_code": 1, "competent_agency_code": 1})
    return {doc["receiving_agency_code"], doc["competent_agency_code"]} if doc else None


def now() -> datetime:
    return utc_now()
