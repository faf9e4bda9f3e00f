"""`make run`'s supervisor (tools/devstack/supervisor.py): what dies is restarted, with a bound. Restarting the
real broker after kill -9 is proven by tests/system/test_broker_death.py; here, the policy."""

from __future__ import annotations

import sys

from tools.devstack.servers import ManagedProcess
from tools.devstack.supervisor import Supervisor, Target


def _process(tmp_path, name: str, code: str) -> ManagedProcess:
    managed = ManagedProcess(name, tmp_path / f"{name}.log")
    managed.spawn([sys.executable, "-c", code])
    return managed


def test_a_dead_process_is_restarted_and_one_that_keeps_dying_is_left_down_with_a_reason(tmp_path):
    said: list[str] = []
    steady = _process(tmp_path, "steady", "import time; time.sleep(60)")
    crashing = _process(tmp_path, "crashing", "print('cannot start: no config'); raise SystemExit(3)")
    crashing.process.wait(10)
    targets = [
        Target("steady", steady, lambda: steady.spawn([sys.executable, "-c", "import time; time.sleep(60)"])),
        Target("crashing", crashing, lambda: crashing.spawn([sys.executable, "-c", "raise SystemExit(3)"])),
    ]
    supervisor = Supervisor(lambda: targets, say=said.append, max_restarts=3, window=60)
    try:
        assert supervisor.check() == ["crashing"]  # the live one is left alone
        assert "crashing exited with code 3" in said[0] and "cannot start: no config" in said[0]
        for _ in range(2):
            crashing.process.wait(10)
            assert supervisor.check() == ["crashing"]
        crashing.process.wait(10)
        assert supervisor.check() == []  # a fourth death within the minute: given up, and said so
        assert "failed 3 times within 60s; not restarting it again" in said[-1]
        assert supervisor.check() == [] and "crashing" in supervisor.given_up

        steady.kill()  # kill -9: restarted on the next pass
        assert supervisor.check() == ["steady"] and steady.alive()
    finally:
        steady.stop(5)
        crashing.stop(5)
