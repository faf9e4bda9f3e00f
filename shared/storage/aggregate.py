"""The one way to change a document and publish its events: the aggregate runner.

An *aggregate* is a document changed only by commands (a dossier, a shipment, a registry entry). The runner

1. loads it (404 when absent),
2. runs a pure command on a working copy — ``command(doc, ctx, **arguments) -> Change`` (see
   :mod:`shared.domain.changes`) — which checks the rules, changes the copy and names the events that follow
   (a report already applied says ``duplicate`` and nothing is written),
3. computes the derived fields once, in the aggregate's :meth:`Aggregate.derive` hook (queue fields, form
   stamps, ``open``…), so no command has to remember them,
4. writes the new state and its events in one compare-and-set on ``version`` with the embedded outbox
   (:mod:`shared.storage.outbox`): the fields that changed are ``$set``, entries appended to the append-only
   arrays (a process log) are ``$push``-ed, never rewritten; keys declared :class:`~shared.storage.documents.Packed`
   are written as one binary value and read back unpacked, so commands never see the difference,
5. then brings the aggregate's views up to date (:mod:`shared.storage.views`: slim copies a hot read scans,
   such as the officers' queue), guarded by the version just written.

If someone changed the document in between — another officer, a webhook, the scheduler — the write matches
nothing, and the **conflict policy** decides: :data:`ANSWER` raises :class:`~shared.domain.errors.Conflict`
(the caller gets 409 and reloads; two officers acting on one dossier, one wins), :data:`RETRY` runs the
command again on the fresh state (background work: a webhook, a consumer, the scheduler), a few times, then
gives up with the same Conflict.

``If-Match`` (``expected_version``) guards a person against changes they have not seen. Every write stamps
``material_version`` except those of commands marked :func:`housekeeping` (a due-soon alert raised, a field
derived: nothing a person acts on); a person who saw version N may act while no material write came since N.
Housekeeping in between neither refuses the command nor makes it lose its compare-and-set: it runs again on
the fresh state, whose rules it re-checks.

Outside production every document read and written is checked against its declared shape
(:mod:`shared.storage.documents`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from bson.tz_util import utc as bson_utc
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from shared.clock import as_utc, utc_now
from shared.domain.changes import DUPLICATE, Change, Context
from shared.domain.errors import Conflict, NotFound
from shared.events import Event
from shared.storage import audit
from shared.storage.documents import Declared, checks_enabled
from shared.storage.outbox import OUTBOX_FIELDS, Outbox
from shared.storage.views import View

log = logging.getLogger(__name__)

ANSWER = "answer"  # a conflict is the caller's: 409
RETRY = "retry"    # a conflict is re-run on the fresh state (background work)

HIDDEN = {name: 0 for name in OUTBOX_FIELDS}  # what a read never needs
MATERIAL_VERSION = "material_version"  # the version of the last write a person must have seen (_still_as_seen)
GUARDED_ATTEMPTS = 3  # a command with If-Match that lost its compare-and-set to housekeeping runs again

Command = Callable[..., Change]


class Aggregate:
    """How one kind of document is changed: subclass it once per collection and declare the collection, the
    noun used in messages, the append-only arrays, the derived fields and how events are made."""

    declared: ClassVar[Declared]
    noun: ClassVar[str] = "Dữ liệu"          # "Hồ sơ", "Bưu gửi": the subject of Vietnamese messages
    append_only: ClassVar[tuple[str, ...]] = ()
    revision_field: ClassVar[str] = "version"  # the compare-and-set counter (its ETag where the API shows one)
    views: ClassVar[tuple[View, ...]] = ()     # slim copies kept after every write (shared/storage/views.py)

    def derive(self, before: dict[str, Any] | None, after: dict[str, Any], ctx: Context) -> None:
        """Fields computed from the others, once per write (``before`` is None for a new document)."""

    def event(self, doc: dict[str, Any], version: int, name: str, details: dict[str, Any], ctx: Context) -> Event:
        raise NotImplementedError(f"{type(self).__name__} emits no events")


@dataclass
class _Plan:
    after: dict[str, Any]
    change: Change
    filter: dict[str, Any] | None = None
    update: dict[str, Any] | None = None
    events: list[Event] = field(default_factory=list)


class Runner:
    """Runs commands on the documents of one aggregate in one database."""

    def __init__(self, db: Database, aggregate: Aggregate, settings, *, on_conflict: str = ANSWER,
                 attempts: int = 10) -> None:
        if on_conflict not in (ANSWER, RETRY):
            raise ValueError(f"unknown conflict policy {on_conflict!r}")
        if aggregate.declared.packed & set(aggregate.append_only):
            raise ValueError("a packed key is rewritten whole: it cannot be append-only")
        self.aggregate = aggregate
        self.declared = aggregate.declared
        self.collection = db[aggregate.declared.name]
        self.outbox = Outbox(self.collection)
        self.on_conflict = on_conflict
        self.attempts = attempts if on_conflict == RETRY else 1
        self.checking = checks_enabled(settings)

    # -- reading -------------------------------------------------------------------------------------------

    def find(self, doc_id: Any) -> dict[str, Any] | None:
        doc = self.collection.find_one({"_id": doc_id}, HIDDEN)
        if doc is not None and self.checking:
            self.declared.check({**doc, **_bookkeeping(doc)})
        return None if doc is None else self.declared.loaded(doc)

    def get(self, doc_id: Any) -> dict[str, Any]:
        doc = self.find(doc_id)
        if doc is None:
            raise NotFound(f"Không tìm thấy {self.aggregate.noun.lower()}.")
        return doc

    # -- writing -------------------------------------------------------------------------------------------

    def create(self, doc: dict[str, Any], ctx: Context,
               events: Sequence[tuple[str, dict[str, Any]]] = ()) -> dict[str, Any] | None:
        """Inserts a new document (version 1) with its events; returns it, or None when one with its ``_id``
        (or another unique key) exists already — the caller decides whether that is a replay or a conflict."""
        new = {**doc, self.aggregate.revision_field: 1, "updated_at": ctx.now}
        self.aggregate.derive(None, new, ctx)
        made = [self.aggregate.event(new, 1, name, details, ctx) for name, details in events]
        self._check(new, made)
        try:
            self.outbox.insert(self.declared.stored(new), made, self._audit(ctx, "create", None, new))
        except DuplicateKeyError:
            return None
        self._write_views([new], ctx)
        return as_stored(new)

    def run(self, doc_id: Any, command: Command, ctx: Context, *, expected_version: int | None = None,
            **arguments: Any) -> tuple[dict[str, Any], Change]:
        """Runs ``command`` on the document; returns the document as it is afterwards and the change."""
        current = self.get(doc_id)
        revision = self.aggregate.revision_field
        # A person who acted on the version they saw runs again after losing to a housekeeping write.
        attempts = max(self.attempts, GUARDED_ATTEMPTS) if expected_version is not None else self.attempts
        for attempt in range(attempts):
            if expected_version is not None and not _still_as_seen(current, revision, expected_version):
                raise Conflict(f"{self.aggregate.noun} đã thay đổi kể từ khi anh/chị mở nó; vui lòng tải lại "
                               "và thử lại.")
            after, change = self.apply(current, command, ctx, **arguments)
            if after is not None:
                return after, change
            if attempt + 1 < attempts:
                time.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # spread the writers that collided
                current = self.get(doc_id)
        raise Conflict(f"{self.aggregate.noun} vừa được người khác cập nhật; vui lòng tải lại và thử lại.")

    def apply(self, current: dict[str, Any], command: Command, ctx: Context,
              **arguments: Any) -> tuple[dict[str, Any] | None, Change]:
        """One try on a document already read: the document afterwards, or None when the compare-and-set
        lost (someone changed it since it was read)."""
        planned = self._plan(current, command, ctx, arguments)
        if planned.update is None:
            return planned.after, planned.change
        result = self.outbox.update(planned.filter, planned.update, planned.events,
                                    self._audit(ctx, getattr(command, "__name__", "change"), current, planned.after))
        if not result.modified_count:
            return None, planned.change
        self._write_views([planned.after], ctx)
        return as_stored(planned.after), planned.change

    # -- many documents in one round trip (background work that must keep up: the sync and workflow consumers)

    def create_many(self, docs: Sequence[dict[str, Any]], ctx: Context) -> list[dict[str, Any] | None]:
        """:meth:`create` for many new documents (without events) in one insert; None for each one whose
        ``_id`` exists already (the caller applies its change on the stored one instead)."""
        new = [{**doc, self.aggregate.revision_field: 1, "updated_at": ctx.now} for doc in docs]
        for doc in new:
            self.aggregate.derive(None, doc, ctx)
            self._check(doc, [])
        refused = self.outbox.insert_many([self.declared.stored(doc) for doc in new])
        written = [doc for index, doc in enumerate(new) if index not in refused]
        audit.write_all(self.collection.database,
                        [line for doc in written for line in self._audit(ctx, "create", None, doc)])
        self._write_views(written, ctx)
        return [None if index in refused else as_stored(doc) for index, doc in enumerate(new)]

    def apply_many(self, work: Sequence[tuple[dict[str, Any], dict[str, Any]]], command: Command,
                   ctx: Context) -> list[tuple[dict[str, Any] | None, Change]]:
        """:meth:`apply` on many documents already read — ``work`` is (document, arguments) pairs — with every
        compare-and-set in bulk writes (a round trip and, on FerretDB, a turn of the database's write lock per
        :data:`~shared.storage.outbox.BULK` documents instead of per document). Returns (document afterwards,
        change) per pair, in order. A bulk write says how many documents it changed, not which: when a
        compare-and-set lost, every document of that bulk comes back as None, meaning *not known to be
        written* — the caller reads it again and runs the command on it, so the command must be idempotent or
        recognise its own earlier write."""
        plans = [self._plan(current, command, ctx, arguments) for current, arguments in work]
        written = [plan for plan in plans if plan.update is not None]
        won = dict(zip(map(id, written),
                       self.outbox.update_many([(plan.filter, plan.update, plan.events) for plan in written]),
                       strict=True))
        results: list[tuple[dict[str, Any] | None, Change]] = []
        audit.write_all(self.collection.database, [
            line for (current, _), plan in zip(work, plans, strict=True) if plan.update is not None and won[id(plan)]
            for line in self._audit(ctx, getattr(command, "__name__", "change"), current, plan.after)])
        for plan in plans:
            if plan.update is None:
                results.append((plan.after, plan.change))
            elif won[id(plan)]:
                results.append((as_stored(plan.after), plan.change))
            else:
                results.append((None, plan.change))
        self._write_views([plan.after for plan in written if won[id(plan)]], ctx)
        return results

    def _plan(self, current: dict[str, Any], command: Command, ctx: Context, arguments: dict[str, Any]) -> _Plan:
        """Runs the command on a working copy and prepares the compare-and-set (``update`` None: nothing to
        write, ``after`` is the document as it stays)."""
        working = as_stored(current)
        change = command(working, ctx, **arguments)
        if change.outcome == DUPLICATE:
            return _Plan(current, change)
        self.aggregate.derive(current, working, ctx)
        update = self._update(current, working)
        if update is None and not change.events:
            return _Plan(current, change)  # nothing to record (a report the document has already moved past)
        revision = self.aggregate.revision_field
        version = current[revision] + 1
        working.update({revision: version, "updated_at": ctx.now})
        if not getattr(command, "housekeeping", False) and self.aggregate.declared.declares(MATERIAL_VERSION):
            working[MATERIAL_VERSION] = version
        events = [self.aggregate.event(working, version, name, details, ctx) for name, details in change.events]
        self._check(working, events)
        update = update or {}
        update.setdefault("$set", {})["updated_at"] = ctx.now
        if working.get(MATERIAL_VERSION) == version:
            update["$set"][MATERIAL_VERSION] = version
        update["$inc"] = {revision: 1}
        return _Plan(working, change, {"_id": current["_id"], revision: current[revision]}, update, events)

    def _update(self, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any] | None:
        """The MongoDB update taking ``before`` to ``after``: changed top-level fields set, new entries of the
        append-only arrays pushed (a command may only append to them)."""
        update: dict[str, Any] = {}
        bookkept = ("_id", self.aggregate.revision_field, "updated_at")
        for name, value in after.items():
            if name in bookkept or (name in before and before[name] == value):
                continue
            if name in self.aggregate.append_only:
                old = before.get(name) or []
                if value[:len(old)] != old:
                    raise ValueError(f"{self.aggregate.declared.name}.{name} is append-only")
                update.setdefault("$push", {})[name] = {"$each": value[len(old):]}
            else:
                update.setdefault("$set", {})[name] = self.declared.stored_value(name, value)
        removed = [name for name in before if name not in after and name not in OUTBOX_FIELDS]
        if removed:
            update["$unset"] = {name: "" for name in removed}
        return update or None

    def _audit(self, ctx: Context, action: str, before: dict[str, Any] | None,
               after: dict[str, Any]) -> list[dict[str, Any]]:
        """The audit record of a write, for the outbox to write with it: a person's write goes to the audit trail
        (shared/storage/audit.py); the system's own do not."""
        if not audit.is_person(ctx.actor):
            return []
        return [audit.line(at=ctx.now, actor=ctx.actor, action=action, collection=self.collection.name,
                           document_id=after["_id"], changed=audit.changes(before, after))]

    def _write_views(self, docs: Sequence[dict[str, Any]], ctx: Context) -> None:
        """After writes that won: each view gets the documents' new versions (one bulk write per view). The
        documents and their events are written already, so a view that cannot be written now is left to its
        reconcile sweep (as after a process stopped here), never reported to the caller as a failed command."""
        for view in self.aggregate.views:
            try:
                view.write_many(self.collection.database, docs, ctx.now)
            except PyMongoError as exc:
                log.warning("view %s of %s %s not written (its reconcile sweep will): %s", view.name,
                            self.collection.name, ", ".join(str(doc["_id"]) for doc in docs[:5]),
                            exc.__class__.__name__)

    def _check(self, doc: dict[str, Any], events: Sequence[Event]) -> None:
        if self.checking:
            self.declared.check({**self.declared.stored(doc), **_bookkeeping(doc, pending=bool(events))})


def as_stored(value: Any) -> Any:
    """A document as reading it back would give it: moments in UTC to the millisecond (BSON dates), so what a
    command returns is what a later read returns. Always a new structure (every dict and list copied; the
    values BSON decodes to are immutable), so it is also the working copy a command may change freely: the
    background consumers copy thousands of documents a second, and on a document as read this costs a sixth of
    ``copy.deepcopy``."""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _IMMUTABLE else as_stored(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _IMMUTABLE else as_stored(v) for v in value]
    if isinstance(value, dict):
        return {k: as_stored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_stored(v) for v in value]
    if isinstance(value, datetime):
        if kind is datetime and value.tzinfo in _UTC and not value.microsecond % 1000:
            return value   # as read back already (immutable)
        moment = as_utc(value)
        return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)
    return value


_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes})
_UTC = frozenset({UTC, bson_utc})


def housekeeping(command: Command) -> Command:
    """Marks a command whose writes change nothing a person acts on (an alert raised, fields derived again): an
    ``If-Match`` made before such a write still holds."""
    command.housekeeping = True
    return command


def _still_as_seen(current: dict[str, Any], revision: str, seen: int) -> bool:
    """Whether a person who saw version ``seen`` may still act: no material write came since (housekeeping does
    not count), and ``seen`` was a real version. A document written before the stamp existed keeps the strict
    rule: ``seen`` must be the current version."""
    return current.get(MATERIAL_VERSION, current[revision]) <= seen <= current[revision]


def _bookkeeping(doc: dict[str, Any], pending: bool = False) -> dict[str, Any]:
    """Outbox fields as a stored document has them (reads hide them; a new document gets them on insert)."""
    return {"outbox": doc.get("outbox", []), "outbox_pending": doc.get("outbox_pending", pending),
            "outbox_lease_until": doc.get("outbox_lease_until"), "outbox_lease_owner": doc.get("outbox_lease_owner")}


def context(actor, *, calendar=None, settings=None, now=None) -> Context:
    """A command context at business now (or ``now``)."""
    return Context(actor=actor, now=now or utc_now(), calendar=calendar, settings=settings)
