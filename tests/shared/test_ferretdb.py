"""The MongoDB-wire server as we build it (FerretDB v1 with tools/ferretdb/*.patch): what our code relies on."""

from __future__ import annotations

import uuid

import pytest
from bson import ObjectId

pytestmark = pytest.mark.stack


@pytest.fixture
def collection(mongo_client):
    found = mongo_client[f"t{uuid.uuid4().hex[:10]}"]["things"]
    yield found
    found.database.client.drop_database(found.database.name)


def test_ids_in_a_list_are_found_through_the_primary_key_and_nothing_else_is_returned(collection):
    oid = ObjectId()
    collection.insert_many([{"_id": f"d{n}", "n": n} for n in range(50)] + [{"_id": 7, "n": 7}, {"_id": oid}])
    query = {"_id": {"$in": ["d3", "d17", "missing", "d3"]}}
    assert sorted(d["_id"] for d in collection.find(query)) == ["d17", "d3"]
    assert collection.database.command("explain", {"find": collection.name, "filter": query})["filterPushdown"]
    assert [d["_id"] for d in collection.find({"_id": {"$in": [oid]}})] == [oid]
    # not pushed down (a number among the ids, no list, or more than $in): still answered right, by a scan
    assert sorted(map(str, (d["_id"] for d in collection.find({"_id": {"$in": ["d1", 7]}})))) == ["7", "d1"]
    assert list(collection.find({"_id": {"$in": []}})) == []
    assert [d["_id"] for d in collection.find({"_id": {"$in": ["d1", "d2"], "$ne": "d2"}})] == ["d1"]


def test_a_boolean_alone_is_narrowed_in_sql_and_still_answered_as_mongodb_would(collection):
    """A relay's sweep for pending outboxes: ``{outbox_pending: true}`` decoded every document in Go before."""
    collection.insert_many([{"_id": f"d{n}", "pending": n % 10 == 0, "kind": "odd" if n % 2 else "even"}
                            for n in range(50)] + [{"_id": "both", "pending": [False, True]}, {"_id": "none"}])
    query = {"pending": True}
    assert sorted(d["_id"] for d in collection.find(query)) == sorted(["both", "d0", "d10", "d20", "d30", "d40"])
    assert collection.database.command("explain", {"find": collection.name, "filter": query})["filterPushdown"]
    assert collection.count_documents({"pending": False}) == 46  # 45, and the array that holds false too
    # beside a string equality (more selective) the boolean is left to Go: still the same answer
    assert sorted(d["_id"] for d in collection.find({"pending": True, "kind": "even"})) == [
        "d0", "d10", "d20", "d30", "d40"]


def test_deletes_by_id_delete_by_key_and_count_as_mongodb_would(collection):
    """``{_id: X}`` and ``{_id: {$in: [...]}}`` delete the rows by key (no document decoded); anything else, and
    one of several ids for a delete_one, still goes the general way."""
    oid = ObjectId()
    collection.insert_many([{"_id": f"d{n}", "n": n} for n in range(20)] + [{"_id": 7, "n": 7}, {"_id": oid}])
    assert collection.delete_one({"_id": "d1"}).deleted_count == 1
    assert collection.delete_one({"_id": "d1"}).deleted_count == 0               # gone already
    assert collection.delete_many({"_id": {"$in": ["d2", "d3", "missing", "d2"]}}).deleted_count == 2
    assert collection.delete_many({"_id": {"$in": [oid]}}).deleted_count == 1
    assert collection.delete_one({"_id": {"$in": ["d4", "d5"]}}).deleted_count == 1  # one of them, not both
    assert collection.delete_many({"_id": {"$in": ["d6", 7]}}).deleted_count == 2    # a number among them
    assert collection.delete_many({"_id": "d8", "n": 9}).deleted_count == 0          # more than the id: filtered
    assert collection.delete_many({"_id": {"$in": []}}).deleted_count == 0
    left = {d["_id"] for d in collection.find()}
    assert len(left & {"d4", "d5"}) == 1
    assert left - {"d4", "d5"} == {"d0", *(f"d{n}" for n in range(7, 20))}
