"""`make run`'s supervisor: whatever dies is started again — the infrastructure servers (FerretDB, Kafka, the
SMTP server, the simulators) as well as every service process — under a bounded policy.

- a process found dead is reported with its exit code and the last lines of its log, then restarted;
- at most ``max_restarts`` restarts of one process within ``window`` seconds: after that it is left down with a
  line saying so (a crash loop is a bug to read about, not to hide by restarting forever);
- the infrastructure is checked before the services, so a service that died because the broker or the database
  did is restarted against a running one.

On Kubernetes the kubelet does this (restartPolicy, with its own back-off); the supervisor is for one machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tools.devstack.servers import ManagedProcess


@dataclass
class Target:
    """Something the supervisor keeps running: its process and how to start it again."""

    name: str
    managed: ManagedProcess
    restart: Callable[[], None]


@dataclass
class Supervisor:
    targets: Callable[[], list[Target]]    # asked on every check: the services started may change
    say: Callable[[str], None] = print
    max_restarts: int = 3
    window: float = 60.0
    restarts: dict[str, list[float]] = field(default_factory=dict)
    given_up: set[str] = field(default_factory=set)

    def check(self) -> list[str]:
        """One pass: restarts what died (within the policy); returns the names restarted."""
        restarted = []
        for target in self.targets():
            if target.name in self.given_up or target.managed.alive():
                continue
            code = target.managed.process.returncode if target.managed.process else None
            self.say(f"!! {target.name} exited with code {code}; last lines of {target.managed.log_path}:\n"
                     f"{target.managed.tail(15)}")
            recent = [t for t in self.restarts.get(target.name, []) if time.monotonic() - t < self.window]
            if len(recent) >= self.max_restarts:
                self.say(f"!! {target.name} failed {len(recent)} times within {self.window:.0f}s; not restarting "
                         "it again (fix the cause, then restart make run)")
                self.given_up.add(target.name)
                continue
            try:
                target.restart()
            except Exception as exc:  # noqa: BLE001 - a failed restart is reported and counted, not fatal
                self.say(f"!! {target.name} could not be restarted: {exc}")
            else:
                self.say(f"   restarted {target.name} (restart {len(recent) + 1} of at most {self.max_restarts} "
                         f"within {self.window:.0f}s)")
                restarted.append(target.name)
            self.restarts[target.name] = [*recent, time.monotonic()]
        return restarted

    def run(self, stop: threading.Event, every: float = 1.0) -> None:
        while not stop.wait(every):
            self.check()
