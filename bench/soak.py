"""Soak: the whole system under a steady load for a bounded time, to show that no process grows without bound
and that nothing is left behind when the load stops.

    make bench-soak                                        # 10 minutes at 10 dossiers/s, a sample every 60 s
    make bench-soak BENCH_ARGS="--minutes 30 --rate 20 --every 120"

Starts its own stack (like ``make bench``: every service, the seed catalogue, settings as deployed), files
dossiers online at a fixed rate from a separate load-generator process (bench.intake's), and samples every
process (the API counts its gunicorn master and workers together; Kafka and FerretDB too) every ``--every``
seconds: resident memory (RSS) and open file descriptors. The default rate is half of what the whole system
sustains by its settings: each filing sends one SMS, and the SMS provider takes 20 a second
(``NOTIFY_RATE_SMS_PER_SECOND``), so above 20 filings a second the SMS backlog grows without end whatever the
machine (intake alone takes about 55 a second on the 2-core reference machine).

When the load stops it waits for the system to drain and prints:

- RSS and open descriptors of each process over time (one column per sample);
- each process's growth from the end of the warm-up (the first third of the load) to the end of the load,
  flagged ``grows`` when RSS rose by more than 10 % and 20 MB, or descriptors by more than 20: a steady load
  should hold both flat once caches and pools are warm;
- the backlog at the end: documents still waiting in the services' outboxes, messages not yet handed to a
  provider and records the consumer groups have not committed (all zero when nothing is lost or stuck).
"""

from __future__ import annotations

import argparse
import threading
import time

import pymongo
from kafka import KafkaAdminClient

import bench.intake
from bench.measure import bench_stack, end_offsets, print_table, wait_until
from services.notify.notifications import statuses
from services.notify.storage import NOTIFICATIONS
from shared.storage.outbox import PENDING
from tools.devstack.observe import committed_offsets, descriptors, usage
from tools.devstack.stack import SERVICES, Stack, service_processes

# growth from the end of the warm-up to the end of the load that ``report`` flags
GROWTH_MB, GROWTH_SHARE, GROWTH_FDS = 20.0, 0.10, 20


def sample(watched: dict) -> dict[str, tuple[float, int]]:
    """(RSS MB, open descriptors) of every watched process now."""
    return {name: (usage(m.pid)["rss"], descriptors(m.pid)) for name, m in watched.items()}


def backlog(stack: Stack) -> dict[str, int]:
    """What the system still owes: outbox documents not yet published (per service), messages notify has not
    handed to a provider yet, and records not yet committed by each consumer group of this stack (read from
    Kafka, not from the consumers)."""
    settings = stack.settings()
    owed: dict[str, int] = {}
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
    try:
        for service in SERVICES:
            db = client[settings.database_name(service)]
            pending = sum(db[c].count_documents({PENDING: True})
                          for c in service_processes(service).relay_collections)
            owed[f"{service} outbox"] = pending
        notifications = client[settings.database_name("notify")][NOTIFICATIONS]
        owed["notify messages not sent"] = sum(notifications.count_documents({"status": status})
                                               for status in (statuses.CREATED, statuses.TEMPORARY_FAILURE))
    finally:
        client.close()
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka.bootstrap, client_id="bench-soak")
    try:
        groups = sorted(g for g, _ in admin.list_consumer_groups() if g.startswith(stack.topic_prefix))
        for group in groups:
            offsets = committed_offsets(stack.kafka.bootstrap, group)
            ends = end_offsets(stack.kafka.bootstrap, {tp.topic for tp in offsets}) if offsets else {}
            # a partition the group never committed on owes all it holds
            owed[f"group {group}"] = sum(max(0, end - offsets.get(tp, 0)) for tp, end in ends.items())
    finally:
        admin.close()
    return owed


def measure(stack: Stack, *, seconds: float, rate: float, every: float, drain_timeout: float = 600) -> dict:
    """Files dossiers at ``rate`` for ``seconds`` on a running stack (every service, the seed catalogue),
    sampling every ``every`` seconds; then waits (``drain_timeout`` at most) until the outboxes, notify's queue
    and the consumer groups are drained."""
    settings = stack.settings()
    token = bench.intake.applicant_token(settings)
    watched = {**stack.processes, "kafka": stack.kafka.managed, "ferretdb": stack.mongo.managed}
    load: dict = {}
    failure: list[BaseException] = []

    def generate() -> None:
        try:
            load.update(bench.intake.run_load(stack, token, seconds, 32, rate))
        except BaseException as exc:  # reported by the main thread
            failure.append(exc)

    samples = [(0.0, sample(watched))]
    started = time.monotonic()
    generator = threading.Thread(target=generate, name="soak-load", daemon=True)
    generator.start()
    while generator.is_alive():
        generator.join(max(0.0, started + len(samples) * every - time.monotonic()))
        if generator.is_alive():
            elapsed = time.monotonic() - started
            samples.append((elapsed, sample(watched)))
            total = sum(rss for rss, _ in samples[-1][1].values())
            print(f"bench: {elapsed / 60:.1f} of {seconds / 60:.1f} min, all processes {total:.0f} MB", flush=True)
    if failure:
        raise failure[0]
    loaded = time.monotonic() - started
    samples.append((loaded, sample(watched)))
    accepted = sum(1 for r in load["results"] if r[2] == 201)
    print(f"bench: load done ({accepted} dossiers filed); waiting for the system to drain", flush=True)

    def drained() -> bool:
        owed = {what: count for what, count in backlog(stack).items() if count}
        if owed:
            print(f"bench: still owed: {', '.join(f'{what} {count}' for what, count in owed.items())}", flush=True)
        return not owed

    # every 5 s, not faster: a check counts every outbox and asks Kafka for every group's offsets
    try:
        wait_until(drained, drain_timeout, interval=5.0)
    except TimeoutError:
        print(f"bench: not drained after {drain_timeout:.0f} s; reporting what is still owed", flush=True)
    waited = time.monotonic() - started - loaded
    owed = backlog(stack)
    samples.append((loaded + waited, sample(watched)))
    return {"seconds": seconds, "rate": rate, "accepted": accepted, "errors": len(load["results"]) - accepted,
            "samples": samples, "loaded_sample": len(samples) - 2, "names": list(watched), "backlog": owed,
            "drained": waited}


def warm_sample(m: dict) -> int:
    """The first sample after a third of the load: caches, pools and JIT-like warm-ups are behind it."""
    return next((i for i, (at, _) in enumerate(m["samples"]) if at >= m["seconds"] / 3), m["loaded_sample"])


def growth(m: dict, name: str) -> tuple[float, int, bool]:
    """RSS (MB) and descriptors gained from the end of the warm-up to the end of the load, and whether that is
    more than a steady load explains."""
    warm = m["samples"][warm_sample(m)][1][name]
    end = m["samples"][m["loaded_sample"]][1][name]
    rss, fds = end[0] - warm[0], end[1] - warm[1]
    return rss, fds, (rss > GROWTH_MB and rss > GROWTH_SHARE * warm[0]) or fds > GROWTH_FDS


def _when(at: float) -> str:
    return f"{at / 60:.1f} min" if at >= 60 else f"{at:.0f} s"


def report(m: dict) -> None:
    samples = m["samples"]
    width = max(len(n) for n in m["names"]) + 2
    header = "".join(f"{_when(at):>11}" for at, _ in samples)
    print(f"RSS MB / open descriptors per sample (the last after draining)\n{'':<{width}}{header}")
    for name in m["names"]:
        print(f"{name:<{width}}" + "".join(f"{f'{s[name][0]:.0f}/{s[name][1]}':>11}" for _, s in samples))
    print()
    rows = [("dossiers filed (HTTP 201)", f"{m['accepted']}",
             f"{m['accepted'] / m['seconds']:.1f}/s for {m['seconds'] / 60:.1f} min at {m['rate']:g}/s asked, "
             f"{m['errors']} errors")]
    for name in m["names"]:
        rss, fds, grows = growth(m, name)
        rows.append((f"{name} growth", f"{rss:+.0f} MB / {fds:+d} fds",
                     ("grows" if grows else "flat") + " from the end of the warm-up to the end of the load"))
    owed = m["backlog"]
    rows.append(("backlog at the end", f"{sum(owed.values())}",
                 f"outbox documents, messages not sent and uncommitted records, after {m['drained']:.0f} s "
                 "of draining"))
    rows.extend((f"  {what}", f"{count}", "") for what, count in owed.items() if count)
    print_table(rows, value_width=22)


def run(seconds: float, rate: float, every: float, drain_seconds: float) -> None:
    with bench_stack("soak") as stack:
        stack.start_services()
        stack.seed_catalogue()  # intake files only procedures of the catalogue, at agencies that receive them
        print(f"bench: soak for {seconds / 60:.1f} min at {rate:g} dossiers/s, a sample every {every:.0f} s",
              flush=True)
        report(measure(stack, seconds=seconds, rate=rate, every=every, drain_timeout=drain_seconds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=10.0, help="dossiers per second (default 10)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between samples (default 60)")
    parser.add_argument("--drain-seconds", type=float, default=600.0,
                        help="how long to wait for the backlog to drain after the load (default 600)")
    args = parser.parse_args(argv)
    run(args.minutes * 60, args.rate, args.every, args.drain_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
