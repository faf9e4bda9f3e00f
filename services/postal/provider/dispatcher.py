"""The postal ``scheduler`` process: registers requested shipments with the provider, and catches up on
webhooks that never came.

Registration happens here, not in the consumer that planned the shipment: the plan is persisted first, the
provider is called after, and a provider that is down only delays registration (retried with backoff, the
shipment waiting as ``requested``). The provider keeps our shipment id unique, so a registration repeated
after a crash returns the first one. A shipment that has heard nothing for ``POSTAL_RECONCILE_AFTER_SECONDS``
is looked up, and the updates it missed are applied like webhooks (duplicates change nothing).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError
from pymongo.database import Database

from services.postal.provider.client import PostalProvider, ProviderError
from services.postal.provider.schemas import StatusUpdate
from services.postal.shipments import rules, service
from services.postal.shipments import statuses as st
from services.postal.storage import SHIPMENTS
from shared.clock import utc_now
from shared.domain.changes import APPLIED
from shared.runtime.loops import LEASES, Lease, Loop, Task

log = logging.getLogger(__name__)

MAX_REGISTRATION_BACKOFF = timedelta(minutes=30)


def register_pending(db: Database, settings, provider: PostalProvider, now: datetime) -> int:
    """Registers what waits for the provider; returns how many were registered."""
    done = 0
    for doc in db[SHIPMENTS].find({"status": st.REQUESTED, "tracking_code": None}).limit(100):
        if doc.get("register_after") and doc["register_after"] > now:
            continue
        done += _register(db, settings, provider, doc, now)
    return done


def _register(db: Database, settings, provider: PostalProvider, doc: dict[str, Any], now: datetime) -> int:
    shipment = service.with_agency_address(db, doc)
    try:
        answer = provider.create_shipment(shipment)
    except ProviderError as exc:
        tries = doc.get("registration_attempts", 0) + 1
        wait = min(timedelta(seconds=2 ** tries), MAX_REGISTRATION_BACKOFF)
        service.execute(db, settings, doc["_id"], rules.registration_failed, error=str(exc), retry_after=now + wait)
        log.warning("shipment %s not registered (try %d, next in %s): %s", doc["_id"], tries, wait, exc)
        return 0
    service.execute(db, settings, doc["_id"], rules.registered, answer=answer, sender=shipment["sender"],
                    recipient=shipment["recipient"])
    log.info("shipment %s registered: %s", doc["_id"], answer.get("tracking_code"))
    return 1


def reconcile(db: Database, settings, provider: PostalProvider, now: datetime) -> int:
    """Looks up shipments that have been silent too long; returns how many updates were applied."""
    horizon = now - timedelta(seconds=settings.postal_reconcile_after_seconds)
    applied = 0
    for status in sorted(st.OPEN):
        for doc in db[SHIPMENTS].find({"status": status, "tracking_code": {"$ne": None}},
                                      {"tracking_code": 1, "last_provider_update_at": 1, "updated_at": 1}):
            if (doc.get("last_provider_update_at") or doc["updated_at"]) > horizon:
                continue
            try:
                known = provider.get_status(doc["tracking_code"])
            except ProviderError as exc:
                log.warning("cannot look up %s: %s", doc["tracking_code"], exc)
                continue
            for raw in known.get("events", []):
                try:
                    update = StatusUpdate().load(raw)
                except ValidationError as exc:
                    log.warning("provider update %s for %s is malformed: %s", raw.get("event_id"),
                                doc["tracking_code"], exc.messages)
                    continue
                _, change = service.apply_provider_update(db, settings, doc["tracking_code"], update)
                applied += change.outcome == APPLIED
            service.execute(db, settings, doc["_id"], rules.looked_up)
    return applied


def loop(db: Database, settings) -> Loop:
    provider = PostalProvider(settings)
    reconcile_every = min(60.0, settings.postal_reconcile_after_seconds / 2)
    return Loop("postal scheduler", [
        Task("register shipments with the provider", "dispatch",
             lambda: register_pending(db, settings, provider, utc_now()), settings.postal_dispatch_interval_seconds,
             draining=True),
        Task("reconcile silent shipments", "reconcile", lambda: reconcile(db, settings, provider, utc_now()),
             reconcile_every, leader_only=True),
    ], service="postal", lease=Lease(db[LEASES], "postal-reconcile", ttl_seconds=max(30.0, 3 * reconcile_every)))


def run(db: Database, settings, stop: threading.Event) -> None:
    loop(db, settings).run(stop)
