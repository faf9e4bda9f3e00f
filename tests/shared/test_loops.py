"""The one loop runner: tasks on their intervals, draining while there is work, a failing task backing off while
the others go on, leader-only work on one replica at a time (a lease on the real database), graceful stop."""

from __future__ import annotations

import threading
import time

from shared.runtime.loops import LEASES, Lease, Loop, Task
from tests.conftest import database


def _run_for(loop: Loop, seconds: float) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    time.sleep(seconds)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()


def test_a_draining_task_empties_its_backlog_at_once_and_a_failing_one_backs_off():
    backlog, calls, stopped = [5], {"drain": 0, "broken": 0}, []

    def drain():
        calls["drain"] += 1
        if backlog[0]:
            backlog[0] -= 1
            return 1
        return 0

    def broken():
        calls["broken"] += 1
        raise RuntimeError("database unavailable")

    _run_for(Loop("test", [Task("drain", "drain", drain, every=0.5, draining=True),
                           Task("broken", "broken", broken, every=0.05, max_backoff=0.4)], service="test",
                  on_stop=lambda: stopped.append(1)), 1.2)
    assert backlog == [0] and 6 <= calls["drain"] <= 9  # five back to back, then every 0.5 s
    assert 2 <= calls["broken"] <= 6  # 0.1, 0.2, 0.4, 0.4 … not every 0.05 s
    assert stopped == [1]


def test_leader_only_work_runs_on_one_replica_and_moves_when_the_leader_stops(mongo_client, fresh_settings):
    db = database(mongo_client, fresh_settings, "workflow")
    runs = {"a": 0, "b": 0}

    def replica(name):
        return Loop(f"scheduler {name}", [Task("scan", "scan", lambda: runs.__setitem__(name, runs[name] + 1),
                                               every=0.1, leader_only=True)], service="test",
                    lease=Lease(db[LEASES], "scan", ttl_seconds=1.0))

    first, second = replica("a"), replica("b")
    stop_first, stop_second = threading.Event(), threading.Event()
    threads = [threading.Thread(target=first.run, args=(stop_first,), daemon=True),
               threading.Thread(target=second.run, args=(stop_second,), daemon=True)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    leader = max(runs, key=runs.get)
    assert runs[leader] >= 5 and min(runs.values()) == 0  # one replica scans, the other waits
    (stop_first if leader == "a" else stop_second).set()  # the leader stops (and gives the lease up)
    time.sleep(1.0)
    other = "b" if leader == "a" else "a"
    assert runs[other] >= 3
    stop_first.set()
    stop_second.set()
    for thread in threads:
        thread.join(10)
