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
from concurrent.futures import ThreadPoolExecutor
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
from shared.storage.aggregate import HIDDEN, RETRY, Aggregate, Runner, context

log = logging.getLogger(__name__)

SYSTEM = Principal(subject="sync", kind=PrincipalKind.SERVICE, name="Đồng bộ Cổng Dịch vụ công quốc gia")
WAITING, PENDING, SYNCED, REJECTED = "waiting", "pending", "synced", "rejected"
WRITERS = 8   # mirrors written at once (FerretDB serialises writes per database; round trips overlap)


class Mirrors(Aggregate):
    """The process log is not declared append-only: when the filing arrives after the workflow's first events
    (two topics), its line is put first and the lines renumbered — safe, since nothing of a dossier is pushed
    before its filing. Once a line is pushed its number never changes (later lines are appended)."""

    declared = MIRRORS_DECLARED
    noun = "Hồ sơ đồng bộ"

    def derive(self, before: dict[str, Any] | None, after: dict[str, Any], ctx: Context) -> None:
        after["sync_state"] = state_of(after)

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
    """Applies a poll's events: one read of the mirrors concerned, one write per mirror (in parallel), each
    mirror's events in the order they came. Returns how many mirrors changed."""
    by_dossier: OrderedDict[str, list[tuple[str, str, dict[str, Any]]]] = OrderedDict()
    for event, payload in events:
        by_dossier.setdefault(event.dossier_id, []).append((event.type, event.event_id, payload))
    if not by_dossier:
        return 0
    known = {m["_id"]: m for m in db[MIRRORS].find({"_id": {"$in": list(by_dossier)}}, HIDDEN)}
    ctx = context(SYSTEM, settings=settings)
    work = runner(db, settings)

    def write(item: tuple[str, list[tuple[str, str, dict[str, Any]]]]) -> bool:
        dossier_id, changes = item
        return _write(work, known.get(dossier_id), dossier_id, changes, ctx)

    if len(by_dossier) == 1:
        return sum(map(write, by_dossier.items()))
    with ThreadPoolExecutor(min(WRITERS, len(by_dossier))) as pool:
        return sum(pool.map(write, by_dossier.items()))


def _write(work: Runner, current: dict[str, Any] | None, dossier_id: str,
           changes: list[tuple[str, str, dict[str, Any]]], ctx: Context) -> bool:
    if current is None:
        fresh = fields.new_mirror(dossier_id, ctx.now)
        apply_events(fresh, ctx, events=changes)
        if work.create(fresh, ctx) is not None:
            return True
        current = work.get(dossier_id)  # created meanwhile (a redelivery racing itself): apply on it
    after, _ = work.apply(current, apply_events, ctx, events=changes)
    if after is None:
        work.run(dossier_id, apply_events, ctx, events=changes)
    return True


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
    """Records the portal's answers, one compare-and-set per mirror (in parallel); a mirror changed meanwhile by
    the consumer is read again and the answer applied on it."""
    if not answers:
        return
    ctx = context(SYSTEM, settings=settings)
    work = runner(db, settings)
    options = {"failing_after": settings.sync_failing_after, "retry_max": settings.sync_retry_max_seconds}

    def write(item: tuple[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
        dossier_id, (current, answer) = item
        after, _ = work.apply(current, portal_answered, ctx, answer=answer, **options)
        if after is None:
            work.run(dossier_id, portal_answered, ctx, answer=answer, **options)

    with ThreadPoolExecutor(min(WRITERS, len(answers))) as pool:
        list(pool.map(write, answers.items()))


# -- reading ------------------------------------------------------------------------------------------------------

def due(db: Database, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Mirrors the portal lacks something of, whose next attempt is due."""
    waiting = db[MIRRORS].find({"sync_state": PENDING}, {"portal": 1})
    ready = sorted(((as_utc(m["portal"]["next_attempt_at"]) if m["portal"]["next_attempt_at"] else None, m["_id"])
                    for m in waiting), key=lambda item: (item[0] is not None, item[0] or now, item[1]))
    ids = [dossier_id for next_at, dossier_id in ready if next_at is None or next_at <= now][:limit]
    if not ids:
        return []
    docs = {m["_id"]: m for m in db[MIRRORS].find({"_id": {"$in": ids}}, HIDDEN)}
    return [docs[i] for i in ids if i in docs]


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
