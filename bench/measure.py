"""What every benchmark needs: its own stack, percentiles of a sample, waiting for the system to catch up,
whether a consumer group's progress reached the end of its topics (read from Kafka, never from the store the
benchmark is measuring), and what an operation cost the stack (CPU per process, FerretDB's commands). What a
process uses is read by ``tools/devstack/observe.py``."""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymongo
from kafka import KafkaConsumer, TopicPartition

from tools.devstack.observe import committed_offsets, usage
from tools.devstack.servers import store_label
from tools.devstack.stack import Ports, Stack

# Settings every benchmark's stack runs with, so that it measures what production runs: quiet logs, and no check
# of each document against its declared shape (a development safety net production never pays for).
AS_DEPLOYED = {"log_level": "WARNING", "document_checks": False}


@contextmanager
def bench_stack(name: str, *, overrides: dict[str, Any] | None = None, note: str = "",
                **options: Any) -> Iterator[Stack]:
    """A benchmark's own stack in a fresh temporary directory, on free ports, settings as deployed
    (:data:`AS_DEPLOYED`, then ``overrides``): FerretDB and Kafka started, stopped with everything else however
    the block ends. ``options`` go to :class:`Stack` (``db_prefix``, ``topic_prefix``, ``sqlite_synchronous``).
    FerretDB's backend is the stack's (``MOTCUA_STORE``: sqlite by default, or postgresql), printed first."""
    root = Path(tempfile.mkdtemp(prefix=f"motcua-bench-{name}-"))
    stack = Stack(root, ports=Ports.free(), **{"db_prefix": "bench", "topic_prefix": "bench.", **options},
                  overrides={**AS_DEPLOYED, **(overrides or {})})
    print(f"bench: stack in {root}{note} ({store_label(stack.store, stack.sqlite_synchronous)}; MOTCUA_STORE)",
          flush=True)
    try:
        stack.start_infrastructure()
        yield stack
    finally:
        stack.stop()


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max by nearest rank (NaN for an empty sample)."""
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "max": ordered[-1]}


def wait_until(check, timeout: float, interval: float = 0.2) -> None:
    deadline = time.time() + timeout
    while not check():
        if time.time() > deadline:
            raise TimeoutError("the system did not catch up in time")
        time.sleep(interval)


def print_table(rows: list[tuple[str, str, str]], value_width: int = 20) -> None:
    """The one table every benchmark ends with: metric, value, note."""
    width = max(len(r[0]) for r in rows)
    print(f"\n{'metric':<{width}}  {'value':>{value_width}}  note")
    print(f"{'-' * width}  {'-' * value_width}  {'-' * 44}")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {note}")
    print()


WRITES = ("insert", "update", "delete", "findAndModify")  # FerretDB's write commands (a bulk is one command)


@dataclass(frozen=True)
class Spent:
    """What a stack has spent since it started: the usage of every process (CPU seconds, RSS and peak RSS in MB,
    a service process with its workers; Kafka; FerretDB), and the commands FerretDB answered, by name."""

    usage: dict[str, dict[str, float]]
    commands: dict[str, float]

    @classmethod
    def of(cls, stack: Stack) -> Spent:
        managed = {**stack.processes, "kafka": stack.kafka.managed, "ferretdb": stack.mongo.managed}
        return cls({name: usage(m.pid) for name, m in managed.items() if m.pid}, stack.mongo.commands())

    @property
    def cpu(self) -> dict[str, float]:
        return {name: used["cpu"] for name, used in self.usage.items()}

    def since(self, before: Spent) -> Spent:
        """What was spent between ``before`` and this: CPU and commands (memory is not a flow: none)."""
        return Spent({name: {"cpu": cpu - before.cpu.get(name, 0.0)} for name, cpu in self.cpu.items()},
                     {k: v - before.commands.get(k, 0.0) for k, v in self.commands.items()})

    def rows(self, label: str, operation: str, count: int) -> list[tuple[str, str, str]]:
        """Table rows: CPU ms per operation by process, FerretDB writes and other commands per operation
        (everything the stack did meanwhile counts: background loops, and the benchmark's own waits)."""
        count = max(1, count)
        cpu = sorted(((name, 1000 * seconds / count) for name, seconds in self.cpu.items()), key=lambda i: -i[1])
        writes = {k: v / count for k, v in self.commands.items() if k in WRITES and v}
        reads = {k: v / count for k, v in self.commands.items() if k not in WRITES and v}

        def listed(items) -> str:
            return ", ".join(f"{name} {value:.1f}" for name, value in items if value >= 0.05)

        return [
            (f"{label}: CPU ms per {operation}", f"{sum(v for _, v in cpu):.1f}", listed(cpu)),
            (f"{label}: FerretDB writes per {operation}", f"{sum(writes.values()):.2f}",
             listed(sorted(writes.items(), key=lambda i: -i[1]))),
            (f"{label}: other commands per {operation}", f"{sum(reads.values()):.2f}",
             listed(sorted(reads.items(), key=lambda i: -i[1]))),
        ]


def store_ceiling(stack: Stack, doc: dict[str, Any], count: int = 4000, threads: int = 8) -> dict[str, float]:
    """The raw ceiling of the stack's store for documents like ``doc``, in a database of its own, from
    ``threads`` threads: ``insert`` — ``count`` single-document inserts per second; ``update`` — then one
    ``update_one`` by ``_id`` of each (``$set`` of one field) per second; and FerretDB's CPU ms per command
    (``insert_cpu_ms``, ``update_cpu_ms``)."""
    client = pymongo.MongoClient(stack.mongo.uri, maxPoolSize=threads + 2)
    database = f"{stack.db_prefix}_raw_ceiling"
    collection = client[database]["documents"]
    collection.drop()
    ids = [[str(uuid.uuid4()) for _ in range(count // threads)] for _ in range(threads)]
    figures: dict[str, float] = {}

    def timed(kind: str, write) -> None:
        workers = [threading.Thread(target=lambda chunk=chunk: [write(i) for i in chunk]) for chunk in ids]
        before, started = Spent.of(stack), time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        done = sum(len(chunk) for chunk in ids)
        figures[kind] = done / (time.perf_counter() - started)
        figures[f"{kind}_cpu_ms"] = 1000 * Spent.of(stack).since(before).cpu.get("ferretdb", 0.0) / done

    try:
        timed("insert", lambda i: collection.insert_one({**doc, "_id": i}))
        timed("update", lambda i: collection.update_one({"_id": i}, {"$set": {"raw_ceiling": i}}))
    finally:
        client.drop_database(database)
        client.close()
    return figures


def end_offsets(bootstrap: str, topics: set[str]) -> dict[TopicPartition, int]:
    """Where each partition of ``topics`` ends now (call it once everything is published)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="bench-ends")
    try:
        partitions = [TopicPartition(t, p) for t in sorted(topics) for p in consumer.partitions_for_topic(t) or ()]
        return consumer.end_offsets(partitions)
    finally:
        consumer.close()


def committed_up_to(bootstrap: str, group_id: str, ends: dict[TopicPartition, int]) -> bool:
    """Whether the consumer group has committed (after applying) every record up to ``ends``."""
    offsets = committed_offsets(bootstrap, group_id)
    return all(end == 0 or offsets.get(tp, 0) >= end for tp, end in ends.items())
