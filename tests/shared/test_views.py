"""Views of an aggregate on the real database (shared/storage/views.py): written by the runner after each write,
never overwritten by an older version, a tombstone once not listed, and rebuilt by the reconcile sweep after a
writer stopped between the document's write and the view's."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from shared.clock import utc_now
from shared.domain.changes import Change, Context
from shared.storage import documents as d
from shared.storage.aggregate import Aggregate, Runner, context
from shared.storage.documents import Declared
from shared.storage.views import TOMBSTONE_SECONDS, View
from tests.conftest import database
from tests.support import factories

ACTOR = factories.officer_principal("000.00.01.H11")


class Task(d.Aggregate):
    title = d.Text()
    done = d.Bool(allow_none=False)
    notes = d.List(d.Text())


class TaskEntry(d.Document):
    version = d.Int(allow_none=False)
    gone_at = d.optional(d.Moment())
    title = d.optional(d.Text())


VIEW = View(Declared("task_entries", TaskEntry, "test view"),
            lambda doc: None if doc["done"] else {"title": doc["title"]}, listed_query={"done": False})


class Tasks(Aggregate):
    declared = Declared("tasks", Task, "test documents")
    views = (VIEW,)


def rename(doc: dict[str, Any], ctx: Context, *, title: str) -> Change:
    doc["title"] = title
    return Change()


def finish(doc: dict[str, Any], ctx: Context) -> Change:
    doc["done"] = True
    return Change()


@pytest.fixture
def db(mongo_client, fresh_settings):
    return database(mongo_client, fresh_settings, "workflow")


def _new(runner: Runner, title: str = "một") -> str:
    doc_id = str(uuid.uuid4())
    assert runner.create({"_id": doc_id, "title": title, "done": False, "notes": []}, context(ACTOR)) is not None
    return doc_id


def test_every_write_that_wins_brings_the_entry_to_the_new_version(db, settings):
    runner = Runner(db, Tasks(), settings)
    doc_id = _new(runner)
    assert db.task_entries.find_one({"_id": doc_id})["title"] == "một"
    runner.run(doc_id, rename, context(ACTOR), title="hai")
    entry = db.task_entries.find_one({"_id": doc_id})
    assert (entry["title"], entry["version"], "gone_at" in entry) == ("hai", 2, False)
    runner.run(doc_id, finish, context(ACTOR))
    tombstone = db.task_entries.find_one({"_id": doc_id})
    assert (tombstone["version"], "gone_at" in tombstone, "title" in tombstone) == (3, True, False)


def test_an_older_version_written_late_never_replaces_a_newer_entry_nor_lists_a_finished_one(db, settings):
    runner = Runner(db, Tasks(), settings)
    doc_id = _new(runner)
    first = runner.get(doc_id)
    runner.run(doc_id, rename, context(ACTOR), title="mới")
    assert VIEW.write(db, first, utc_now()) is False  # a writer that finished out of order
    assert db.task_entries.find_one({"_id": doc_id})["title"] == "mới"
    runner.run(doc_id, finish, context(ACTOR))
    assert VIEW.write(db, {**first, "version": 2, "title": "mới"}, utc_now()) is False
    assert "gone_at" in db.task_entries.find_one({"_id": doc_id})


def test_many_documents_written_at_once_bring_their_entries_along_and_a_late_older_one_is_left(db, settings):
    runner = Runner(db, Tasks(), settings)
    made = runner.create_many([{"_id": str(uuid.uuid4()), "title": f"việc {n}", "done": False, "notes": []}
                               for n in range(4)], context(ACTOR))
    ids = [doc["_id"] for doc in made]
    assert {e["_id"]: e["title"] for e in db.task_entries.find({"_id": {"$in": ids}})} == {
        doc_id: f"việc {n}" for n, doc_id in enumerate(ids)}
    # writers finishing out of order: the first was renamed meanwhile (its entry is at version 2 already), the
    # second's entry is missing (a writer stopped before it): a late bulk of version 2 leaves the first alone,
    # makes the second's entry and brings the others to version 2
    runner.run(ids[0], rename, context(ACTOR), title="mới")
    db.task_entries.delete_one({"_id": ids[1]})
    VIEW.write_many(db, [{**doc, "version": 2, "title": f"bản 2 {n}"} for n, doc in enumerate(made)], utc_now())
    entries = {e["_id"]: (e["title"], e["version"]) for e in db.task_entries.find({"_id": {"$in": ids}})}
    assert entries == {ids[0]: ("mới", 2), **{doc_id: (f"bản 2 {n}", 2) for n, doc_id in enumerate(ids) if n}}
    VIEW.write_many(db, made, utc_now())  # version 1, later still: nothing changes
    assert {e["_id"]: (e["title"], e["version"]) for e in db.task_entries.find({"_id": {"$in": ids}})} == entries


def test_the_sweep_rewrites_what_a_stopped_writer_left_behind_and_purges_old_tombstones(db, settings):
    runner = Runner(db, Tasks(), settings)
    behind, missing, closed, gone = (_new(runner, title) for title in ("a", "b", "c", "d"))
    # a writer stopped after the document's write and before the view's, three ways:
    db.tasks.update_one({"_id": behind}, {"$set": {"title": "a2"}, "$inc": {"version": 1}})
    db.task_entries.delete_one({"_id": missing})
    db.tasks.update_one({"_id": closed}, {"$set": {"done": True}, "$inc": {"version": 1}})
    db.tasks.delete_one({"_id": gone})
    now = utc_now()
    assert VIEW.reconcile(db, "tasks", now) == 3
    entries = {e["_id"]: e for e in db.task_entries.find({"_id": {"$in": [behind, missing, closed, gone]}})}
    assert (entries[behind]["title"], entries[behind]["version"]) == ("a2", 2)
    assert entries[missing]["title"] == "b" and "gone_at" in entries[closed] and gone not in entries
    assert VIEW.reconcile(db, "tasks", now) == 0  # in step: nothing to write
    # the tombstone outlives any late writer, then goes
    VIEW.reconcile(db, "tasks", now + timedelta(seconds=TOMBSTONE_SECONDS + 1))
    assert db.task_entries.find_one({"_id": closed}) is None


class Unwritable(Aggregate):
    """A view that cannot be written: its collection name is one the driver refuses (InvalidName), as any
    database error after the document's write would be."""
    declared = Declared("tasks", Task, "test documents")
    views = (View(Declared("no$entries", TaskEntry, "a view that cannot be written"),
                  lambda doc: {"title": doc["title"]}, listed_query={}),)


def test_a_view_that_cannot_be_written_never_fails_the_command_that_was_written(db, settings, caplog):
    runner = Runner(db, Unwritable(), settings)
    doc_id = _new(runner)
    after, _ = runner.run(doc_id, rename, context(ACTOR), title="vẫn ghi")
    assert after["title"] == db.tasks.find_one({"_id": doc_id})["title"] == "vẫn ghi"
    assert "not written (its reconcile sweep will)" in caplog.text
