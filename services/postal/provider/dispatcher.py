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
from pymongo.errors import PyMongoError

from services.postal.calendar.service import current_calendar
from services.postal.provider.client import PostalProvider, ProviderError
from services.postal.provider.schemas import StatusUpdate
from services.postal.shipments import rules, service
from services.postal.shipments import statuses as st
from services.postal.storage import SHIPMENTS
from shared.clock import utc_now
from shared.observability import metrics

log = logging.getLogger(__name__)

MAX_REGISTRATION_BACKOFF = timedelta(minutes=30)


def register_pending(db: Database, provider: PostalProvider, now: datetime) -> int:
    """Registers what waits for the provider; returns how many were registered."""
    done = 0
    for doc in db[SHIPMENTS].find({"status": st.REQUESTED, "tracking_code": None}).limit(100):
        if doc.get("register_after") and doc["register_after"] > now:
            continue
        done += _register(db, provider, doc, now)
    return done


def _register(db: Database, provider: PostalProvider, doc: dict[str, Any], now: datetime) -> int:
    shipment = service.with_agency_address(db, doc)
    try:
        answer = provider.create_shipment(shipment)
    except ProviderError as exc:
        tries = doc.get("registration_attempts", 0) + 1
        wait = min(timedelta(seconds=2 ** tries), MAX_REGISTRATION_BACKOFF)
        db[SHIPMENTS].update_one({"_id": doc["_id"], "tracking_code": None}, {
            "$set": {"registration_attempts": tries, "register_after": now + wait,
                     "registration_error": str(exc)}})
        log.warning("shipment %s not registered (try %d, next in %s): %s", doc["_id"], tries, wait, exc)
        return 0

    def rule(s: dict[str, Any]) -> rules.Change:
        if s.get("tracking_code"):
            return rules.Change(outcome="duplicate")
        s["sender"], s["recipient"] = shipment["sender"], shipment["recipient"]
        return rules.registered(s, answer, now)

    service.execute(db, doc["_id"], rule)
    log.info("shipment %s registered: %s", doc["_id"], answer.get("tracking_code"))
    return 1


def reconcile(db: Database, settings, provider: PostalProvider, now: datetime) -> int:
    """Looks up shipments that have been silent too long; returns how many updates were applied."""
    horizon = now - timedelta(seconds=settings.postal_reconcile_after_seconds)
    calendar = current_calendar(db, settings)
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
                _, change = service.apply_provider_update(db, calendar, doc["tracking_code"], update, now)
                applied += change.outcome == "applied"
            db[SHIPMENTS].update_one({"_id": doc["_id"]}, {"$set": {"last_provider_update_at": now}})
    return applied


def run(db: Database, settings, stop: threading.Event) -> None:
    provider = PostalProvider(settings)
    last_reconcile = None
    reconcile_every = timedelta(seconds=min(60.0, settings.postal_reconcile_after_seconds / 2))
    log.info("postal scheduler started (every %.1fs)", settings.postal_dispatch_interval_seconds)
    while not stop.is_set():
        now = utc_now()
        try:
            with metrics.loop_round("postal", "dispatch"):
                register_pending(db, provider, now)
            if last_reconcile is None or now - last_reconcile >= reconcile_every:
                with metrics.loop_round("postal", "reconcile"):
                    reconcile(db, settings, provider, now)
                last_reconcile = now
        except PyMongoError:
            log.exception("database unavailable; trying again shortly")
        stop.wait(settings.postal_dispatch_interval_seconds)
    log.info("postal scheduler stopped")
