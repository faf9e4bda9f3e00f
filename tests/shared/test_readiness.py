"""Readiness (shared/api/readiness.py): checked in the background, answered at once, truthful about each
dependency, and never a reason for the API to stop serving while only Kafka is down."""

from __future__ import annotations

import dataclasses
import threading

from shared.api.readiness import DEGRADED, READY, UNAVAILABLE, ReadinessMonitor
from tools.devstack.servers import free_port


def _dead_address() -> str:
    return f"127.0.0.1:{free_port()}"  # nothing listens there


def test_with_both_dependencies_the_service_is_ready(settings):
    # a first round also connects to the broker: on a loaded machine that can take longer than the 1 s default
    snapshot = ReadinessMonitor(dataclasses.replace(settings, readiness_timeout_seconds=10), "intake").snapshot()
    assert snapshot.status == READY and snapshot.checks == {"mongo": "ok", "kafka": "ok"}


def test_without_kafka_the_service_is_degraded_not_unavailable(settings):
    """Writes wait in the outbox while the broker is away: the API keeps serving (200), and says why."""
    monitor = ReadinessMonitor(dataclasses.replace(settings, kafka_bootstrap_servers=_dead_address()), "intake")
    snapshot = monitor.snapshot()
    assert snapshot.status == DEGRADED and snapshot.checks["mongo"] == "ok"
    assert snapshot.checks["kafka"] != "ok"


def test_without_mongodb_it_is_unavailable_and_many_probes_all_answer(settings):
    """Thirty probes at once while neither dependency answers: every one returns (none waits for a check), and
    each says unavailable with the reason per dependency."""
    dead = dataclasses.replace(settings, mongo_uri=f"mongodb://{_dead_address()}/",
                               kafka_bootstrap_servers=_dead_address())
    monitor = ReadinessMonitor(dead, "intake")
    answers: list = []
    probes = [threading.Thread(target=lambda: answers.append(monitor.snapshot())) for _ in range(30)]
    for probe in probes:
        probe.start()
    for probe in probes:
        probe.join(timeout=30)
    assert len(answers) == 30
    assert {a.status for a in answers} == {UNAVAILABLE}
    assert all(a.checks["mongo"].startswith(("unreachable", "not checked")) for a in answers)


def test_a_check_that_hangs_makes_the_answer_unavailable_not_stale_good_news(settings):
    """If a round never finishes, the last good answer is not repeated forever: once it is older than the
    staleness bound the probe says it does not know."""
    monitor = ReadinessMonitor(settings, "intake")
    assert monitor.snapshot().status == READY
    hang = threading.Event()
    monitor._check_mongo = lambda: hang.wait() and "ok"  # the next round blocks until released
    monitor.stale_after = 0.5
    try:
        answer = None
        for _ in range(100):
            answer = monitor.snapshot()
            if answer.status == UNAVAILABLE:
                break
            hang.wait(0.1)
        assert answer.status == UNAVAILABLE and "no answer for" in answer.checks["monitor"]
    finally:
        hang.set()
