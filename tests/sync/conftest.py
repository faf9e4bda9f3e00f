"""Sync tests: the sync service's real processes against a National Public Service Portal simulator of their own.

The run's simulator is shared by every deployment (each a client of its own), but its behaviour (down, time-outs,
throttling) and its counters (``/_stats``) are not per client: a test that makes the portal misbehave, or counts
what it received, gets a private simulator instead, so it neither disturbs nor is disturbed by anyone else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import requests

from shared.auth.roles import Role
from shared.config import Settings
from tests.support import factories
from tools.devstack.servers import SimulatorServer, free_port
from tools.devstack.stack import Stack
from tools.simulators.national_portal import NationalPortalClient


@contextlib.contextmanager
def private_portal(deployment: Stack) -> Iterator[NationalPortalClient]:
    """A national portal simulator for ``deployment`` alone (set before its processes start: they read its URL
    from their settings). A timed-out call answers after 3 s, past the client's 2 s time-out (tests/conftest.py
    FAST)."""
    defaults = Settings()
    server = SimulatorServer("national-portal", "national_portal", deployment.root / "logs", free_port(),
                             ["--client-id", defaults.national_portal_client_id,
                              "--client-secret", defaults.national_portal_client_secret])
    server.start()
    deployment.national_portal = server
    portal = NationalPortalClient(server.url)
    portal.control(timeout_seconds=3)
    try:
        yield portal
    finally:
        server.stop()


def sync_record(deployment: Stack, dossier_id: str, agency: str) -> dict[str, Any]:
    """What the sync service says of a dossier over its API (``GET /dossiers/{id}/sync``), as the desk sees it."""
    headers = factories.bearer(deployment.settings(), factories.officer_principal(agency, Role.COUNTER_OFFICER))
    answer = requests.get(f"{deployment.url('sync')}/dossiers/{dossier_id}/sync", headers=headers, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def backlog(deployment: Stack, agency: str) -> dict[str, int]:
    """``GET /sync/backlog`` as a manager."""
    headers = factories.bearer(deployment.settings(), factories.officer_principal(agency, Role.MANAGER))
    answer = requests.get(f"{deployment.url('sync')}/sync/backlog", headers=headers, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def held(portal: NationalPortalClient, deployment: Stack, code: str) -> dict[str, Any] | None:
    """What the portal holds of a dossier, for this deployment's client id."""
    return portal.dossier(code, deployment.settings().national_portal_client_id)


def assert_nothing_doubled_or_backwards(dossier: dict[str, Any]) -> None:
    """A dossier as the portal holds it: its steps numbered 1..n, each event's line once (no two lines for the
    same action at the same moment), and every status update it accepted newer than the one before, its status
    never lower (a life without a supplement or a stop only moves forward)."""
    steps = dossier["steps"]
    assert [s["STT"] for s in steps] == list(range(1, len(steps) + 1)), steps
    lines = [(s["ThoiDiemXuLy"], s["NoiDungXuLy"], s["TrangThai"]) for s in steps]
    assert len(lines) == len(set(lines)), f"a step doubled on the portal: {lines}"
    assert dossier["duplicates"] == 0, "a step was sent again after the portal acknowledged it"
    assert [s["ThoiDiemXuLy"] for s in steps] == sorted(s["ThoiDiemXuLy"] for s in steps), lines
    versions = [s["PhienBan"] for s in dossier["statuses"]]
    assert versions == sorted(set(versions)), f"the portal went backwards: {dossier['statuses']}"
    codes = [s["TrangThai"] for s in dossier["statuses"]]
    assert codes == sorted(codes), f"a status went backwards on the portal: {dossier['statuses']}"
