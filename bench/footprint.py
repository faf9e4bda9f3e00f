"""Footprint of every process: resident memory and CPU per dossier, the figures the Kubernetes requests and
limits are sized from (deploy/README.md, "Sizing").

    make bench-footprint                                   # 30 s at 20 dossiers/s
    make bench-footprint BENCH_ARGS="--seconds 60 --rate 30"

Starts its own stack (like ``make bench``), files dossiers online at a fixed rate from a separate load-generator
process, waits until every consumer applied them and the notify sender delivered what it could, then prints per
process (the API counts its gunicorn master and workers together): RSS when idle, peak RSS (VmHWM), RSS at the
end, the CPU it burns when nothing happens (an idle window before the load: polling relays, loops, readiness),
CPU seconds used during the load window and CPU milliseconds per dossier net of that idle cost.
"""

from __future__ import annotations

import argparse
import time

import pymongo

import bench.intake
from bench.measure import Spent, bench_stack, percentiles, print_table, wait_until
from tools.devstack.stack import Stack


def run(seconds: float, rate: int) -> None:
    with bench_stack("footprint") as stack:
        stack.start_services()
        stack.seed_catalogue()  # intake files only procedures of the catalogue, at agencies that receive them
        report(measure(stack, seconds=seconds, rate=rate))


def measure(stack: Stack, *, seconds: float, rate: int, settle: float = 10.0, idle: float = 20.0) -> dict:
    """Watches the stack doing nothing for ``idle`` seconds, then files dossiers at ``rate`` for ``seconds`` at
    the seed catalogue's desk (bench.intake's load generator) on a stack running every service with the seed
    catalogue, waits until the workflow has them all and ``settle`` seconds more, and returns each process's usage
    over both windows."""
    settings = stack.settings()
    token = bench.intake.applicant_token(settings)
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
    try:
        intake = client[settings.database_name("intake")]
        workflow = client[settings.database_name("workflow")]
        print(f"bench: idle for {idle:.0f}s", flush=True)
        quiet = Spent.of(stack).usage
        idle_started = time.monotonic()
        time.sleep(idle)
        before = Spent.of(stack).usage
        idle_seconds = time.monotonic() - idle_started
        print(f"bench: open loop for {seconds:.0f}s at {rate}/s", flush=True)
        started = time.monotonic()
        load = bench.intake.run_load(stack, token, seconds, 32, rate)
        ids = [r[3] for r in load["results"] if r[2] == 201]
        wait_until(lambda: intake.dossiers.count_documents({"_id": {"$in": ids}, "outbox_pending": True}) == 0, 600)
        wait_until(lambda: workflow.dossiers.count_documents({"_id": {"$in": ids}}) == len(ids), 600)
        time.sleep(settle)  # let the notify sender and the postal scheduler finish their rounds
        after = Spent.of(stack).usage
        window = time.monotonic() - started
    finally:
        client.close()
    http = percentiles([(r[1] - r[0]) * 1000 for r in load["results"] if r[2] == 201])
    return {"seconds": seconds, "dossiers": len(ids), "errors": len(load["results"]) - len(ids), "http": http,
            "names": list(after), "quiet": quiet, "before": before, "after": after,
            "idle_seconds": idle_seconds, "window": window}


def idle_share(m: dict, name: str) -> float:
    """The share of one core a process uses when nothing happens."""
    return (m["before"][name]["cpu"] - m["quiet"][name]["cpu"]) / max(m["idle_seconds"], 1e-9)


def per_dossier_ms(m: dict, name: str) -> float:
    """CPU milliseconds per dossier filed, net of what the process would have burnt idle in the window."""
    spent = m["after"][name]["cpu"] - m["before"][name]["cpu"] - idle_share(m, name) * m["window"]
    return max(spent, 0.0) * 1000 / max(m["dossiers"], 1)


def report(m: dict) -> None:
    dossiers, after, before = m["dossiers"], m["after"], m["before"]
    rows = [("dossiers filed (HTTP 201)", f"{dossiers}",
             f"{dossiers / m['seconds']:.1f}/s, HTTP p95 {m['http']['p95']:.0f} ms, {m['errors']} errors, "
             f"load window {m['window']:.0f} s")]
    for name in m["names"]:
        cpu = after[name]["cpu"] - before[name]["cpu"]
        rows.append((name, f"{before[name]['rss']:.0f} / {after[name]['peak']:.0f} / {after[name]['rss']:.0f} MB",
                     f"idle {100 * idle_share(m, name):.1f} % of a core; load CPU {cpu:.1f} s, "
                     f"{per_dossier_ms(m, name):.2f} ms/dossier net of idle"))
    idle_total = sum(idle_share(m, name) for name in m["names"])
    services = [name for name in m["names"] if name not in ("kafka", "ferretdb")]
    rows.append(("all processes idle", f"{sum(before[n]['rss'] for n in m['names']):.0f} MB",
                 f"{100 * idle_total:.0f} % of a core"))
    rows.append(("services per dossier", f"{sum(per_dossier_ms(m, n) for n in services):.1f} ms",
                 "CPU of every service process, net of idle"))
    print_table(rows, value_width=22)  # value: RSS idle / peak / end; note: CPU


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.footprint")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=int, default=20)
    args = parser.parse_args(argv)
    run(args.seconds, args.rate)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
