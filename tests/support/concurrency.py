"""Running things at the same moment, and reading what Kafka consumer groups committed."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kafka import KafkaAdminClient
from kafka.errors import CoordinatorLoadInProgressError, CoordinatorNotAvailableError, NotCoordinatorError


def at_once(action: Callable[[], object], times: int) -> list:
    """Runs ``action`` in ``times`` threads released together; returns the results (in completion order)."""
    results: list = []
    lock = threading.Lock()
    barrier = threading.Barrier(times)

    def run():
        barrier.wait()
        result = action()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def committed(bootstrap: str, group_id: str, topic: str) -> int:
    """Records of ``topic`` the consumer group has committed, over all partitions (0 while the group's
    coordinator is not available yet, or moving: the callers wait for a number to be reached)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        offsets = admin.list_consumer_group_offsets(group_id)
        return sum(o.offset for tp, o in offsets.items() if tp.topic == topic)
    except (CoordinatorNotAvailableError, NotCoordinatorError, CoordinatorLoadInProgressError):
        return 0
    finally:
        admin.close()
