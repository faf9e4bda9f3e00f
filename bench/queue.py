"""Queue benchmark: an agency's queue page and a state transition, with many dossiers loaded. Prints one table.

    make bench-queue                                   # 100,000 dossiers
    make bench-queue BENCH_ARGS="--dossiers 1000000"   # the issue's figure; loading takes a while

It starts FerretDB and the workflow API (gunicorn) in a temporary directory, loads dossiers cloned from a real
one (a 1.001806 dossier accepted by the lifecycle code, so documents have their true size), spread over
agencies, statuses and due moments, then measures over HTTP:

- the first page of an agency queue (limit 50), a page ten pages deep (keyset cursor), the late filter, and an
  officer's personal queue;
- a state transition: accepting dossiers (one compare-and-set write with its event) one after another;

and, in the same run, what each costs the stack (CPU per process, FerretDB's commands per page and per accept) and
the store's own ceilings: the agency page's query sent straight to FerretDB by the workflow's own code (no HTTP,
token or serialisation), and single inserts and updates of a dossier (bench.measure.store_ceiling).

The queues read the dossiers' queue entries (services/workflow/queues/entries.py), loaded here beside the
dossiers as the aggregate runner writes them. On FerretDB v1 (with tools/ferretdb/sqlite-pushdown.patch) only
the agency or assignee equality reaches a SQLite index; SQLite returns that agency's entries, FerretDB decodes
only their due moment and id, sorts those, and decodes whole entries only as far as the page needs
(sqlite-sorted-pages.patch), so these figures still grow, more slowly, with the open dossiers per agency. On MongoDB
the same query is one range of the compound index (queue_agency, queue_due, _id): see README, "Benchmark".
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import time
import uuid
from datetime import timedelta

import bson
import pymongo
import requests

from bench.measure import Spent, bench_stack, print_table, store_ceiling
from services.workflow.catalogue.cli import CLI, SEEDS, load_file
from services.workflow.catalogue.importer import import_all
from services.workflow.dossiers import lifecycle
from services.workflow.queues.entries import QUEUE_VIEW
from services.workflow.queues.service import agency_queue
from services.workflow.storage import ensure_indexes
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.auth.tokens import TokenIssuer, signing_key
from shared.clock import utc_now
from shared.storage.outbox import outbox_fields
from tests.support import factories
from tests.workflow.lifecycle_support import act, filed, officer
from tools.devstack.stack import Stack


def _template(status: int) -> dict:
    now = utc_now()
    d = filed("1.001806", at=now - timedelta(days=1))
    if status >= 2:
        act(d, lifecycle.accept, officer(d["receiving_agency_code"], Role.COUNTER_OFFICER), now, presented=[],
            note=None, receipt_requested=False)
    if status >= 4:
        act(d, lifecycle.assign, officer(d["competent_agency_code"], Role.AGENCY_HEAD), now, assignee="cv-bench",
            assignee_name="Chuyên viên")
    d.update(version=1, created_at=now, updated_at=now, source_event_id=None, **outbox_fields([]))
    return d


def _load(db, count: int, agencies: list[str]) -> int:
    templates = {1: _template(1), 2: _template(2), 4: _template(4)}
    now = utc_now()
    batch, loaded, started = [], 0, time.monotonic()
    for n in range(count):
        status = random.choices((1, 2, 4), weights=(2, 2, 6))[0]
        d = copy.copy(templates[status])
        d["_id"] = str(uuid.uuid4())
        d["code"] = f"BENCH-{n:08d}"
        d["queue_agency"] = random.choice(agencies)
        d["queue_assignee"] = f"cv-{random.randint(0, 499)}" if status == 4 else None
        d["queue_due"] = now + timedelta(minutes=random.randint(-30 * 24 * 60, 30 * 24 * 60))
        d["open"] = random.random() < 0.9
        batch.append(d)
        if len(batch) == 2000:
            _insert(db, batch, now)
            loaded += len(batch)
            batch = []
            if loaded % 20000 == 0:
                rate = loaded / (time.monotonic() - started)
                print(f"bench: loaded {loaded:,}/{count:,} dossiers ({rate:,.0f}/s)", flush=True)
    if batch:
        _insert(db, batch, now)
    return len(bson.encode(templates[4]))


def _insert(db, batch: list[dict], now) -> None:
    """The dossiers and their queue entries, as the aggregate runner leaves them after each dossier's write."""
    db.dossiers.insert_many(batch, ordered=False)
    db[QUEUE_VIEW.name].insert_many([QUEUE_VIEW.entry(d, now) for d in batch], ordered=False)


def _timed(call, samples: int, *, http: bool = True) -> list[float]:
    """Milliseconds of ``samples`` calls one after another; an HTTP call must answer 200."""
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        if http:
            assert response.status_code == 200, response.text
    return times


def _pct(values: list[float]) -> str:
    ordered = sorted(values)

    def pick(q):
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return f"{pick(0.5):.0f} / {pick(0.95):.0f} / {pick(0.99):.0f}"


def run(count: int, agency_count: int, samples: int) -> None:
    with bench_stack("queue", db_prefix="benchq", topic_prefix="benchq.") as stack:
        report(measure(stack, count=count, agency_count=agency_count, samples=samples), stack)


def measure(stack: Stack, *, count: int, agency_count: int, samples: int, raw_writes: int = 4000) -> dict:
    """Loads ``count`` dossiers into the stack's workflow database, starts its workflow API and times the
    queues and a state transition over HTTP, with what they cost and the store's raw ceilings (``raw_writes``
    single inserts, then updates, of a dossier). Returns the figures ``report`` prints."""
    settings = stack.settings()
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
    try:
        db = client[settings.database_name("workflow")]
        ensure_indexes(db)
        agencies = [f"{n:03d}.00.15.H11" for n in range(agency_count)]
        started = time.monotonic()
        doc_bytes = _load(db, count, agencies)
        load_seconds = time.monotonic() - started
        # the catalogue the dossiers were filed under, as the workflow stores it (idempotent; no relay runs here)
        import_all(db, settings, load_file(SEEDS), CLI)
        stack.start_process("workflow", "api")
        stack.wait_healthy()

        issuer = TokenIssuer(signing_key(settings), settings)
        base = stack.url("workflow")
        agency = agencies[0]
        head = {"Authorization": "Bearer " + issuer.issue(factories.officer_principal(agency, Role.AGENCY_HEAD))}
        session = requests.Session()
        before = Spent.of(stack)
        first = _timed(lambda: session.get(f"{base}/agencies/{agency}/queue?limit=50", headers=head), samples)
        page_cost = Spent.of(stack).since(before)
        now = utc_now()  # the same query the API runs for that page, straight to FerretDB: the store's own time
        raw_page = _timed(lambda: agency_queue(db, agency, status=None, procedure=None, role=None, due_state=None,
                                               now=now, soon=now, limit=50, after_values=None), samples, http=False)
        cursor, pages = None, 0
        while pages < 10:
            page = session.get(f"{base}/agencies/{agency}/queue?limit=50" + (f"&cursor={cursor}" if cursor else ""),
                               headers=head).json()
            if not page["next_cursor"]:
                break
            cursor, pages = page["next_cursor"], pages + 1
        deep_query = f"&cursor={cursor}" if cursor else ""   # a small load may have a single page
        deep = _timed(lambda: session.get(f"{base}/agencies/{agency}/queue?limit=50{deep_query}", headers=head),
                      samples)
        late = _timed(lambda: session.get(f"{base}/agencies/{agency}/queue?limit=50&due_state=late", headers=head),
                      samples)
        specialist = Principal(subject="cv-7", kind=PrincipalKind.OFFICER, roles=frozenset({Role.SPECIALIST}),
                               agency_code=agency)
        mine = {"Authorization": "Bearer " + issuer.issue(specialist)}
        personal = _timed(lambda: session.get(f"{base}/officers/me/queue?limit=50", headers=mine), samples)

        desk_agency = "000.00.01.H11"
        pending = [d["_id"] for d in db.dossiers.find({"status": 1, "open": True, "queue_agency": {"$ne": None}},
                                                      {"_id": 1}).limit(samples)]
        for dossier_id in pending:  # one by one: FerretDB answers `_id` equality from the index, not `$in`
            db.dossiers.update_one({"_id": dossier_id}, {"$set": {"receiving_agency_code": desk_agency,
                                                                  "steps.0.agency": desk_agency}})
        desk = {"Authorization": "Bearer " + issuer.issue(factories.officer_principal(desk_agency,
                                                                                      Role.COUNTER_OFFICER))}
        ids = iter(pending)
        before = Spent.of(stack)
        transitions = _timed(lambda: session.post(f"{base}/dossiers/{next(ids)}/accept", json={}, headers=desk),
                             len(pending))
        accept_cost = Spent.of(stack).since(before)
        accepted = db.dossiers.count_documents({"_id": {"$in": pending}, "status": 2})
        sample = db.dossiers.find_one({"_id": {"$nin": pending}}, {"_id": 0})
    finally:
        client.close()
    return dict(count=count, agency_count=agency_count, doc_bytes=doc_bytes, load_seconds=load_seconds,
                samples=samples, first=first, pages=pages, deep=deep, late=late, personal=personal,
                transitions=transitions, accepted=accepted, raw_page=raw_page, page_cost=page_cost,
                accept_cost=accept_cost, raw=store_ceiling(stack, sample, count=raw_writes))


def report(m: dict, stack: Stack | None = None) -> None:
    rows = [
        ("dossiers loaded", f"{m['count']:,}", f"{m['agency_count']} agencies; {m['doc_bytes']:,} B BSON each; "
                                               f"loaded in {m['load_seconds']:.0f}s"),
        ("agency queue, first page ms p50/p95/p99", _pct(m["first"]), f"limit 50, {m['samples']} requests"),
        (f"agency queue, page {m['pages'] + 1} ms", _pct(m["deep"]), "keyset cursor, no skip"),
        ("agency queue, late filter ms", _pct(m["late"]), "queue_due < now"),
        ("personal queue ms", _pct(m["personal"]), "queue_assignee = me"),
        ("state transition (accept) ms", _pct(m["transitions"]),
         f"one CAS write + its event, sequential; {m['accepted']} accepted"),
        ("agency page straight to FerretDB ms", _pct(m["raw_page"]),
         "the API's query for the first page, in-process: no HTTP, token or serialisation"),
        *m["page_cost"].rows("agency page", "page", len(m["first"])),
        *m["accept_cost"].rows("accept", "accept", len(m["transitions"])),
        ("raw FerretDB insert_one/s", f"{m['raw']['insert']:.0f}",
         f"8 threads, a dossier as loaded, FerretDB CPU {m['raw']['insert_cpu_ms']:.2f} ms each"),
        ("raw FerretDB update_one/s", f"{m['raw']['update']:.0f}",
         f"8 threads, $set of one field by _id, FerretDB CPU {m['raw']['update_cpu_ms']:.2f} ms each"),
    ]
    if stack is not None:
        rows.append(("FerretDB RSS", f"{stack.mongo.managed.rss_mb() or 0:.0f} MB", "after the run"))
    print_table(rows, value_width=16)
    print(f"(mean first page {statistics.mean(m['first']):.0f} ms)\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--agencies", type=int, default=50)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args(argv)
    run(args.dossiers, args.agencies, args.samples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
