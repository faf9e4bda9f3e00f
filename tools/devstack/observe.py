"""What tests and benchmarks read of a running stack from outside it: what a process tree uses (CPU, memory,
descriptors, from /proc), what a process counted (its Prometheus counters) and how far a consumer group has
committed (from Kafka, never from the store being measured)."""

from __future__ import annotations

import os
from pathlib import Path

from kafka import KafkaAdminClient, TopicPartition
from kafka.errors import CoordinatorLoadInProgressError, CoordinatorNotAvailableError, NotCoordinatorError
from prometheus_client.parser import text_string_to_metric_families

TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (gunicorn's workers, a JVM's children)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def usage(pid: int) -> dict[str, float]:
    """CPU seconds, RSS and peak RSS (MB) of a process and its descendants."""
    cpu = rss = peak = 0.0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / TICKS
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    peak += int(line.split()[1]) / 1024
        except (OSError, IndexError, ValueError):
            continue
    return {"cpu": cpu, "rss": rss, "peak": peak}


def descriptors(pid: int) -> int:
    """Open file descriptors of a process and its descendants (sockets, files, pipes)."""
    count = 0
    for p in process_tree(pid):
        try:
            count += len(os.listdir(f"/proc/{p}/fd"))
        except OSError:
            continue
    return count


def counter_totals(exposition: str, family: str, by: str | None = None) -> dict[str, float]:
    """A counter's totals in a process's Prometheus exposition (its /metrics text): summed over every series, or
    per value of the label ``by`` ("" for the series without it)."""
    totals: dict[str, float] = {}
    for found in text_string_to_metric_families(exposition):
        if found.name == family:
            for sample in found.samples:
                if sample.name.endswith("_total"):
                    key = sample.labels.get(by, "") if by else ""
                    totals[key] = totals.get(key, 0.0) + sample.value
    return totals


def committed_offsets(bootstrap: str, group_id: str) -> dict[TopicPartition, int]:
    """Where the consumer group has committed on each partition it committed on (after applying, in our
    consumers); empty while the group's coordinator is not available yet, or moving (callers wait for a figure)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="devstack-progress")
    try:
        return {tp: meta.offset for tp, meta in admin.list_consumer_group_offsets(group_id).items()}
    except (CoordinatorNotAvailableError, NotCoordinatorError, CoordinatorLoadInProgressError):
        return {}
    finally:
        admin.close()
