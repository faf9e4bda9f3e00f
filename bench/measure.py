"""What every benchmark needs: its own stack, percentiles of a sample, waiting for the system to catch up, and
whether a consumer group's progress reached the end of its topics (read from Kafka, never from the store the
benchmark is measuring). What a process uses is read by ``tools/devstack/observe.py``."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from tools.devstack.observe import committed_offsets
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
