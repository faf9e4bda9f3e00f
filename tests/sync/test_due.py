"""The pusher's work list (``mirrors.service.due``), read from the real store: the pending mirrors whose next
attempt is due: those not waiting out a failure first, in the order they were stored (no sort: the store stops
reading at the limit), then the failed ones by when they are due; the store filters, orders and limits."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.sync.mirrors.document import MIRRORS_DECLARED
from services.sync.mirrors.fields import new_mirror
from services.sync.mirrors.service import PENDING, SYNCED, due
from services.sync.storage import MIRRORS
from shared.clock import utc_now

pytestmark = pytest.mark.usefixtures("stack")


def test_due_mirrors_come_in_stored_order_then_the_failed_by_their_next_attempt(mongo_client):
    db = mongo_client[f"t{uuid.uuid4().hex[:10]}_sync"]
    now = utc_now()

    def mirror(name: str, state: str, next_at):
        m = new_mirror(name, now)
        m["sync_state"] = state
        m["portal"]["next_attempt_at"] = m["retry_at"] = next_at   # retry_at: as the aggregate derives it
        return m

    db[MIRRORS].insert_many(map(MIRRORS_DECLARED.stored, [
        mirror("retry-late", PENDING, now - timedelta(minutes=1)),
        mirror("not-yet", PENDING, now + timedelta(minutes=5)),      # waits: its next attempt is later
        mirror("new-b", PENDING, None),
        mirror("retry-early", PENDING, now - timedelta(minutes=10)),
        mirror("done", SYNCED, None),                                   # nothing to push
        mirror("new-a", PENDING, None),
    ]))
    try:
        assert [m["_id"] for m in due(db, now, 10)] == ["new-b", "new-a", "retry-early", "retry-late"]
        assert [m["_id"] for m in due(db, now, 3)] == ["new-b", "new-a", "retry-early"]
        assert [m["_id"] for m in due(db, now, 2)] == ["new-b", "new-a"]
        first = due(db, now, 1)[0]
        assert first["portal"]["created"] is False and first["log"] == []   # whole mirrors, ready to push
    finally:
        mongo_client.drop_database(db.name)


def test_a_mirror_stored_before_the_portal_block_was_packed_is_still_due(mongo_client):
    """Mirrors written by an earlier version hold ``portal`` as a plain map and no ``retry_at``: the work list
    still finds them, and they are read as the pusher expects (packed keys are packed again at their next write)."""
    db = mongo_client[f"t{uuid.uuid4().hex[:10]}_sync"]
    old = new_mirror("before-packing", utc_now())
    old["sync_state"] = PENDING
    del old["retry_at"]
    stored = MIRRORS_DECLARED.stored(old)
    stored["portal"] = old["portal"]   # as an earlier version wrote it
    db[MIRRORS].insert_one(stored)
    try:
        [found] = due(db, utc_now(), 10)
        assert found["_id"] == "before-packing" and found["portal"]["synced_steps"] == 0
    finally:
        mongo_client.drop_database(db.name)
