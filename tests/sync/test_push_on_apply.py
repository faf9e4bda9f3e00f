"""The consumer pushes at once what it changes of a dossier the portal held complete, and writes the mirror once
with the events and the portal's answer (``apply_batch`` with a ``push``); every other mirror — new, pending,
failing — stays the pusher's round's, so the two never push one dossier at once. Real store, real portal
simulator (a private one: its counters are read)."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from bench.sync import lifecycle
from services.sync.mirrors.service import PENDING, SYNCED, apply_batch
from services.sync.portal.client import NationalPortal
from services.sync.portal.pusher import Pusher
from services.sync.storage import MIRRORS
from shared.config import Settings
from shared.events import event_type
from tools.devstack.servers import SimulatorServer, free_port
from tools.simulators.national_portal import NationalPortalClient

pytestmark = pytest.mark.usefixtures("stack")


@pytest.fixture
def portal(tmp_path):
    defaults = Settings()
    server = SimulatorServer("national-portal", "national_portal", tmp_path, free_port(),
                             ["--client-id", defaults.national_portal_client_id,
                              "--client-secret", defaults.national_portal_client_secret])
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_change_to_a_synced_dossier_is_pushed_by_the_consumer_in_the_same_write(mongo_client, portal, stack):
    settings = dataclasses.replace(stack.settings(), national_portal_url=portal.url)
    db = mongo_client[f"t{uuid.uuid4().hex[:10]}_sync"]
    simulator = NationalPortalClient(portal.url)
    round_ = Pusher(db, settings, NationalPortal(settings))
    push = Pusher(db, settings, NationalPortal(settings)).push_now
    synced, other = lifecycle(1), lifecycle(2)

    def apply(event, with_push=True):
        loaded = event_type(event.type).load(event.payload, event.schema_version)
        apply_batch(db, settings, [(event, loaded)], push if with_push else None)

    def mirror(life):
        return db[MIRRORS].find_one({"_id": life[0].dossier_id})

    def steps_held(life):
        held = simulator.dossier(life[0].payload["code"], settings.national_portal_client_id)
        return len(held["steps"]) if held else 0

    try:
        # A new mirror is the round's: the consumer creates it pending and pushes nothing.
        apply(synced[0])
        assert mirror(synced)["sync_state"] == PENDING and steps_held(synced) == 0
        assert round_.round() == 1
        before = mirror(synced)
        assert before["sync_state"] == SYNCED and steps_held(synced) == 1

        # The next event: pushed by the consumer, and the mirror written once, synced, holding the answer.
        apply(synced[1])
        after = mirror(synced)
        assert after["version"] == before["version"] + 1
        assert after["sync_state"] == SYNCED and after["portal"]["synced_steps"] == len(after["log"]) == 2
        assert after["portal"]["synced_revision"] == after["revision"] > before["revision"]
        assert steps_held(synced) == 2
        assert round_.round() == 0                      # nothing left for the round

        # A pending mirror (the consumer did not push it: here, no push at all) stays pending after the next
        # event, which the consumer does not push either: the round pushes both events' content at once.
        apply(other[0])
        round_.round()
        apply(other[1], with_push=False)
        assert mirror(other)["sync_state"] == PENDING
        apply(other[2])
        assert mirror(other)["sync_state"] == PENDING and steps_held(other) == 1
        assert round_.round() == 1
        assert mirror(other)["sync_state"] == SYNCED and steps_held(other) == 2
        stats = simulator.stats()
        assert stats["duplicate_steps"] == stats["stale_updates"] == stats["errors"] == 0, stats
    finally:
        mongo_client.drop_database(db.name)
