"""Failpoints: named places where a test can make a process die or fail on purpose.

Tests prove that nothing is lost or applied twice when a process is killed at the worst moment; a
failpoint makes that moment deterministic. They are inert unless ``MOTCUA_FAILPOINTS`` names them
(``name=kill`` sends SIGKILL to the process itself, ``name=raise`` raises :class:`FailpointTriggered`).
Production never sets the variable.
"""

from __future__ import annotations

import functools
import logging
import os
import signal

log = logging.getLogger(__name__)


class FailpointTriggered(RuntimeError):
    pass


@functools.cache
def _active() -> dict[str, str]:
    spec = os.environ.get("MOTCUA_FAILPOINTS", "")
    pairs = (item.split("=", 1) for item in spec.split(",") if "=" in item)
    return {name.strip(): action.strip() for name, action in pairs}


def failpoint(name: str) -> None:
    action = _active().get(name)
    if action is None:
        return
    log.warning("failpoint %s triggered: %s", name, action)
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if action == "raise":
        raise FailpointTriggered(name)
