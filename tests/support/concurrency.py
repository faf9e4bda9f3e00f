"""Running things at the same moment, and reading what Kafka consumer groups committed."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tools.devstack.observe import committed_offsets


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
    return sum(offset for tp, offset in committed_offsets(bootstrap, group_id).items() if tp.topic == topic)
