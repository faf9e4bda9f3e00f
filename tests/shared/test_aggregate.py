"""The aggregate runner on the real database: one compare-and-set with the outbox, derived fields computed once,
append-only arrays pushed, the conflict policy (409 or run again), and shapes that fail loudly."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest

from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.domain.changes import Change, Context
from shared.domain.errors import Conflict, NotFound
from shared.events import Event, event_type, new_event
from shared.storage import documents as d
from shared.storage.aggregate import ANSWER, RETRY, Aggregate, Runner, context, housekeeping
from shared.storage.documents import Declared, DocumentMismatch
from shared.storage.packing import unpacked_value
from tests.conftest import database
from tests.support import factories

ACTOR = factories.officer_principal("000.00.01.H11")


class Counter(d.Aggregate):
    count = d.Int(allow_none=False)
    doubled = d.Int(allow_none=False)
    log = d.List(d.Text())


class Counters(Aggregate):
    declared = Declared("counters", Counter, "test documents")
    noun = "Bộ đếm"
    append_only = ("log",)

    def derive(self, before, after, ctx):
        after["doubled"] = 2 * after["count"]

    def event(self, doc, version, name, details, ctx) -> Event:
        template = factories.submitted_event()
        payload = {**event_type("dossier.submitted").load(template.payload, template.schema_version),
                   "status": doc["count"]}
        return new_event("dossier.submitted", doc["_id"], payload, producer="test")


def add(doc: dict[str, Any], ctx: Context, *, by: int, note: str) -> Change:
    doc["count"] += by
    doc["log"].append(note)
    change = Change()
    change.emit("counted")
    return change


@pytest.fixture
def db(mongo_client, fresh_settings):
    return database(mongo_client, fresh_settings, "workflow")


def _new(runner: Runner) -> str:
    doc_id = str(uuid.uuid4())
    assert runner.create({"_id": doc_id, "count": 0, "log": []}, context(ACTOR)) is not None
    return doc_id


def test_a_command_writes_its_change_its_derived_fields_and_its_events_in_one_write(db, settings):
    runner = Runner(db, Counters(), settings)
    doc_id = _new(runner)
    after, change = runner.run(doc_id, add, context(ACTOR), by=3, note="ba")
    stored = db.counters.find_one({"_id": doc_id})
    assert after["count"] == stored["count"] == 3 and stored["doubled"] == 6 and stored["version"] == 2
    assert stored["log"] == ["ba"] and stored["outbox_pending"] is True
    assert [e["payload"]["status"] for e in stored["outbox"]] == [3] and change.events == [("counted", {})]
    assert runner.create({"_id": doc_id, "count": 9, "log": []}, context(ACTOR)) is None  # exists: not replaced
    with pytest.raises(NotFound):
        runner.run("khong-co", add, context(ACTOR), by=1, note="x")


def test_append_only_arrays_are_pushed_never_rewritten(db, settings):
    runner = Runner(db, Counters(), settings)
    doc_id = _new(runner)
    runner.run(doc_id, add, context(ACTOR), by=1, note="một")

    def rewrite(doc, ctx):
        doc["log"] = ["sửa lịch sử"]
        return Change()

    with pytest.raises(ValueError, match="append-only"):
        runner.run(doc_id, rewrite, context(ACTOR))
    assert db.counters.find_one({"_id": doc_id})["log"] == ["một"]


def test_a_stale_version_is_a_409_and_background_work_runs_again(db, settings):
    answering, retrying = Runner(db, Counters(), settings, on_conflict=ANSWER), Runner(
        db, Counters(), settings, on_conflict=RETRY)
    doc_id = _new(answering)
    with pytest.raises(Conflict):
        answering.run(doc_id, add, context(ACTOR), expected_version=7, by=1, note="x")
    barrier, failures = threading.Barrier(8), []

    def racing():
        barrier.wait()
        try:
            retrying.run(doc_id, add, context(ACTOR), by=1, note="song song")
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=racing) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    stored = db.counters.find_one({"_id": doc_id})
    assert stored["count"] == 8 and len(stored["log"]) == 8 and stored["version"] == 9
    assert len(stored["outbox"]) == 8  # every write carried its event; none lost, none doubled


def test_a_document_that_does_not_fit_its_shape_fails_loudly(db, settings):
    runner = Runner(db, Counters(), settings)
    doc_id = _new(runner)

    def corrupt(doc, ctx):
        doc["count"] = "ba"
        return Change()

    with pytest.raises(DocumentMismatch, match="count"):
        runner.run(doc_id, corrupt, context(ACTOR))
    db.counters.update_one({"_id": doc_id}, {"$set": {"unexpected": 1}})
    with pytest.raises(DocumentMismatch, match="unexpected"):
        runner.get(doc_id)
    # what the benchmarks run with, as production does: no check
    assert Runner(db, Counters(), dataclasses.replace(settings, document_checks=False)).get(doc_id)["unexpected"] == 1


def test_many_documents_are_created_and_changed_in_bulk_and_a_lost_compare_and_set_is_not_claimed(db, settings):
    """create_many and apply_many (the sync consumer's and pusher's way to keep up): each document gets its own
    compare-and-set and events, written in bulk; an existing _id is refused, and a document changed since it was
    read comes back as None (not known to be written) with the rest of its bulk, never as written."""
    runner = Runner(db, Counters(), settings)
    existing = _new(runner)
    ids = [str(uuid.uuid4()) for _ in range(45)]   # more than one bulk (BULK = 40)
    created = runner.create_many([{"_id": i, "count": 0, "log": []} for i in ids] +
                                 [{"_id": existing, "count": 7, "log": []}], context(ACTOR))
    assert [c is not None for c in created] == [True] * len(ids) + [False]
    assert db.counters.find_one({"_id": existing})["count"] == 0   # not replaced
    docs = {doc["_id"]: doc for doc in db.counters.find({"_id": {"$in": ids}}, {"outbox": 0})}
    runner.run(ids[-1], add, context(ACTOR), by=10, note="meanwhile")   # the last bulk's read is now stale
    work = [(docs[i], {"by": n, "note": f"n{n}"}) for n, i in enumerate(ids, 1)]
    results = runner.apply_many(work, add, context(ACTOR))
    first, last = results[:40], results[40:]
    assert all(after is not None and after["count"] == n and after["version"] == 2
               for n, (after, _) in enumerate(first, 1))
    assert all(after is None for after, _ in last)
    for n, i in enumerate(ids[:40], 1):
        stored = db.counters.find_one({"_id": i})
        assert stored["count"] == n and stored["doubled"] == 2 * n and stored["log"] == [f"n{n}"]
        assert [e["payload"]["status"] for e in stored["outbox"]] == [n] and stored["outbox_pending"] is True
    assert db.counters.find_one({"_id": ids[-1]})["count"] == 10   # the stale compare-and-set changed nothing
    assert db.outbox_wakeups.count_documents({"document_id": {"$in": ids[:40]}}) == 40


@housekeeping
def noted(doc: dict[str, Any], ctx: Context) -> Change:
    doc["log"].append("nhắc hạn")   # an alert raised: nothing a person acts on
    return Change()


def test_if_match_guards_against_changes_a_person_has_not_seen_not_housekeeping(db, settings):
    answering = Runner(db, Counters(), settings, on_conflict=ANSWER)
    system = context(Principal(subject="scheduler", kind=PrincipalKind.SERVICE))
    doc_id = _new(answering)
    seen, _ = answering.run(doc_id, add, context(ACTOR), by=1, note="cán bộ 1")       # version 2
    assert db.counters.find_one({"_id": doc_id})["material_version"] == 2
    answering.run(doc_id, noted, system)                                                 # housekeeping: 3
    assert db.counters.find_one({"_id": doc_id})["material_version"] == 2
    after, _ = answering.run(doc_id, add, context(ACTOR), expected_version=seen["version"], by=1, note="cán bộ 1")
    assert after["version"] == 4 and after["material_version"] == 4 and after["count"] == 2
    answering.run(doc_id, add, system, by=1, note="hệ thống")                          # material, by the system: 5
    with pytest.raises(Conflict, match="đã thay đổi kể từ khi"):
        answering.run(doc_id, add, context(ACTOR), expected_version=4, by=1, note="cán bộ 1")
    with pytest.raises(Conflict):   # a version that never was
        answering.run(doc_id, add, context(ACTOR), expected_version=9, by=1, note="cán bộ 1")
    assert db.counters.find_one({"_id": doc_id})["count"] == 3


class Note(d.Shape):
    text = d.Text(allow_none=False)
    at = d.Moment()


class Noted(d.Aggregate):
    title = d.Text()
    notes = d.Packed(d.List(d.Nested(Note)))


class Notes(Aggregate):
    declared = Declared("packed_notes", Noted, "test documents")
    noun = "Ghi chú"


def write_note(doc: dict[str, Any], ctx: Context, *, text: str | None) -> Change:
    doc["notes"].append({"text": text, "at": ctx.now})
    return Change()


def test_a_packed_key_is_stored_as_one_binary_its_shape_still_checked_and_commands_see_it_unpacked(db, settings):
    """shared/storage/packing.py: a key declared Packed is written as one binary value by every write of the
    runner (create, run, apply_many) and read back as the plain value, datetimes aware; its inner shape is
    checked like any other; a value stored before the key was packed is read as it is."""
    runner, ctx = Runner(db, Notes(), settings), context(ACTOR)
    doc_id = str(uuid.uuid4())
    assert runner.create({"_id": doc_id, "title": "Sổ", "notes": []}, ctx)["notes"] == []
    assert isinstance(db.packed_notes.find_one({"_id": doc_id})["notes"], bytes)
    after, _ = runner.run(doc_id, write_note, ctx, text="một")
    [(again, _)] = runner.apply_many([(runner.get(doc_id), {"text": "hai"})], write_note, ctx)
    assert [n["text"] for n in after["notes"]] == ["một"] and [n["text"] for n in again["notes"]] == ["một", "hai"]

    stored = db.packed_notes.find_one({"_id": doc_id})
    assert [n["text"] for n in unpacked_value(stored["notes"])] == ["một", "hai"] and stored["version"] == 3
    read = runner.get(doc_id)
    assert read["notes"] == again["notes"] and read["notes"][0]["at"].utcoffset() == timedelta(0)

    with pytest.raises(DocumentMismatch, match="notes"):  # a note without its text: caught inside the binary
        runner.run(doc_id, write_note, ctx, text=None)
    db.packed_notes.update_one({"_id": doc_id}, {"$set": {"notes": [{"text": "cũ", "at": None}]}})
    assert Notes.declared.loaded(db.packed_notes.find_one({"_id": doc_id}))["notes"][0]["text"] == "cũ"

    class AppendOnly(Notes):
        append_only = ("notes",)

    with pytest.raises(ValueError, match="append-only"):  # an appended entry would need the whole binary anyway
        Runner(db, AppendOnly(), settings)
