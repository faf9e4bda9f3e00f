"""Replay protection of signed webhooks on the real database (shared/auth/replay.py): a signature is accepted once,
and signatures older than the tolerance window are forgotten — every PRUNE_EVERY_SECONDS, not at every request."""

from __future__ import annotations

import uuid
from datetime import timedelta

from shared.auth import replay
from shared.clock import utc_now
from tests.conftest import database


def test_a_signature_is_accepted_once_and_old_ones_are_forgotten_now_and_then(mongo_client, settings):
    memory = database(mongo_client, settings, "notify")[f"replay_{uuid.uuid4().hex[:8]}"]
    now = utc_now()
    assert replay.first_time(memory, "receipt-1", now)
    assert not replay.first_time(memory, "receipt-1", now + timedelta(seconds=1))  # a replay
    # beyond twice the tolerance (10 minutes by default) a signature is forgotten at the next prune
    assert replay.first_time(memory, "receipt-2", now + timedelta(minutes=11))
    assert memory.count_documents({}) == 1
    # and not at every request: one prune per PRUNE_EVERY_SECONDS
    memory.insert_one({"_id": "ancient", "at": now - timedelta(hours=1)})
    assert replay.first_time(memory, "receipt-3", now + timedelta(minutes=11, seconds=1))
    assert memory.count_documents({"_id": "ancient"}) == 1
    later = now + timedelta(minutes=11, seconds=replay.PRUNE_EVERY_SECONDS)
    assert replay.first_time(memory, "receipt-4", later)
    assert memory.count_documents({"_id": "ancient"}) == 0
