"""Deciding what to send for an event, persisting it, and delivering it.

Persist first, then send: a notification document exists (status ``created``) before any attempt, keyed by
an idempotency key derived from the event id, the channel and the recipient — the same event delivered twice
by Kafka finds the existing notification and sends nothing twice. Each attempt is appended to the
notification's ``attempts`` log, and every status change is a compare-and-set, so a final status is never
overwritten.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.notify.notifications import statuses
from services.notify.notifications.email import PermanentDeliveryError, SmtpSender, TemporaryDeliveryError
from services.notify.notifications.templates import DOSSIER_SUBMITTED_EMAIL, Template, get_template
from services.notify.storage import NOTIFICATIONS
from shared.clock import utc_now, vn_datetime
from shared.domain.channels import ResultReturnMethod
from shared.domain.statuses import DossierStatus
from shared.events import Event
from shared.storage.mongo import field_of

log = logging.getLogger(__name__)

_NAMESPACE = uuid.UUID("5b8f2f43-6a0e-4a7e-9c55-2f1d6c0f7a10")


def notification_id(idempotency_key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, idempotency_key))


def on_dossier_submitted(db: Database, sender: SmtpSender, settings, event: Event, payload: dict[str, Any]) -> None:
    """The automatic acknowledgement of an online filing, with the official time of receipt
    (Decree 45/2020 Art. 11): to the applicant's e-mail when one was given."""
    email = payload["contact"].get("email")
    if not email:
        log.info("no e-mail contact; acknowledgement not sent by e-mail")
        return
    submitted = vn_datetime(payload["submitted_at"])
    personalisation = {
        "applicant_name": payload["applicant"]["full_name"],
        "code": payload["code"],
        "procedure_code": payload["procedure_code"],
        "agency_code": payload["receiving_agency_code"],
        "status_name": DossierStatus(payload["status"]).vietnamese,
        "result_return": ResultReturnMethod(payload["result_return"]["method"]).vietnamese,
        "submitted_time": f"{submitted:%H:%M}",
        "submitted_date": f"{submitted:%d/%m/%Y}",
        "lookup_url": f"{settings.public_portal_url.rstrip('/')}/lookup/{payload['code']}",
    }
    notification = create(db, event=event, template=DOSSIER_SUBMITTED_EMAIL, recipient=email,
                          personalisation=personalisation, dossier_code=payload["code"],
                          agency_code=payload["receiving_agency_code"], owner_account_id=payload["owner_account_id"])
    deliver(db, sender, notification["_id"])


def create(db: Database, *, event: Event, template: Template, recipient: str, personalisation: dict[str, Any],
           dossier_code: str, agency_code: str, owner_account_id: str | None) -> dict[str, Any]:
    """Persists the notification (status ``created``), or returns the one this event already made."""
    key = f"{event.event_id}:{template.channel}:{recipient}"
    now = utc_now()
    doc = {
        "_id": notification_id(key),
        "idempotency_key": key,
        "event_id": event.event_id,
        "dossier_id": event.dossier_id,
        "dossier_code": dossier_code,
        "agency_code": agency_code,
        "owner_account_id": owner_account_id,
        "channel": template.channel,
        "recipient": recipient,
        "template_id": template.id,
        "template_version": template.version,
        "personalisation": personalisation,
        "status": statuses.CREATED,
        "attempts": [],
        "created_at": now,
        "updated_at": now,
    }
    try:
        db[NOTIFICATIONS].insert_one(doc)
        return doc
    except DuplicateKeyError:
        return db[NOTIFICATIONS].find_one({"_id": doc["_id"]})


def deliver(db: Database, sender: SmtpSender, notification_id_: str) -> str:
    """One delivery attempt if the notification may be sent now; returns its status afterwards.
    A temporary failure is recorded and re-raised, so the caller (the consumer) retries later."""
    collection = db[NOTIFICATIONS]
    started = utc_now()
    claimed = collection.find_one_and_update(
        {"_id": notification_id_, "status": {"$in": sorted(statuses.SENDABLE)}},
        {"$set": {"status": statuses.SENDING, "updated_at": started}},
        return_document=ReturnDocument.AFTER,
    )
    if claimed is None:
        current = collection.find_one({"_id": notification_id_}, {"status": 1})
        return current["status"] if current else "missing"

    subject, text, html = get_template(claimed["template_id"], claimed["template_version"]).render(
        claimed["personalisation"])
    attempt: dict[str, Any] = {"number": len(claimed["attempts"]) + 1, "started_at": started}
    try:
        reference = sender.send(message_id=notification_id_, to=claimed["recipient"], subject=subject, text=text,
                                html=html, headers={"X-Motcua-Dossier-Code": claimed["dossier_code"],
                                                    "X-Motcua-Notification-Id": notification_id_})
    except TemporaryDeliveryError as exc:
        _finish(collection, notification_id_, statuses.TEMPORARY_FAILURE, attempt, error=str(exc))
        raise
    except PermanentDeliveryError as exc:
        _finish(collection, notification_id_, statuses.PERMANENT_FAILURE, attempt, error=str(exc))
        return statuses.PERMANENT_FAILURE
    _finish(collection, notification_id_, statuses.DELIVERED, attempt, reference=reference)
    return statuses.DELIVERED


def _finish(collection, notification_id_: str, status: str, attempt: dict[str, Any], *,
            reference: str | None = None, error: str | None = None) -> None:
    now = utc_now()
    attempt.update({"finished_at": now, "outcome": status, "provider_reference": reference, "error": error})
    collection.update_one(
        {"_id": notification_id_, "status": statuses.SENDING},
        {"$set": {"status": status, "updated_at": now}, "$push": {"attempts": attempt}},
    )


def for_dossier(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    return list(db[NOTIFICATIONS].find({"dossier_id": dossier_id}).sort("created_at", 1))


def dossier_owner(db: Database, dossier_id: str) -> str | None:
    return field_of(db[NOTIFICATIONS], {"dossier_id": dossier_id}, "owner_account_id")


def dossier_agency(db: Database, dossier_id: str) -> str | None:
    return field_of(db[NOTIFICATIONS], {"dossier_id": dossier_id}, "agency_code")
