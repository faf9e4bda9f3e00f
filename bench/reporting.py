"""Reporting: how fast the read model folds the topics, and how fast the dashboard's pages answer with a province's
year loaded. Prints two tables.

    make bench-reporting                                            # 2,000 lives on Kafka; 500,000 dossiers loaded
    make bench-reporting BENCH_ARGS="--live 20000 --dossiers 100000 --samples 50"

It starts its own stack (FerretDB, Kafka) in a temporary directory; every dossier's life is bench/sync.py's
``lifecycle`` — filed (online, at the counter or by post), accepted, assigned, two steps, a fee paid online, the
result ready, returned — filed on a working day of the last year at one of 200 agencies of one province (each the
competent agency of its own procedure, published in the catalogue with a fee), with its own desk officers and
specialists; the result comes 0.1 to 10 days after filing against an appointment 7 days out (about one in eight
late), and lives not over by now are cut there (in progress).

1. **Read model throughput**: the reporting consumer (its real process) is running; the catalogue is published
   and folded first, then ``--live`` lives interleaved across dossiers (all advance together, as a province's
   traffic) are published onto the real topics as fast as the producer goes. *Folded events/s*: events over the
   time from the first published to the moment the consumer group's committed offsets reach the end of every
   topic — the projector commits only after writing what it folded (shared/bus/projection.py), so this includes
   its last journaled write (``REPORTING_FLUSH_SECONDS``). Then every record is read back: one per dossier, holding
   one fact per event (nothing lost, nothing doubled).
2. **Dashboard pages**: ``--dossiers`` lives (8 events each) are folded in this process by the service's own
   projector (services/reporting/projection/projector.py: the same ``fold``, facts, views, contributions and
   cells as the consumer, minus Kafka and the JSON decoding), in chunks of dossiers sorted by filing day. Each
   chunk's dossier records are new and final, so they are inserted with ``insert_many`` instead of the
   consumer's journaled upserts (same documents, a fraction of the round trips); the cells, officers and state
   are written by the projector's own journaled ``write()`` at the end. Then the reporting API (gunicorn) is
   started and each dashboard page is timed over HTTP, ``--samples`` requests in a row after one warm-up, as the
   province's manager and as an agency's head, for the period of the last 365 days. Target: p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import pymongo
import requests

from bench.measure import bench_stack, committed_up_to, end_offsets, percentiles, print_table, wait_until
from bench.sync import Draft, drafts, interleaved, publish
from services.reporting.projection.document import RECORDS
from services.reporting.projection.facts import facts_of
from services.reporting.projection.projector import Projector
from services.reporting.storage import AGENCIES, DOSSIERS, PROCEDURES, ensure_indexes
from shared.auth.roles import Role
from shared.bus.consumer import group_id
from shared.calendar import calendar_for
from shared.clock import VN_TZ, utc_now, vn_date
from shared.events import Event, event_type, new_event, topic_names
from tests.support import factories
from tests.support.histories import agency_published, procedure_published
from tools.devstack.stack import Stack

PROVINCE = "01"
DUE_DAYS = 7            # the appointment, in calendar days after filing
TARGET_MS = 300.0       # issue 15: every dashboard page p95 ≤ 300 ms
CHUNK = 10_000          # dossiers folded between two writes when loading
CHANNELS, CHANNEL_WEIGHTS = ("online", "counter", "post"), (6, 3, 1)


# -- what a province's year looks like -----------------------------------------------------------------------------

def agency_codes(count: int) -> list[str]:
    return [f"000.{n // 100:02d}.{n % 100:02d}.H01" for n in range(1, count + 1)]


def procedure_of(agency: str) -> str:
    return f"1.9{agency[4:6]}{agency[7:9]}0"


def catalogue(agencies: list[str]) -> list[Event]:
    """The agencies of the province and one procedure each (a fee, a paper result), as the workflow publishes them."""
    events = [agency_published(code, province=PROVINCE, name=f"Cơ quan {code}", level="province")
              for code in agencies]
    events += [procedure_published(procedure_of(code), competent=code, receiving=[code], fees=50_000, limit="5")
               for code in agencies]
    return events


def _moment(payload: dict[str, Any]) -> datetime:
    return payload.get("submitted_at") or payload["at"]


def lives(count: int, agencies: list[str], settings, seed: int = 15) -> list[list[Draft]]:
    """``count`` dossier lives (bench/sync.py's drafts) filed on the working days of the last 365 days, in filing
    order; a life not over by now is cut there."""
    rnd = random.Random(seed)
    now = utc_now()
    today = vn_date(now)
    cal = calendar_for(settings, [])
    days = [today - timedelta(days=n) for n in range(365, 0, -1)]
    days = [d for d in days if cal.is_working_day(d)]
    prefix = uuid.uuid4().hex[:4]
    filed = sorted(datetime.combine(rnd.choice(days), clock_time(8), VN_TZ)
                   + timedelta(minutes=rnd.randint(0, 8 * 60)) for _ in range(count))
    out = []
    for n, at in enumerate(filed):
        agency = rnd.choice(agencies)
        desk = agency.replace(".", "-")  # account ids are map keys in the records: no dots
        took = timedelta(days=rnd.triangular(0.1, 10, 3))
        life = drafts(n, agency=agency, competent=agency, prefix=prefix, at=at, took=took,
                      due=at + timedelta(days=DUE_DAYS), procedure=procedure_of(agency),
                      channel=rnd.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
                      officers=(f"cb-{desk}-{n % 3}", f"cv-{desk}-{n % 5}"))
        if at + took + timedelta(hours=2) > now:
            life = [d for d in life if _moment(d[3]) <= now]
        out.append(life)
    return out


def published(life: list[Draft]) -> list[Event]:
    """The life as its producers publish it: each payload validated and in its JSON form."""
    return [new_event(kind, dossier_id, payload, producer=producer) for kind, dossier_id, producer, payload in life]


def as_folded(life: list[Draft]) -> list[tuple[Event, dict[str, Any]]]:
    """The life as the consumer hands it to the projector — (event, payload as loaded) — without the JSON round
    trip (validating and encoding 4 million payloads would take most of an hour; :func:`load` checks on a sample
    that it yields the same facts)."""
    return [(Event(type=kind, dossier_id=dossier_id, payload=payload, producer=producer,
                   schema_version=event_type(kind).version), payload)
            for kind, dossier_id, producer, payload in life]


def _loaded(event: Event) -> dict[str, Any]:
    return event_type(event.type).load(event.payload, event.schema_version)


def _same_facts(life: list[Draft]) -> None:
    fast = [list(facts_of(e, p))[0][1:] for e, p in as_folded(life)]
    slow = [list(facts_of(e, _loaded(e)))[0][1:] for e in published(life)]
    strip = [(name.split(":")[0], fact) for name, fact in fast]
    if strip != [(name.split(":")[0], fact) for name, fact in slow]:
        raise SystemExit(f"the loader's payloads differ from the published ones:\n{fast}\n{slow}")


# -- 1. read model throughput ----------------------------------------------------------------------------------

def measure_throughput(stack: Stack, dossiers: int, agency_count: int = 200, timeout: float = 1800) -> dict[str, Any]:
    """Runs with the reporting consumer started on ``stack``."""
    settings = stack.settings()
    names = topic_names(settings)
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
    db = client[settings.database_name("reporting")]
    try:
        agencies = agency_codes(agency_count)
        publish(settings, catalogue(agencies))
        wait_until(lambda: db[AGENCIES].count_documents({}) >= len(agencies)
                   and db[PROCEDURES].count_documents({}) >= len(agencies), 120)
        events = interleaved([published(life) for life in lives(dossiers, agencies, settings)])
        topics = {names.main(event_type(e.type).topic) for e in events}
        started = publish(settings, events)
        sent = time.time()
        ends = end_offsets(stack.kafka.bootstrap, topics)
        group = group_id(settings, "reporting")
        wait_until(lambda: committed_up_to(stack.kafka.bootstrap, group, ends), timeout)
        done = time.time()
        records = [RECORDS.loaded(r) for r in db[DOSSIERS].find({}, {"facts": 1, "view": 1})]
        facts = sum(len(r["facts"]) for r in records)
        statuses = Counter((r.get("view") or {}).get("status") for r in records)
    finally:
        client.close()
    return {"dossiers": dossiers, "events": len(events), "publish_seconds": sent - started,
            "seconds": done - started, "rate": len(events) / (done - started), "records": len(records),
            "facts": facts, "statuses": dict(statuses), "flush": settings.reporting_flush_seconds}


def report_throughput(m: dict[str, Any]) -> None:
    done = m["statuses"].get(10, 0)
    print_table([
        ("dossiers / events", f"{m['dossiers']} / {m['events']}",
         f"{done} returned, the rest in progress; 8 events per whole life"),
        ("events published", f"{m['events'] / max(m['publish_seconds'], 1e-9):,.0f}/s",
         f"in {m['publish_seconds']:.1f} s, interleaved across dossiers"),
        ("folded events/s", f"{m['rate']:,.0f}",
         f"first published -> offsets committed after the write ({m['seconds']:.1f} s; target >= 2,000)"),
        ("records / facts read back", f"{m['records']} / {m['facts']}", "one record per dossier, a fact per event"),
    ])


# -- 2. dashboard pages ----------------------------------------------------------------------------------------

def load(db, settings, dossiers: int, agencies: list[str], chunk: int = CHUNK) -> dict[str, Any]:
    """Folds the lives into an empty read model with the service's projector (see the module's docstring)."""
    started = time.perf_counter()
    projector = Projector(db, settings)
    projector.start()
    projector.fold([(e, _loaded(e)) for e in catalogue(agencies)])
    projector.write()
    received: Counter = Counter()  # dossiers received per agency per day (what the pages must show)
    events = 0
    for first in range(0, dossiers, chunk):
        batch = lives(min(chunk, dossiers - first), agencies, settings, seed=first)
        _same_facts(batch[0])
        for life in batch:
            accepted = next((p for kind, _, _, p in life if kind == "dossier.accepted"), None)
            if accepted is not None:
                received[(accepted["receiving_agency_code"], vn_date(accepted["at"]))] += 1
        flat = [pair for life in batch for pair in as_folded(life)]
        events += len(flat)
        projector.fold(flat)
        projector.derive()
        _insert_records(db, projector)
        print(f"bench: {first + len(batch):,} dossiers folded and written "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    projector.write()  # the cells, the officers and the state, journaled
    return {"dossiers": dossiers, "events": events, "seconds": time.perf_counter() - started, "received": received}


def _insert_records(db, projector: Projector) -> None:
    """Inserts the dossier records the projector changed (all new: each life is folded whole in one chunk) and
    lets it forget them; the cells stay in memory until the projector's own write."""
    names = sorted(n for n in projector.dirty if n.startswith("d:"))
    docs: dict[str, list[Any]] = {}
    for name in names:
        for collection, doc in projector.stored(name):  # the record and its keys
            docs.setdefault(collection, []).append(doc)
    for collection, written in docs.items():
        for i in range(0, len(written), 1000):
            db[collection].insert_many(written[i:i + 1000], ordered=False)
    for name in names:
        projector.records.pop(name, None)
        projector.contrib.pop(name, None)
        projector.dirty.discard(name)
        projector.unstored.discard(name)


def pages(agency: str, period: str, today: date) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(page, who, path, query) of every dashboard page: the province's manager, then the agency's head."""
    province, own = f"province:{PROVINCE}", f"agency:{agency}"
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    out = []
    for who, scope in (("manager", province), ("agency head", own)):
        out += [
            ("indicators", who, "/indicators", {"scope": scope, "period": period}),
            ("indicators/series", who, "/indicators/series", {"scope": scope, "period": period}),
            ("indicators/officers", who, "/indicators/officers", {"agency": agency, "period": period}),
            ("indicators/dossiers (2.1 late)", who, "/indicators/dossiers",
             {"scope": scope, "period": period, "indicator": "2.1", "part": "late", "limit": 50}),
            ("indicators/dossiers (2.1 open)", who, "/indicators/dossiers",
             {"scope": scope, "period": period, "indicator": "2.1", "part": "open", "limit": 50}),
            ("exports index766 csv", who, "/exports",
             {"scope": scope, "period": period, "table": "index766", "format": "csv"}),
            ("exports series xlsx", who, "/exports",
             {"scope": scope, "period": period, "table": "series", "format": "xlsx"}),
            ("reports/quarterly (json)", who, "/reports/quarterly",
             {"agency": agency, "year": today.year, "quarter": quarter[-1]}),
        ]
        if who == "manager":
            out += [("indicators/agencies", who, "/indicators/agencies", {"scope": province, "period": period}),
                    ("exports agencies csv", who, "/exports",
                     {"scope": province, "period": period, "table": "agencies", "format": "csv"})]
    return out


def measure_pages(stack: Stack, dossiers: int, agency_count: int = 200, samples: int = 30,
                  chunk: int = CHUNK, page_seconds: float = 90.0) -> dict[str, Any]:
    """Loads a fresh read model on ``stack`` (no reporting process running), starts the reporting API, times."""
    settings = stack.settings()
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
    db = client[settings.database_name("reporting")]
    try:
        ensure_indexes(db)
        agencies = agency_codes(agency_count)
        loaded = load(db, settings, dossiers, agencies, chunk)
        stored = db[DOSSIERS].count_documents({})
    finally:
        client.close()
    stack.ensure_topics()  # the API is ready once its topics exist
    stack.start_services(["reporting"], processes=["api"])
    base = stack.url("reporting")
    today = vn_date(utc_now())
    first = today - timedelta(days=364)
    period = f"{first}..{today}"
    agency = agencies[0]
    headers = {"manager": factories.bearer(settings, factories.officer_principal("000.00.00.H01", Role.MANAGER)),
               "agency head": factories.bearer(settings, factories.officer_principal(agency, Role.AGENCY_HEAD))}
    rows, answers = [], {}
    session = requests.Session()
    for page, who, path, query in pages(agency, period, today):
        timings, statuses = [], Counter()
        stop_at = time.monotonic() + page_seconds
        for n in range(samples + 1):
            if n > 5 and time.monotonic() > stop_at:
                break  # a slow page: enough samples for its figures
            began = time.perf_counter()
            answer = session.get(base + path, params=query, headers=headers[who], timeout=600)
            elapsed = (time.perf_counter() - began) * 1000
            statuses[answer.status_code] += 1
            if n:  # the first is a warm-up (the API process reads its catalogue)
                timings.append(elapsed)
        answers[(page, who)] = answer
        rows.append({"page": page, "who": who, "ms": percentiles(timings), "n": len(timings),
                     "statuses": dict(statuses),
                     "bytes": len(answer.content)})
    expected = {"province": sum(n for (_, d), n in loaded["received"].items() if first <= d <= today),
                "agency": sum(n for (a, d), n in loaded["received"].items() if a == agency and first <= d <= today)}
    return {"dossiers": dossiers, "agencies": agency_count, "events": loaded["events"],
            "load_seconds": loaded["seconds"], "stored": stored, "rows": rows, "answers": answers,
            "expected": expected, "period": period, "samples": samples}


def report_pages(m: dict[str, Any]) -> None:
    print(f"\n{m['dossiers']:,} dossiers ({m['events']:,} events) across {m['agencies']} agencies folded and "
          f"written in {m['load_seconds']:.0f} s; period {m['period']}, {m['samples']} requests per page")
    width = max(len(r["page"]) for r in m["rows"])
    print(f"\n{'page':<{width}}  {'as':<11}  {'p50 ms':>8}  {'p95 ms':>8}  {'target':>7}  {'n':>3}  {'bytes':>9}  "
          "statuses")
    print(f"{'-' * width}  {'-' * 11}  {'-' * 8}  {'-' * 8}  {'-' * 7}  {'-' * 3}  {'-' * 9}  {'-' * 12}")
    for r in m["rows"]:
        verdict = "ok" if r["ms"]["p95"] <= TARGET_MS else "OVER"
        print(f"{r['page']:<{width}}  {r['who']:<11}  {r['ms']['p50']:>8.0f}  {r['ms']['p95']:>8.0f}  "
              f"{verdict:>7}  {r['n']:>3}  {r['bytes']:>9,}  {r['statuses']}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reporting")
    parser.add_argument("--live", type=int, default=2000, help="dossier lives published on Kafka (part 1)")
    parser.add_argument("--dossiers", type=int, default=500_000, help="dossiers loaded for the pages (part 2)")
    parser.add_argument("--agencies", type=int, default=200)
    parser.add_argument("--samples", type=int, default=30, help="requests per page")
    parser.add_argument("--page-seconds", type=float, default=90.0,
                        help="stop sampling a page after this long (at least 5 requests)")
    parser.add_argument("--skip-live", action="store_true", help="only the pages")
    parser.add_argument("--skip-pages", action="store_true", help="only the read model's throughput")
    parser.add_argument("--flush-seconds", type=float, default=None,
                        help="REPORTING_FLUSH_SECONDS of the consumer (default: the setting's default)")
    args = parser.parse_args(argv)
    flush = {} if args.flush_seconds is None else {"reporting_flush_seconds": args.flush_seconds}
    with bench_stack("reporting", overrides=flush) as stack:
        if not args.skip_live:
            stack.start_process("reporting", "consumer")  # ready once it folded the catalogue (measure_throughput)
            report_throughput(measure_throughput(stack, args.live, args.agencies))
            stack.stop_services()
        if not args.skip_pages:
            loaded = stack.derive(name="pages", db_prefix="benchpages", topic_prefix="benchpages.")
            try:
                report_pages(measure_pages(loaded, args.dossiers, args.agencies, args.samples,
                                           page_seconds=args.page_seconds))
            finally:
                loaded.stop_services()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
