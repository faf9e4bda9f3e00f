"""Synchronisation with the National Public Service Portal: dossier events per second from Kafka to the portal
simulator holding them, through the sync service's real processes. Prints one table.

    make bench-sync                                          # 600 dossiers x 8 events, published at once
    make bench-sync BENCH_ARGS="--dossiers 2000 --rate 600"  # an open loop at 600 events/s

It starts its own stack (FerretDB, Kafka, the national portal simulator and the sync service's processes:
API, relay, consumer, scheduler) in a temporary directory, publishes each dossier's life — filed, accepted,
assigned, two steps, a fee paid, result ready, result returned — interleaved across dossiers as a province's
traffic would be (all dossiers advance together), and waits until the simulator holds every dossier at its last
status with every step. Definitions:

- *consumed events/s*: events the consumer applied (its processed-events records) over the time from the first
  event published to the last applied;
- *synchronised events/s*: events over the time from the first published to the moment the portal held
  everything (every dossier at status 10 with its 8 steps) — the figure the issue asks to be ≥ 500;
- *behind at the end of publishing*: dossiers whose last event was published but that the portal did not
  hold yet.
Everything is checked at the end: no step doubled at the portal, statuses never went backwards.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pymongo

from bench.measure import print_table, wait_until
from shared.bus.kafka import make_producer
from shared.clock import utc_now, vn_date
from shared.events import Event, event_type, new_event, topic_names
from tests.support import factories
from tools.devstack.stack import Ports, Stack
from tools.simulators.national_portal import NationalPortalClient

# the seed catalogue's desk and competent department of procedure 1.001806 (the factories' filing)
AGENCY, COMPETENT = "000.00.01.H11", "000.00.15.H11"
STEPS = 7   # log lines each dossier's life leaves at the portal (the paid fee changes fields, not the log)


def lifecycle(index: int, *, agency: str = AGENCY, prefix: str = "") -> list[Event]:
    """One dossier's life, as intake, the workflow and payments publish it."""
    dossier_id, now = str(uuid.uuid4()), utc_now()
    code = f"{agency}-{vn_date(now):%y%m%d}-{prefix}{index:06d}"
    submitted = factories.submitted_event(dossier_id, receiving_agency_code=agency)
    filed = {**submitted.payload, "code": code, "competent_agency_code": COMPETENT}
    events = [new_event("dossier.submitted", dossier_id, _loaded("dossier.submitted", filed), producer="intake")]
    common = {"code": code, "procedure_code": filed["procedure_code"], "procedure_name": filed["procedure_name"],
              "receiving_agency_code": agency, "competent_agency_code": COMPETENT, "owner_account_id": None,
              "receiving_agency_name": factories.DESK_NAME, "competent_agency_name": factories.HEALTH_DEPARTMENT,
              "applicant_name": "Nguyễn Thị Hoà", "contact": filed["contact"], "rule_set": filed["rule_set"],
              "actor": "cb-1", "actor_name": "Cán bộ Một cửa", "result_return_method": "online"}
    due = now + timedelta(days=4)
    steps: list[tuple[str, int, dict[str, Any]]] = [
        ("accepted", 2, {"received_at": now, "appointment_due": due, "receipt": True}),
        ("assigned", 4, {"assignee": "cv-1", "assignee_name": "Chuyên viên", "step": "tham-dinh",
                         "step_name": "Thẩm định", "step_due_at": due}),
        ("step-completed", 4, {"step": "tham-dinh", "outcome": "early"}),
        ("step-completed", 4, {"step": "phe-duyet", "outcome": "early"}),
        ("result-ready", 9, {"result_kind": "approval", "outcome": "early", "early": True,
                             "return_method": "online", "result_code": f"KQ-{index}", "file_url": None}),
        ("result-returned", 10, {"method": "online", "outcome": "early"}),
    ]
    for version, (kind, status, details) in enumerate(steps, start=2):
        payload = {**common, "status": status, "dossier_version": version, "at": now + timedelta(seconds=version),
                   "appointment_due": due, "details": details}
        events.append(new_event(f"dossier.{kind}", dossier_id, payload, producer="workflow"))
    charge = {"charge_id": f"{dossier_id}:filing", "dossier_code": code, "purpose": "filing", "status": "paid",
              "charge_version": 2, "at": now, "amount": 50_000, "description": "Lệ phí",
              "lines": [{"code": "le-phi", "name": "Lệ phí", "kind": "fee", "amount": 50_000, "exemption": None}],
              "agency_code": agency, "competent_agency_code": COMPETENT, "procedure_code": filed["procedure_code"],
              "procedure_name": filed["procedure_name"], "owner_account_id": None, "applicant_name": "Nguyễn Thị Hoà",
              "contact": filed["contact"], "details": {"order_id": f"{code}-LP-01", "transaction_no": str(index),
                                                       "amount": 50_000, "paid_at": now, "bank_code": "NCB",
                                                       "via": "ipn", "online": True}}
    events.insert(2, new_event("payment.paid", dossier_id, charge, producer="payments"))
    return events


def _loaded(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return event_type(kind).load(payload, event_type(kind).version)


def interleaved(lives: list[list[Event]]) -> list[Event]:
    """All dossiers advance together: every dossier's first event, then every dossier's second…"""
    return [life[i] for i in range(max(map(len, lives))) for life in lives if i < len(life)]


def publish(settings, events: list[Event], rate: float | None = None) -> float:
    """Sends the events (at ``rate`` per second, or as fast as the producer goes); returns when it started."""
    names = topic_names(settings)
    producer = make_producer(settings, client_id="bench-sync")
    started = time.time()
    try:
        for n, event in enumerate(events):
            if rate:
                ahead = started + n / rate - time.time()
                if ahead > 0:
                    time.sleep(ahead)
            producer.send(names.main(event_type(event.type).topic), key=event.key, value=event.to_json(),
                          headers=event.headers())
        producer.flush()
    finally:
        producer.close(timeout=10)
    return started


def synchronised(portal: NationalPortalClient, client_id: str, codes: set[str]) -> tuple[int, list[dict]]:
    """How many of ``codes`` the portal holds complete (status 10, every step), and what it holds of them."""
    held = [h for h in portal.dossiers(client_id) if h["MaHoSo"] in codes]
    return sum(1 for h in held if h["TrangThai"] == 10 and len(h["steps"]) == STEPS), held


def check(held: list[dict]) -> None:
    """Nothing doubled, nothing went backwards: steps 1..8 once each, status versions strictly increasing."""
    for h in held:
        numbers = [s["STT"] for s in h["steps"]]
        if numbers != list(range(1, STEPS + 1)):
            raise SystemExit(f"{h['MaHoSo']}: steps {numbers}")
        versions = [s["PhienBan"] for s in h["statuses"]]
        if versions != sorted(set(versions)):
            raise SystemExit(f"{h['MaHoSo']}: status versions {versions}")


def measure(stack: Stack, dossiers: int, rate: float | None, timeout: float = 1800) -> dict[str, Any]:
    settings = stack.settings()
    portal = NationalPortalClient(stack.national_portal.url)
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
    sync = client[settings.database_name("sync")]
    prefix = uuid.uuid4().hex[:4]
    lives = [lifecycle(i, prefix=prefix) for i in range(dossiers)]
    events = interleaved(lives)
    codes = {life[0].payload["code"] for life in lives}
    started = publish(settings, events, rate)
    published = time.time()
    behind_at_publish = len(codes) - synchronised(portal, settings.national_portal_client_id, codes)[0]
    consumed_at = [0.0]

    def caught_up() -> bool:
        if not consumed_at[0] and sync.processed_events.count_documents({"group": "sync"}) >= len(events):
            consumed_at[0] = time.time()
        return synchronised(portal, settings.national_portal_client_id, codes)[0] == len(codes)

    wait_until(caught_up, timeout)
    done = time.time()
    check(synchronised(portal, settings.national_portal_client_id, codes)[1])
    client.close()
    return {"dossiers": dossiers, "events": len(events), "publish_seconds": published - started,
            "consumed_rate": len(events) / ((consumed_at[0] or done) - started),
            "synced_rate": len(events) / (done - started), "seconds": done - started,
            "behind_at_publish": behind_at_publish}


def report(m: dict[str, Any], rss: float | None = None) -> None:
    rows = [
        ("dossiers / events", f"{m['dossiers']} / {m['events']}", f"{STEPS} steps each at the portal"),
        ("events published", f"{m['events'] / max(m['publish_seconds'], 1e-9):.0f}/s",
         f"in {m['publish_seconds']:.1f} s, interleaved across dossiers"),
        ("consumed events/s", f"{m['consumed_rate']:.0f}", "applied to the mirrors (batch consumer)"),
        ("synchronised events/s", f"{m['synced_rate']:.0f}",
         f"first published -> the portal holds everything ({m['seconds']:.1f} s)"),
        ("behind when publishing ended", f"{m['behind_at_publish']}", "dossiers not yet complete at the portal"),
    ]
    if rss is not None:
        rows.append(("RSS sync processes", f"{rss:.0f} MB", f"{os.cpu_count()} cores shared with Kafka, "
                                                             "FerretDB and the simulator"))
    print_table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync")
    parser.add_argument("--dossiers", type=int, default=600)
    parser.add_argument("--rate", type=float, default=None, help="events per second (default: as fast as possible)")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="motcua-bench-sync-"))
    stack = Stack(root, ports=Ports.free(), db_prefix="bench", topic_prefix="bench.", env="development",
                  overrides={"log_level": "WARNING", "sync_push_interval_seconds": 0.05})
    print(f"bench: stack in {root}", flush=True)
    try:
        stack.start_infrastructure()
        stack.start_services(["sync"])
        figures = measure(stack, args.dossiers, args.rate)
        report(figures, sum(m.rss_mb() or 0 for m in stack.processes.values()))
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
