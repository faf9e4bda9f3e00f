"""Intake benchmark: dossiers accepted per second and submit-to-queue latency, with the raw ceiling of the
same machine's MongoDB-wire server and Kafka broker measured in the same run. Prints one table.

    make bench                                    # defaults below
    make bench BENCH_ARGS="--seconds 60 --concurrency 16"

It starts its own stack (FerretDB, Kafka, SMTP and the services' real processes) in a temporary directory,
then drives the intake API from a separate load-generator process (closed loop: each client thread files a
dossier, waits for the 201, files the next). Definitions:

- *HTTP accepted/s*: 201 answers per second during the load window (the dossier and its event are durably
  written: one MongoDB write with the outbox).
- *published/s*: dossiers whose ``dossier.submitted`` left the outbox for Kafka, per second, from the first
  submission until the relay had published the last one.
- *submit -> queue*: from the moment the client sent the request to the moment the workflow service created
  the dossier waiting at the receiving desk (its ``created_at``, stamped when it applied ``dossier.submitted``;
  business time, so the run's clock offset is taken off; everything runs on this machine).
- *raw ceiling*: single-document ``insert_one`` of a stored dossier (same size) into FerretDB from 8 threads,
  and kafka-python sends of the same event (``acks=all``, idempotent) from one producer.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import threading
import time
import uuid
from pathlib import Path

import bson
import pymongo
import requests
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from bench.measure import Spent, bench_stack, percentiles, print_table, store_ceiling, wait_until
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.auth.tokens import TokenIssuer, signing_key
from shared.bus.kafka import producing
from shared.clock import as_utc, offset
from tests.support import factories
from tools.devstack.servers import store_label
from tools.devstack.stack import Stack

# -- load generator (its own process) ----------------------------------------------------------------------

# The seed catalogue's provincial centre of Cao Bằng, which receives procedure 1.001806 (the factories' default
# procedure; services/workflow/catalogue/seeds/catalogue.yaml).
RECEIVING_AGENCY = "000.00.01.H11"


def _upload(url: str, headers: dict[str, str]) -> str:
    sent = requests.post(f"{url}/uploads", headers=headers, timeout=30,
                         files={"file": ("don-de-nghi.pdf", factories.pdf_bytes(), "application/pdf")})
    assert sent.status_code == 201, sent.text
    return sent.json()["id"]


def _load(url: str, token: str, seconds: float, concurrency: int, rate: float | None, out: str,
          agency: str = RECEIVING_AGENCY) -> None:
    """Closed loop (``rate`` None): each of ``concurrency`` threads files, waits, files again. Open loop:
    requests are due at a fixed rate whatever the answers, and latency counts from the due time, so a slow
    server cannot hide its queueing (no coordinated omission)."""
    results: list[tuple[float, float, int, str]] = []
    lock = threading.Lock()
    local = threading.local()
    headers = {"Authorization": f"Bearer {token}"}
    file_id = _upload(url, headers)  # every dossier refers to the same uploaded PDF (stored once by hash)

    def file(due: float) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        body = factories.referencing(factories.submission(receiving_agency_code=agency), [file_id])
        try:
            response = session.post(f"{url}/dossiers", json=body, headers=headers, timeout=60)
            status, dossier_id = response.status_code, response.json().get("id", "")
        except requests.RequestException:
            status, dossier_id = 0, ""
        with lock:
            results.append((due, time.time(), status, dossier_id))

    started_cpu = time.process_time()
    end = time.time() + seconds
    if rate is None:
        def loop():
            while time.time() < end:
                file(time.time())

        threads = [threading.Thread(target=loop) for _ in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            start, n = time.time(), 0
            while (due := start + n / rate) < end:
                time.sleep(max(0.0, due - time.time()))
                pool.submit(file, due)
                n += 1
    Path(out).write_text(json.dumps({"results": results, "cpu_seconds": time.process_time() - started_cpu}))


def run_load(stack: Stack, token: str, seconds: float, concurrency: int, rate: float | None) -> dict:
    stack.root.mkdir(parents=True, exist_ok=True)
    out = stack.root / f"load-{time.time_ns()}.json"
    ctx = multiprocessing.get_context("spawn")
    generator = ctx.Process(target=_load, args=(stack.url("intake"), token, seconds, concurrency, rate, str(out),
                                                RECEIVING_AGENCY))
    generator.start()
    generator.join()
    if generator.exitcode:
        raise RuntimeError(f"the load generator failed (exit code {generator.exitcode})")
    return json.loads(out.read_text())


def applicant_token(settings) -> str:
    principal = Principal(subject=str(uuid.uuid4()), kind=PrincipalKind.APPLICANT, roles=frozenset({Role.APPLICANT}))
    return TokenIssuer(signing_key(settings), settings).issue(principal, ttl_seconds=3600)


# -- raw ceiling -------------------------------------------------------------------------------------------

def _kafka_ceiling(settings, topic: str, value: bytes, count: int) -> float:
    with producing(settings, client_id="bench-raw") as producer:
        started = time.perf_counter()
        futures = [producer.send(topic, key=str(n % 97).encode(), value=value) for n in range(count)]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
        elapsed = time.perf_counter() - started
    return count / elapsed


# -- the run -----------------------------------------------------------------------------------------------

def run(seconds: float, concurrency: int, services: list[str], synchronous: str, rate: int | None) -> None:
    with bench_stack("intake", sqlite_synchronous=synchronous) as stack:
        stack.start_services(services=services)
        stack.seed_catalogue()  # intake files only procedures of the catalogue, at agencies that receive them
        report(measure(stack, seconds=seconds, concurrency=concurrency, rate=rate),
               store=store_label(stack.store, synchronous))


def measure(stack: Stack, *, seconds: float, concurrency: int, rate: int | None = None,
            open_concurrency: int = 64, raw_inserts: int = 4000, raw_sends: int = 20000) -> dict:
    """The whole measurement on a running stack (intake and workflow running, the seed catalogue imported):
    warm-up, closed loop, open loop, raw ceiling. Returns the figures ``report`` prints."""
    settings = stack.settings()
    token = applicant_token(settings)
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
    try:
        intake = client[settings.database_name("intake")]
        workflow = client[settings.database_name("workflow")]

        # warm-up: one dossier through the whole path
        auth = {"Authorization": f"Bearer {token}"}
        warm_body = factories.submission(receiving_agency_code=RECEIVING_AGENCY)
        warm = requests.post(f"{stack.url('intake')}/dossiers", headers=auth, timeout=30,
                             json=factories.referencing(warm_body, [_upload(stack.url("intake"), auth)]))
        assert warm.status_code == 201, warm.text
        warm_id = warm.json()["id"]
        wait_until(lambda: workflow.dossiers.count_documents({"_id": warm_id}) == 1, 60)

        print(f"bench: closed loop for {seconds:.0f}s, {concurrency} client threads", flush=True)
        closed = _measure(stack, token, intake, workflow, seconds, concurrency, None)
        rate = rate or max(1, round(0.6 * min(closed["http_rate"], closed["published_rate"])))
        print(f"bench: open loop for {seconds:.0f}s at {rate}/s", flush=True)
        opened = _measure(stack, token, intake, workflow, seconds, open_concurrency, rate)

        sample = intake.dossiers.find_one({"_id": warm_id})
        event_bytes = len(factories.submitted_event().to_json())
        sample.pop("_id")
        sample.update(outbox=[], outbox_pending=False)
        doc_bytes = len(bson.encode(sample))
        topic_value = json.dumps({"payload": "x" * 1100}).encode()
        store = store_ceiling(stack, sample, raw_inserts)
        raw_topic = f"{stack.topic_prefix}bench.raw"
        admin = KafkaAdminClient(bootstrap_servers=stack.kafka.bootstrap)
        admin.create_topics([NewTopic(raw_topic, settings.kafka_topic_partitions, 1)])
        admin.close()
        kafka_raw = _kafka_ceiling(settings, raw_topic, topic_value, raw_sends)
    finally:
        client.close()

    rss = {name: (m.rss_mb() or 0) for name, m in [("kafka", stack.kafka.managed),
                                                    ("ferretdb", stack.mongo.managed)]}
    rss_services = sum(m.rss_mb() or 0 for m in stack.processes.values())
    return dict(closed=closed, opened=opened, rate=rate, mongo_raw=store["insert"], store=store,
                kafka_raw=kafka_raw, doc_bytes=doc_bytes, event_bytes=event_bytes, concurrency=concurrency, rss=rss,
                rss_services=rss_services, cores=os.cpu_count())


def _measure(stack, token, intake, workflow, seconds, concurrency, rate) -> dict:
    before = Spent.of(stack)
    load = run_load(stack, token, seconds, concurrency, rate)
    results = load["results"]
    accepted = [r for r in results if r[2] in (200, 201)]
    ids = [r[3] for r in accepted]
    first_due = min(r[0] for r in results)
    window = max(r[1] for r in results) - first_due
    wait_until(lambda: intake.dossiers.count_documents({"_id": {"$in": ids}, "outbox_pending": True}) == 0, 600)
    published_window = time.time() - first_due
    wait_until(lambda: workflow.dossiers.count_documents({"_id": {"$in": ids}}) == len(ids), 600)
    spent = Spent.of(stack).since(before)
    # the workflow stamps ``created_at`` in business time when it creates the dossier at the receiving desk
    # (services/workflow/dossiers/service.py, on_submitted); the client stamped the machine's time
    business = offset().total_seconds()
    queued = {d["_id"]: as_utc(d["created_at"]).timestamp() - business
              for d in workflow.dossiers.find({"_id": {"$in": ids}}, {"created_at": 1, "queue_agency": 1})
              if d.get("queue_agency") == RECEIVING_AGENCY}
    return {
        "accepted": len(accepted), "errors": len(results) - len(accepted), "queued": len(queued),
        "http_rate": len(accepted) / window, "published_rate": len(accepted) / published_window,
        "http": percentiles([(r[1] - r[0]) * 1000 for r in accepted]),
        "e2e": percentiles([(queued[r[3]] - r[0]) * 1000 for r in accepted if r[3] in queued]),
        "cpu": load["cpu_seconds"], "window": window,
        "spent": spent,
    }


def report(m: dict, store: str | None = None) -> None:
    c, o = m["closed"], m["opened"]

    def pct(p):
        return "/".join(f"{p[k]:.0f}" for k in ("p50", "p95", "p99", "max"))

    rows = [
        ("closed loop: HTTP 201/s", f"{c['http_rate']:.0f}",
         f"{c['accepted']} dossiers, {c['errors']} errors, {m['concurrency']} client threads"),
        ("closed loop: published/s", f"{c['published_rate']:.0f}", "first submit -> last event out of the outbox"),
        ("closed loop: HTTP ms p50/p95/p99/max", pct(c["http"]), ""),
        ("closed loop: submit->queue ms", pct(c["e2e"]), f"p50/p95/p99/max; {c['queued']} in the desk's queue"),
        (f"open loop {m['rate']}/s: HTTP 201/s", f"{o['http_rate']:.0f}", f"{o['accepted']} dossiers, "
                                                                          f"{o['errors']} errors"),
        (f"open loop {m['rate']}/s: HTTP ms", pct(o["http"]), "p50/p95/p99/max, from the due time"),
        (f"open loop {m['rate']}/s: submit->queue ms", pct(o["e2e"]),
         f"p50/p95/p99/max, request due -> created at the desk; {o['queued']} in the desk's queue"),
        ("raw FerretDB insert_one/s", f"{m['mongo_raw']:.0f}", f"8 threads, {m['doc_bytes']} B BSON dossier, "
                                                             f"FerretDB CPU {m['store']['insert_cpu_ms']:.2f} ms each"),
        ("raw FerretDB update_one/s", f"{m['store']['update']:.0f}",
         f"8 threads, $set of one field by _id, FerretDB CPU {m['store']['update_cpu_ms']:.2f} ms each"),
        ("raw Kafka produce/s", f"{m['kafka_raw']:.0f}", "1 producer, acks=all, idempotent, 1.1 KB values"),
        ("event size", f"{m['event_bytes']} B", "dossier.submitted envelope, JSON"),
        ("load generator CPU", f"{c['cpu'] + o['cpu']:.1f} s", f"of {c['window'] + o['window']:.0f} s x "
                                                               f"{m['cores']} cores, shared with the system"),
        ("RSS Kafka / FerretDB / services", f"{m['rss']['kafka']:.0f} / {m['rss']['ferretdb']:.0f} / "
                                            f"{m['rss_services']:.0f} MB", "after the run"),
    ]
    rows += c["spent"].rows("closed loop", "dossier", c["accepted"])
    if store:
        print(f"\n{store}")
    print_table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--services", default="intake,workflow,notify,postal",
                        help="services to run (intake and workflow are needed)")
    parser.add_argument("--rate", type=int, help="open-loop rate (default: 60%% of the closed-loop throughput)")
    parser.add_argument("--sqlite-synchronous", choices=("full", "normal"), default="full",
                        help="FerretDB's SQLite sync mode (PostgreSQL's synchronous_commit on/off with "
                             "MOTCUA_STORE=postgresql): full = every commit on disk (durable write)")
    args = parser.parse_args(argv)
    run(args.seconds, args.concurrency, args.services.split(","), args.sqlite_synchronous, args.rate)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
