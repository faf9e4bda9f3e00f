"""The workflow consumer: ``dossier.submitted`` events applied per second, a burst of filings at once. Prints one
table.

    make bench-workflow                                  # 2,000 filings published at once
    make bench-workflow BENCH_ARGS="--dossiers 5000"

It starts its own stack (FerretDB, Kafka, intake and the workflow's real processes, the seed catalogue), publishes
the filings to intake's topic as intake's relay would (procedure 1.001806 at the seed catalogue's desk), and
waits until the workflow's consumer group has committed its offsets to the end of the topic (it commits after
applying). Definitions:

- *applied/s*: filings over the time from the first published to the last committed — each one a dossier waiting
  at the desk with its queue entry and its events in the outbox;
- *published/s*: how fast the burst left the benchmark (not the limit: Kafka takes thousands per second).
Then every dossier is read back once: each must be in the workflow's store, at the desk (status 1).
"""

from __future__ import annotations

import argparse
import os
import time

import pymongo

from bench.measure import bench_stack, committed_up_to, end_offsets, print_table, wait_until
from services.workflow import SERVICE as WORKFLOW
from shared.bus.consumer import group_id
from shared.bus.kafka import producing
from shared.events import Topic, topic_names
from tests.support import factories
from tools.devstack.observe import usage
from tools.devstack.stack import Stack

# the seed catalogue's desk of procedure 1.001806, the factories' filing
AGENCY = "000.00.01.H11"


def measure(stack: Stack, dossiers: int, timeout: float = 1800) -> dict:
    """Publishes ``dossiers`` filings at once on a running stack (intake, workflow, the seed catalogue) and waits
    until the workflow applied them all; returns the figures ``report`` prints."""
    settings = stack.settings()
    events = [factories.submitted_event(receiving_agency_code=AGENCY) for _ in range(dossiers)]
    topic = topic_names(settings).main(Topic.INTAKE_DOSSIERS)
    consumer = stack.processes[f"{WORKFLOW}-consumer"]
    cpu_before = usage(consumer.pid)["cpu"]
    with producing(settings, client_id="bench-workflow") as producer:
        started = time.time()
        for event in events:
            producer.send(topic, key=event.key, value=event.to_json(), headers=event.headers())
        producer.flush()
        published = time.time()
    ends = end_offsets(settings.kafka_bootstrap_servers, {topic})
    wait_until(lambda: committed_up_to(settings.kafka_bootstrap_servers, group_id(settings, WORKFLOW), ends), timeout)
    done = time.time()
    cpu = usage(consumer.pid)["cpu"] - cpu_before
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
    try:
        stored = client[settings.database_name(WORKFLOW)].dossiers.find(
            {"_id": {"$in": [e.dossier_id for e in events]}}, {"status": 1})
        statuses = [doc["status"] for doc in stored]
    finally:
        client.close()
    return {"dossiers": dossiers, "publish_seconds": published - started, "seconds": done - started,
            "rate": dossiers / (done - started), "stored": len(statuses),
            "at_desk": sum(1 for s in statuses if s == 1), "consumer_cpu_ms": 1000 * cpu / max(dossiers, 1)}


def report(m: dict) -> None:
    print_table([
        ("filings published", f"{m['dossiers']}",
         f"{m['dossiers'] / max(m['publish_seconds'], 1e-9):.0f}/s, in {m['publish_seconds']:.1f} s"),
        ("applied/s", f"{m['rate']:.0f}", f"first published -> last committed ({m['seconds']:.1f} s)"),
        ("read back: stored / at the desk", f"{m['stored']} / {m['at_desk']}", "each filing once, status 1"),
        ("consumer CPU per filing", f"{m['consumer_cpu_ms']:.1f} ms",
         f"the workflow consumer process; {os.cpu_count()} cores shared with Kafka and FerretDB"),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workflow")
    parser.add_argument("--dossiers", type=int, default=2000)
    args = parser.parse_args(argv)
    with bench_stack("workflow") as stack:
        stack.start_services(["intake", WORKFLOW])
        stack.seed_catalogue()  # the workflow files only procedures of its catalogue, at agencies that receive them
        print(f"bench: publishing {args.dossiers} filings at once", flush=True)
        report(measure(stack, args.dossiers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
