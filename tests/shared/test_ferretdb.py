"""The MongoDB-wire server as we build it (FerretDB v1 with tools/ferretdb/*.patch): what our code relies on."""

from __future__ import annotations

import random
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bson import Binary, CodecOptions, Int64, ObjectId, Regex, Timestamp
from pymongo import MongoClient, ReplaceOne, UpdateOne
from pymongo.errors import OperationFailure

from tools.devstack.servers import FerretDBServer, free_port

pytestmark = pytest.mark.stack
EPOCH = datetime.fromtimestamp(0, UTC)


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


def test_several_string_equalities_are_answered_by_a_compound_index_and_as_mongodb_would(collection):
    """Two or three string equalities are written in SQL as a disjunction of conjunctions, so SQLite seeks a
    compound index on all of them (a notification sender's ``{status, channel}``: it parsed every waiting message
    of the other channels before). Arrays that hold the value still match, as in MongoDB; four fields fall back."""
    collection.create_index([("status", 1), ("channel", 1)])
    docs = [{"_id": f"d{n}", "status": ("created", "sending", "delivered")[n % 3], "channel": ("sms", "email")[n % 2],
             "kind": ("a", "b")[n % 4 // 2], "extra": "x"} for n in range(60)]
    docs += [{"_id": "status-array", "status": ["sending", "created"], "channel": "sms", "kind": "a", "extra": "x"},
             {"_id": "channel-array", "status": "created", "channel": ["email", "sms"], "kind": "a", "extra": "x"},
             {"_id": "both-arrays", "status": ["created"], "channel": ["sms"], "kind": ["a"], "extra": ["x"]},
             {"_id": "array-without", "status": ["sending"], "channel": "sms", "kind": "a", "extra": "x"},
             {"_id": "no-channel", "status": "created", "kind": "a", "extra": "x"}]
    collection.insert_many(docs)

    def matches(doc, query):
        return all(doc.get(k) == v or (isinstance(doc.get(k), list) and v in doc[k]) for k, v in query.items())

    for query in ({"status": "created", "channel": "sms"},
                  {"status": "created", "channel": "sms", "kind": "a"},
                  {"status": "created", "channel": "sms", "kind": "a", "extra": "x"},   # four: the conjunction
                  {"_id": "d0", "status": "created", "channel": "sms"}):
        expected = sorted(d["_id"] for d in docs if matches(d, query))
        assert sorted(d["_id"] for d in collection.find(query)) == expected, query
        assert collection.count_documents(query) == len(expected)
        assert collection.database.command("explain", {"find": collection.name, "filter": query})["filterPushdown"]
    assert {"status-array", "channel-array", "both-arrays"} <= {
        d["_id"] for d in collection.find({"status": "created", "channel": "sms"})}
    plan = collection.database.command("explain", {"find": collection.name,
                                                   "filter": {"status": "created", "channel": "sms"}})["queryPlanner"]
    assert any("USING INDEX" in line and "status_1_channel_1 (<expr>=? AND <expr>=?)" in line
               for line in plan["Plan"]), plan   # a seek on both fields, not a search on the first


def test_a_sorted_page_is_the_start_of_the_same_query_sorted_whole_for_values_of_every_type(collection):
    """sqlite-sorted-pages.patch: a find with a sort and a limit decodes the sort keys of the rows first, sorts
    them, then decodes whole documents in that order only as far as the page needs. Its pages must be exactly the
    start of what the handler's own sort gives without a limit (the path every query took before): keys of mixed
    types (strings sharing a prefix, which JSON text would misorder, numbers of three types, dates, null, a missing
    field, ObjectIds, booleans, arrays, documents), two and three keys, both directions, skips, a filter partly
    left to Go that rejects most documents, and a dotted key (sorted by the handler as before)."""
    rng = random.Random(11)
    firsts = ["a", "a b", "a!", "ab", "a\"", "", "Ă", "a\u2028", 3, Int64(2), 2.5, -1, None,
              EPOCH + timedelta(days=3), EPOCH - timedelta(days=3), ObjectId(), True, False, [2, "b"], [], {"x": 1}]
    docs = []
    for n in range(600):
        doc = {"_id": f"d{n:03d}", "agency": ("A", "B")[n % 2], "odd": n % 10 == 3,
               "second": rng.choice([1, "1", None, EPOCH, [0, 9]]), "sub": {"k": rng.randrange(5)}}
        if rng.random() < 0.9:
            doc["first"] = rng.choice(firsts)
        docs.append(doc)
    collection.insert_many(docs)
    collection.create_index([("agency", 1), ("first", 1), ("_id", 1)])

    for query in ({"agency": "A"}, {"agency": "B", "odd": True}, {"odd": True}, {}):
        for sort in ([("first", 1), ("_id", 1)], [("first", -1), ("second", -1), ("_id", -1)],
                     [("second", 1), ("_id", -1)], [("sub.k", 1), ("_id", 1)]):
            whole = [d["_id"] for d in collection.find(query).sort(sort)]
            assert whole, query
            for limit in (1, 7, 50, 100, 1000):
                page = [d["_id"] for d in collection.find(query).sort(sort).limit(limit)]
                assert page == whole[:limit], (query, sort, limit)
            skipped = [d["_id"] for d in collection.find(query).sort(sort).skip(5).limit(20)]
            assert skipped == whole[5:25], (query, sort)
    # a page read on through a cursor in small batches, and one projected
    assert [d["_id"] for d in collection.find({"odd": True}).sort("first", 1).limit(60).batch_size(4)] == [
        d["_id"] for d in collection.find({"odd": True}).sort("first", 1)][:60]
    assert list(collection.find({"agency": "A"}, {"first": 1, "_id": 0}).sort("_id", 1).limit(3)) == [
        {"first": d["first"]} if "first" in d else {} for d in docs if d["agency"] == "A"][:3]


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


def test_a_bulk_of_replaces_by_distinct_ids_is_written_and_counted_as_one_at_a_time(collection):
    """update-by-id-batch.patch: replaces and upserts by distinct ``_id`` are written together at the end of the
    command — the same documents, counts and upserted ids as one at a time (where FerretDB v1 differs from
    MongoDB, as one at a time: a replace by an identical document counts as modified)."""
    collection.insert_many([{"_id": f"d{n}", "n": n} for n in range(10)])
    statements = [ReplaceOne({"_id": f"d{n}"}, {"n": n * 10, "deep": {"list": [n, "x"]}}, upsert=True)
                  for n in range(0, 10, 2)]
    statements += [ReplaceOne({"_id": "d1"}, {"n": 1}, upsert=True),            # the same document
                   ReplaceOne({"_id": "missing"}, {"n": -1}),                     # no upsert: nothing
                   ReplaceOne({"_id": "new1"}, {"n": 100}, upsert=True),
                   ReplaceOne({"_id": "new2"}, {"_id": "new2", "n": 200}, upsert=True)]
    result = collection.bulk_write(statements, ordered=False)
    assert (result.matched_count, result.modified_count, result.upserted_count) == (6, 6, 2)
    assert sorted(result.upserted_ids.values()) == ["new1", "new2"]  # v1 numbers them by upsert, not by statement
    stored = {d["_id"]: d for d in collection.find()}
    assert stored["d4"] == {"_id": "d4", "n": 40, "deep": {"list": [4, "x"]}}
    assert (stored["d1"]["n"], stored["d3"]["n"], stored["new1"]["n"], stored["new2"]["n"]) == (1, 3, 100, 200)
    assert "missing" not in stored and len(stored) == 12


def test_a_bulk_by_id_with_more_conditions_changes_only_the_documents_they_match(collection):
    """The outbox relay's form: ``{_id: X, pending: true, ...}`` — batched too, each statement still checked."""
    collection.insert_many([{"_id": f"d{n}", "pending": n % 2 == 0, "owner": None} for n in range(6)])
    result = collection.bulk_write([UpdateOne({"_id": f"d{n}", "pending": True, "$or": [{"owner": None}]},
                                              {"$set": {"owner": "relay-1"}}) for n in range(6)], ordered=False)
    assert (result.matched_count, result.modified_count) == (3, 3)
    assert {d["_id"] for d in collection.find({"owner": "relay-1"})} == {"d0", "d2", "d4"}


def test_a_batch_refused_by_a_unique_index_is_written_one_at_a_time_up_to_the_statement_refused(collection):
    collection.create_index("code", unique=True)
    collection.insert_many([{"_id": f"d{n}", "code": f"c{n}"} for n in range(4)])
    with pytest.raises(OperationFailure, match="UNIQUE constraint failed"):  # FerretDB v1: a failed command
        collection.bulk_write([ReplaceOne({"_id": "d0"}, {"code": "new0"}),
                               ReplaceOne({"_id": "d1"}, {"code": "c2"}),  # d2's: refused
                               ReplaceOne({"_id": "d3"}, {"code": "new3"})])
    assert {d["_id"]: d["code"] for d in collection.find()} == {"d0": "new0", "d1": "c1", "d2": "c2", "d3": "c3"}


def test_a_bulk_that_fails_half_way_keeps_what_came_before_and_a_repeated_id_sees_the_first_write(collection):
    """A statement that fails ends the command (FerretDB v1, ordered or not): the writes before it are made, as one
    at a time, and none after. Two statements on one ``_id`` are not batched: the second reads what the first
    wrote."""
    collection.insert_many([{"_id": f"d{n}", "n": n} for n in range(3)])
    reply = collection.database.command("update", collection.name, updates=[
        {"q": {"_id": "d0"}, "u": {"n": 10}},
        {"q": {"_id": "d1"}, "u": {"_id": "other", "n": 11}},  # _id is immutable: refused
        {"q": {"_id": "d2"}, "u": {"n": 12}}])
    assert [e["code"] for e in reply["writeErrors"]] == [66]  # ImmutableField
    assert {d["_id"]: d["n"] for d in collection.find()} == {"d0": 10, "d1": 1, "d2": 2}
    collection.bulk_write([ReplaceOne({"_id": "d5"}, {"n": 5}, upsert=True),
                           UpdateOne({"_id": "d5"}, {"$inc": {"n": 1}}),
                           UpdateOne({"_id": "d2"}, {"$inc": {"n": 1}})])
    assert {d["_id"]: d["n"] for d in collection.find({"_id": {"$in": ["d2", "d5"]}})} == {"d2": 3, "d5": 6}


def _random_value(rng: random.Random, depth: int, in_array: bool = False):
    """FerretDB v1 refuses an array directly inside an array (a known limit, not ours to test)."""
    strings = ["", "Hồ sơ đồng bộ", 'quote " and \\ backslash', "tab\tnew\nline", "\u2028", "emoji 😀", "\x01",
               "null", "{", "]"]
    kinds = (13 if in_array else 14) if depth > 0 else 11
    match rng.randrange(kinds):
        case 0 | 1:
            return rng.choice(strings)
        case 2:
            return rng.choice([0.0, -0.0, 1.5, -2.25e-300, 1e300, 0.1])
        case 3:
            return rng.choice([0, -1, 2**31 - 1, -(2**31)])
        case 4:
            return Int64(rng.choice([0, 2**63 - 1, -(2**63), 2**40]))
        case 5:
            return rng.random() < 0.5
        case 6:
            return None
        case 7:
            return EPOCH + timedelta(milliseconds=rng.randrange(10**13))   # any moment: data, not the clock
        case 8:
            return ObjectId()
        case 9:
            return rng.choice([rng.randbytes(rng.randrange(5)), Binary(rng.randbytes(16), 4)])  # subtypes 0, 4
        case 10:
            return rng.choice([Regex("^a.*", "i"), Timestamp(rng.randrange(1, 2**31), rng.randrange(100))])
        case 11 | 12:
            return {f"{rng.choice(strings)}{n}": _random_value(rng, depth - 1) for n in range(rng.randrange(4))}
        case _:
            return [_random_value(rng, depth - 1, in_array=True) for _ in range(rng.randrange(4))]


def test_documents_of_every_type_and_nesting_are_read_back_as_written(collection):
    """What sjson-decode.patch's one-pass decoder reads (and its general path, for what it does not take): every
    BSON type our collections hold, nested in documents and arrays, strings that need escaping, empty ones."""
    _assert_read_back_as_written(collection)


def test_the_postgresql_store_keeps_documents_and_single_document_atomicity(tmp_path):
    """``MOTCUA_STORE=postgresql``, the other backend the local stack can run FerretDB on (its own PostgreSQL
    server, from Debian's package): documents read back as written, and racing compare-and-sets on one document
    win once each (atomic-read-modify-write.patch serialises FerretDB's writes whatever the backend)."""
    server = FerretDBServer(tmp_path, free_port(), store="postgresql")
    server.start()
    try:
        client = MongoClient(server.uri)
        things = client["t"]["things"]
        _assert_read_back_as_written(things)
        things.insert_one({"_id": "counter", "version": 0})

        def bump(_):
            won = 0
            for _ in range(20):
                current = things.find_one({"_id": "counter"})["version"]
                won += things.update_one({"_id": "counter", "version": current},
                                         {"$set": {"version": current + 1}}).modified_count
            return won

        with ThreadPoolExecutor(4) as pool:
            wins = sum(pool.map(bump, range(4)))
        assert things.find_one({"_id": "counter"})["version"] == wins > 0
        client.close()
    finally:
        server.stop()


def _assert_read_back_as_written(collection) -> None:
    rng = random.Random(7)
    docs = [{"_id": f"d{n}", "top": _random_value(rng, 3),
             "list": [_random_value(rng, 2, in_array=True) for _ in range(3)],
             "nested": {f"k{i}": _random_value(rng, 2) for i in range(4)}, "empty": {}, "none": []}
            for n in range(300)]
    collection.insert_many(docs)
    options = CodecOptions(tz_aware=True, tzinfo=UTC)
    read = {d["_id"]: d for d in collection.with_options(codec_options=options).find()}
    assert len(read) == len(docs)
    for doc in docs:
        assert read[doc["_id"]] == doc, doc["_id"]


def test_the_one_pass_decoder_decodes_as_the_general_path():
    """The Go test shipped in sjson-decode.patch, run by the build script on the patched source it keeps in
    .cache: 3,000 random documents, their prefixes and corrupted copies, decoded both ways."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(["bash", str(root / "tools" / "ferretdb" / "build.sh"), str(root), "test"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "--- PASS: TestOnePassDecodesAsTheGeneralPath" in done.stdout, done.stdout
