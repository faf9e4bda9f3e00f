"""The sync ``scheduler`` process: one loop whose tasks run on one replica at a time (leader-only):

- push what the National Public Service Portal lacks (draining: a backlog is pushed at full speed);
- compare what the portal holds with the mirrors, and push again what it lacks;
- publish how many dossiers the portal is behind on (``motcua_sync_dossiers_behind``).
"""

from __future__ import annotations

import threading

from pymongo.database import Database

from services.sync.mirrors.service import counts
from services.sync.portal.client import NationalPortal
from services.sync.portal.pusher import Pusher
from services.sync.portal.reconcile import Reconciler
from shared.observability import metrics
from shared.runtime.loops import LEASES, Lease, Loop, Task


def _behind(db: Database) -> int:
    known = counts(db)
    metrics.sync_behind(known["pending"] + known["waiting"])
    return 0


def loop(db: Database, settings) -> Loop:
    portal = NationalPortal(settings)
    pusher, reconciler = Pusher(db, settings, portal), Reconciler(db, settings, portal)
    return Loop("sync scheduler", [
        Task("push to the national portal", "push", pusher.round, settings.sync_push_interval_seconds,
             draining=True, leader_only=True),
        Task("reconcile with the national portal", "reconcile", reconciler.round,
             settings.sync_reconcile_interval_seconds, leader_only=True),
        Task("count what the portal lacks", "backlog", lambda: _behind(db), 15.0),
    ], service="sync", lease=Lease(db[LEASES], "sync-scheduler", ttl_seconds=120.0))


def run(db: Database, settings, stop: threading.Event) -> None:
    loop(db, settings).run(stop)
