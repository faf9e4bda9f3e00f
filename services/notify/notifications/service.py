"""Persisting notifications: from events (through the planner), from other systems (the API) and as resends.

Persist first, send later: a notification document exists, status ``created`` and due now, before any
attempt; the sender (``delivery/sender.py``) picks it up. Its ``_id`` is derived from an idempotency key —
``<event id>:<template>:<channel>:<recipient>`` for event messages, the caller's key otherwise — so the same
event delivered twice by Kafka, or the same API call made twice, finds the existing notification and nothing
is sent twice.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.notify.digests.service import collect
from services.notify.notifications import statuses
from services.notify.notifications.planner import About, Plan, Planned, plan
from services.notify.storage import NOTIFICATIONS
from services.notify.templates.library import IN_APP, Template, get_template
from shared.clock import utc_now
from shared.domain.errors import Conflict, NotFound, Rejected
from shared.events import Event
from shared.storage.mongo import field_of, insert_new

log = logging.getLogger(__name__)

_NAMESPACE = uuid.UUID("5b8f2f43-6a0e-4a7e-9c55-2f1d6c0f7a10")


def notification_id(idempotency_key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, idempotency_key))


def on_event(db: Database, settings, event: Event, payload: dict[str, Any]) -> int:
    """Persists every message the event calls for, and lists the alerts that go to a digest; returns how many
    messages and digest entries were new."""
    return on_events(db, settings, [(event, payload)])


def on_events(db: Database, settings, events: list[tuple[Event, dict[str, Any]]]) -> int:
    """:func:`on_event` for the events of a consumer's poll at once: one insert for all their messages (those
    persisted before are refused by their key), one read and one insert for their digest entries
    (``digests/service.py``)."""
    documents, alerts = [], []
    for event, payload in events:
        planned: Plan = plan(event, payload, settings.public_portal_url)
        for message in planned.messages:
            documents.append(document(key=message_key(event, message), about=planned.about, template=message.template,
                                      channel=message.channel, recipient=message.recipient,
                                      personalisation=message.personalisation, event=event))
        alerts += [(event.event_id, item) for item in planned.digest]
    created = _insert_new(db, documents)
    listed = collect(db, settings, alerts)
    if documents:
        log.info("%d message(s) planned for %d event(s), %d new", len(documents), len(events), created)
    if alerts:
        log.info("%d digest entr(ies) planned for %d event(s), %d new", len(alerts), len(events), listed)
    return created + listed


def message_key(event: Event, message: Planned) -> str:
    """The idempotency key of a message an event calls for (its notification's ``_id`` derives from it)."""
    return f"{event.event_id}:{message.template.id}:{message.channel}:{message.recipient}"


def _insert_new(db: Database, documents: list[dict[str, Any]]) -> int:
    """Inserts the notifications not persisted before (their ``_id`` is their key's: a redelivered event's are
    refused as duplicates); returns how many were new."""
    unique = list({doc["_id"]: doc for doc in documents}.values())
    return len(unique) - len(insert_new(db[NOTIFICATIONS], unique))


def create(db: Database, *, key: str, about: About, template: Template, channel: str, recipient: str,
           personalisation: dict[str, Any], event: Event | None = None,
           resend_of: str | None = None) -> tuple[dict[str, Any], bool]:
    """Persists the notification (status ``created``, due now) unless its key exists. Returns the
    notification and whether it is new."""
    doc = document(key=key, about=about, template=template, channel=channel, recipient=recipient,
                   personalisation=personalisation, event=event, resend_of=resend_of)
    try:
        db[NOTIFICATIONS].insert_one(doc)
        return doc, True
    except DuplicateKeyError:
        return db[NOTIFICATIONS].find_one({"idempotency_key": key}), False


def document(*, key: str, about: About, template: Template, channel: str, recipient: str,
             personalisation: dict[str, Any], event: Event | None = None,
             resend_of: str | None = None) -> dict[str, Any]:
    """A new notification (status ``created``, due now); its ``_id`` derives from its idempotency key."""
    now = utc_now()
    doc = {
        "_id": notification_id(key),
        "idempotency_key": key,
        "event_id": event.event_id if event else None,
        "event_type": event.type if event else None,
        "dossier_id": about.dossier_id,
        "dossier_code": about.dossier_code,
        "agency_codes": list(about.agency_codes),
        "owner_account_id": about.owner_account_id,
        "audience": template.audience,
        "required": template.required,
        "channel": channel,
        "recipient": recipient,
        "template_id": template.id,
        "template_version": template.version,
        "personalisation": personalisation,
        "status": statuses.CREATED,
        "attempt_count": 0,
        "attempts": [],
        "receipts": [],
        "next_attempt_at": now,
        "lease_until": None,
        "provider_reference": None,
        "resend_of": resend_of,
        "created_at": now,
        "updated_at": now,
        "completed_at": None,
    }
    if channel == IN_APP:
        doc["read_by"] = []
    return doc


def create_requested(db: Database, request: dict[str, Any], idempotency_key: str | None) -> tuple[dict[str, Any], bool]:
    """A message asked for by another system through the API; ``idempotency_key`` (the caller's, scoped to
    it) makes a retry return the first one."""
    template = _template(request["template_id"], request.get("template_version"))
    if request["channel"] not in template.channels:
        raise Rejected(f"Mẫu {template.id} không có nội dung cho kênh {request['channel']}.")
    missing = template.missing(request["personalisation"])
    if missing:
        raise Rejected("Thiếu dữ liệu cho mẫu: " + ", ".join(missing) + ".")
    about = About(request.get("dossier_id"), request.get("dossier_code"), tuple(request.get("agency_codes", ())),
                  request.get("owner_account_id"))
    return create(db, key=f"api:{idempotency_key or uuid.uuid4()}", about=about, template=template,
                  channel=request["channel"], recipient=request["recipient"],
                  personalisation=request["personalisation"])


def resend(db: Database, original_id: str, *, idempotency_key: str | None, recipient: str | None,
           requested_by: str) -> tuple[dict[str, Any], bool]:
    """A new notification with the original's template version and personalisation (to a corrected address
    if given). The original and its attempts stay as they were."""
    original = get(db, original_id)
    if original["status"] not in statuses.FINAL:
        raise Conflict("Tin nhắn này đang được gửi; chỉ gửi lại được khi đã có kết quả gửi.")
    template = get_template(original["template_id"], original["template_version"])
    about = About(original["dossier_id"], original["dossier_code"], tuple(original["agency_codes"]),
                  original["owner_account_id"])
    key = f"resend:{original_id}:{idempotency_key or uuid.uuid4()}"
    doc, new = create(db, key=key, about=about, template=template, channel=original["channel"],
                      recipient=recipient or original["recipient"], personalisation=original["personalisation"],
                      resend_of=original_id)
    if new:
        log.info("notification %s resent as %s by %s", original_id, doc["_id"], requested_by)
    return doc, new


def _template(template_id: str, version: int | None) -> Template:
    try:
        return get_template(template_id, version)
    except LookupError:
        raise NotFound(f"Không có mẫu thông báo {template_id}" + (f" phiên bản {version}." if version else ".")) \
            from None


def get(db: Database, notification_id_: str) -> dict[str, Any]:
    doc = db[NOTIFICATIONS].find_one({"_id": notification_id_})
    if doc is None:
        raise NotFound("Không tìm thấy thông báo.")
    return doc


def for_dossier(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    return list(db[NOTIFICATIONS].find({"dossier_id": dossier_id}).sort("created_at", 1))


def rendered(notification: dict[str, Any]) -> dict[str, str]:
    """The message as the recipient got it (from the pinned template version)."""
    template = get_template(notification["template_id"], notification["template_version"])
    return template.render(notification["channel"], notification["personalisation"])


def dossier_owner(db: Database, dossier_id: str) -> str | None:
    return field_of(db[NOTIFICATIONS], {"dossier_id": dossier_id}, "owner_account_id")


def dossier_agencies(db: Database, dossier_id: str) -> set[str] | None:
    codes = field_of(db[NOTIFICATIONS], {"dossier_id": dossier_id}, "agency_codes")
    return None if codes is None else set(codes)


def notification_agencies(db: Database, notification_id_: str) -> set[str] | None:
    codes = field_of(db[NOTIFICATIONS], {"_id": notification_id_}, "agency_codes")
    return None if codes is None else set(codes)
