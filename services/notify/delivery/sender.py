"""The sender: the notify service's ``scheduler`` process, which delivers what the consumer persisted.

Each round, per channel, it takes the notifications that are due (``created``, or ``temporary-failure``
whose next attempt has come), as many as the channel's rate limit allows this second, claims each with a
compare-and-set (status and attempt count, so two senders never both send one) and a lease, and makes one
attempt. A round's claims go in bulk writes (one command per ``BULK`` messages, not one each): a bulk says how
many it matched, not which, so each claim also stamps the round's token (``claim``), and the messages won are
read back by ``_id`` and kept where the token is the round's.

- e-mail: handed to the SMTP relay → ``delivered`` (SMTP gives no later receipt);
- SMS: accepted by the gateway → stays ``sending`` with the gateway's message id until the delivery
  receipt comes (``delivery/receipts.py``);
- in-app: written to the recipient's inbox → ``delivered``.

Every attempt is logged in the notification's ``attempts``: entry *n* is written by the claim itself
(outcome ``started``) and completed in place with the outcome, the provider's reference or the error, so an
attempt a crash interrupted still shows. A refusal or an outage is settled by ``delivery/retries.py``. A
final status is never overwritten: every status write is a compare-and-set on the status the sender
claimed.

The sweeper, on the same loop, re-drives what a crash left behind: a ``sending`` notification whose lease
ran out without an outcome. For SMS it first asks the gateway whether that attempt reached it (the
reference is unique there), so a crash between the gateway's answer and our write never sends a second SMS.
An e-mail interrupted in that window may go out twice; both copies carry the same ``Message-ID``. It also
chases SMS whose receipt is overdue, and prunes the rate counters and the replay memory. A third task turns the
officers' digests whose period ended into messages (``digests/sending.py``); the send task delivers them.
"""

from __future__ import annotations

import itertools
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

from services.notify.delivery import receipts
from services.notify.delivery.attempts import ACCEPTED, attempt_fields, attempt_reference, started_entry
from services.notify.delivery.email import SmtpSender
from services.notify.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError
from services.notify.delivery.limits import RateLimiter, in_quiet_hours, parse_quiet_hours
from services.notify.delivery.retries import after_failure
from services.notify.delivery.sms import SmsGateway
from services.notify.digests.sending import send_ended
from services.notify.notifications import statuses
from services.notify.notifications.service import rendered
from services.notify.storage import NOTIFICATIONS
from services.notify.templates.library import CHANNELS, EMAIL, SMS
from shared.clock import utc_now
from shared.failpoints import failpoint
from shared.logging import log_context
from shared.observability import metrics
from shared.runtime.loops import Loop, Task
from shared.storage.outbox import BULK

log = logging.getLogger(__name__)

INBOX = "inbox"  # provider reference of an in-app message
READS = 500  # ids to a read back of the claims: a round claims a few batches at most
DIGEST_ROUND_SECONDS = 5.0  # how often the sender looks for digests whose period ended (a digest waits this at most)


class Sender:
    def __init__(self, db: Database, settings, *, email: SmtpSender | None = None, sms: SmsGateway | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.collection = db[NOTIFICATIONS]
        self.settings = settings
        self.email = email or SmtpSender(settings)
        self.sms = sms or SmsGateway(settings)
        self.clock = clock
        self.limiter = RateLimiter(db, {EMAIL: settings.notify_rate_email_per_second,
                                        SMS: settings.notify_rate_sms_per_second})
        self.quiet = parse_quiet_hours(settings.sms_quiet_hours)
        self.batch = max(4 * settings.notify_send_concurrency, 16)
        self.sender_id = f"sender-{uuid.uuid4().hex[:12]}"
        self.rounds = itertools.count(1)
        self.pool = ThreadPoolExecutor(settings.notify_send_concurrency, thread_name_prefix="notify-send")

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    # -- one round ------------------------------------------------------------------------------------------

    def run_round(self) -> int:
        """Claims and attempts what is due now; returns how many attempts were made."""
        now = self.clock()
        wanted: list[dict[str, Any]] = []
        for channel in CHANNELS:
            if channel == SMS and in_quiet_hours(self.quiet, now):
                continue  # held, not dropped: due again when the quiet hours end
            due = self._due(channel, now)
            wanted += due[:self.limiter.take(channel, len(due), now)]
        claimed = self._claim_all(wanted, now)
        for future in [self.pool.submit(self.attempt, doc) for doc in claimed]:
            future.result()
        return len(claimed)

    def _due(self, channel: str, now: datetime) -> list[dict[str, Any]]:
        """The messages of the channel due now, oldest first, at most a batch. New messages are taken in the
        order they were stored (each is due from its creation) with no sort: the store stops reading at the
        batch — a sort would make FerretDB decode every waiting message at every round, so a burst of thousands
        cost thousands of decodes per round. Retries are sorted by when they are due (few at a time)."""
        fields = {"status": 1, "attempt_count": 1, "next_attempt_at": 1}
        due = list(self.collection.find({"status": statuses.CREATED, "channel": channel,
                                         "next_attempt_at": {"$lte": now}}, fields).limit(self.batch))
        retries = self.collection.find({"status": statuses.TEMPORARY_FAILURE, "channel": channel,
                                        "next_attempt_at": {"$lte": now}}, fields)
        due += retries.sort("next_attempt_at", 1).limit(self.batch)
        return sorted(due, key=lambda d: d["next_attempt_at"])[: self.batch]

    def _claim_all(self, docs: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        """Claims the messages (as read by :meth:`_due`) that are still as read: one compare-and-set each on status
        and attempt count, ``BULK`` to a bulk write, stamped with this round's token. Returns the messages won,
        as they are now, in the order given."""
        if not docs:
            return []
        token = f"{self.sender_id}:{next(self.rounds)}"
        lease = now + timedelta(seconds=self.settings.notify_lease_seconds)
        for start in range(0, len(docs), BULK):
            self.collection.bulk_write([UpdateOne(
                {"_id": doc["_id"], "status": doc["status"], "attempt_count": doc["attempt_count"]},
                {"$set": {"status": statuses.SENDING, "updated_at": now, "next_attempt_at": None,
                          "lease_until": lease, "claim": token},
                 "$inc": {"attempt_count": 1}, "$push": {"attempts": started_entry(doc["attempt_count"] + 1, now)}},
            ) for doc in docs[start:start + BULK]], ordered=False)
        won = {doc["_id"]: doc for start in range(0, len(docs), READS)
               for doc in self.collection.find({"_id": {"$in": [d["_id"] for d in docs[start:start + READS]]}})
               if doc.get("claim") == token}
        return [won[doc["_id"]] for doc in docs if doc["_id"] in won]

    # -- one attempt ----------------------------------------------------------------------------------------

    def attempt(self, doc: dict[str, Any]) -> str:
        """One attempt at a claimed notification; returns its status afterwards."""
        with log_context(dossier_id=doc.get("dossier_id"), event_id=doc.get("event_id")):
            return self._attempt(doc)

    def _attempt(self, doc: dict[str, Any]) -> str:
        number = doc["attempt_count"]
        try:
            message = rendered(doc)
        except (KeyError, IndexError, ValueError) as exc:  # a template and its personalisation disagree
            log.exception("notification %s cannot be rendered", doc["_id"])
            return self._failed(doc, f"cannot render: {exc!r}", permanent=True)
        try:
            if doc["channel"] == EMAIL:
                reference = self.email.send(
                    message_id=doc["_id"], to=doc["recipient"], subject=message["subject"], text=message["text"],
                    html=message["html"], headers={"X-Motcua-Dossier-Code": doc.get("dossier_code") or "",
                                                   "X-Motcua-Notification-Id": doc["_id"]})
                failpoint(f"notify.after_send.{doc['channel']}")
                return self._finish(doc, statuses.DELIVERED, reference)
            if doc["channel"] == SMS:
                accepted = self.sms.send(reference=attempt_reference(doc["_id"], number), to=doc["recipient"],
                                         text=message["text"])
                failpoint(f"notify.after_send.{doc['channel']}")
                return self._accepted(doc, accepted.message_id, accepted.body.segments)
            failpoint(f"notify.after_send.{doc['channel']}")
            return self._finish(doc, statuses.DELIVERED, INBOX)
        except TemporaryDeliveryError as exc:
            return self._failed(doc, str(exc), permanent=False)
        except PermanentDeliveryError as exc:
            return self._failed(doc, str(exc), permanent=True)

    def _claimed_by_me(self, doc: dict[str, Any]) -> dict[str, Any]:
        return {"_id": doc["_id"], "status": statuses.SENDING, "attempt_count": doc["attempt_count"]}

    def _write(self, doc: dict[str, Any], change: dict[str, Any], *, now: datetime | None = None,
               **attempt: Any) -> str:
        now = now or self.clock()
        logged = attempt_fields(doc["attempt_count"], finished_at=now, **attempt)
        result = self.collection.update_one(
            self._claimed_by_me(doc), {"$set": {**change, **logged, "lease_until": None, "updated_at": now}})
        if not result.modified_count:
            # A receipt (or the sweeper, after a very slow attempt) settled it first; complete the log, and the
            # message's reference if the receipt did not bring it.
            self.collection.update_one({"_id": doc["_id"]}, {"$set": logged})
            if change.get("provider_reference"):
                self.collection.update_one(
                    {"_id": doc["_id"], "attempt_count": doc["attempt_count"], "provider_reference": None},
                    {"$set": {"provider_reference": change["provider_reference"]}})
            return self.collection.find_one({"_id": doc["_id"]}, {"status": 1})["status"]
        metrics.notification_settled(doc["channel"], change["status"])
        return change["status"]

    def _finish(self, doc, status: str, reference: str) -> str:
        return self._write(doc, {"status": status, "provider_reference": reference, "completed_at": self.clock()},
                           outcome=status, provider_reference=reference)

    def _accepted(self, doc, message_id: str, segments: int) -> str:
        due = self.clock() + timedelta(seconds=self.settings.sms_receipt_timeout_seconds)
        return self._write(doc, {"status": statuses.SENDING, "provider_reference": message_id,
                                 "segments": segments, "receipt_due_at": due},
                           outcome=ACCEPTED, provider_reference=message_id, segments=segments)

    def _failed(self, doc, error: str, *, permanent: bool) -> str:
        # One moment for the attempt's end and the next attempt's schedule: the wait is counted from the end.
        now = self.clock()
        change = after_failure(attempt_number=doc["attempt_count"], permanent=permanent, settings=self.settings,
                               now=now)
        log.warning("notification %s attempt %d failed (%s): %s", doc["_id"], doc["attempt_count"],
                    change["status"], error)
        return self._write(doc, change, now=now, outcome=change["status"], error=error)

    # -- the sweeper ----------------------------------------------------------------------------------------

    def sweep(self) -> int:
        """Re-drives interrupted attempts and chases overdue receipts; returns how many it touched."""
        now = self.clock()
        touched = 0
        for doc in self.collection.find({"status": statuses.SENDING, "lease_until": {"$lt": now}}):
            touched += self._recover(doc, now)
        for doc in self.collection.find({"status": statuses.SENDING, "lease_until": None,
                                         "receipt_due_at": {"$lt": now}}):
            touched += self._chase_receipt(doc, now)
        self.limiter.prune(now)
        return touched

    def _recover(self, doc: dict[str, Any], now: datetime) -> int:
        number = doc["attempt_count"]
        still_mine = {**self._claimed_by_me(doc), "lease_until": doc["lease_until"]}
        if doc["channel"] == SMS:
            try:
                known = self.sms.lookup(attempt_reference(doc["_id"], number))
            except TemporaryDeliveryError as exc:
                log.warning("cannot ask the SMS gateway about %s yet: %s", doc["_id"], exc)
                return 0
            if known is not None:
                due = now + timedelta(seconds=self.settings.sms_receipt_timeout_seconds)
                logged = attempt_fields(number, finished_at=now, outcome=ACCEPTED, provider_reference=known["id"],
                                        error="recovered: the gateway had accepted it before the sender stopped")
                result = self.collection.update_one(still_mine, {"$set": {
                    **logged, "lease_until": None, "provider_reference": known["id"], "receipt_due_at": due,
                    "updated_at": now}})
                return result.modified_count
        change = after_failure(attempt_number=number, permanent=False, settings=self.settings, now=now,
                               immediately=True)
        logged = attempt_fields(number, finished_at=now, outcome=change["status"],
                                error="interrupted: the sender stopped during the attempt")
        result = self.collection.update_one(still_mine,
                                            {"$set": {**change, **logged, "lease_until": None, "updated_at": now}})
        if result.modified_count:
            log.warning("notification %s: attempt %d was interrupted; %s", doc["_id"], number, change["status"])
            metrics.notification_settled(doc["channel"], change["status"])
        return result.modified_count

    def _chase_receipt(self, doc: dict[str, Any], now: datetime) -> int:
        number = doc["attempt_count"]
        try:
            known = self.sms.lookup(attempt_reference(doc["_id"], number))
        except TemporaryDeliveryError:
            return 0
        status = (known or {}).get("status")
        entry = {"receipt_id": f"lookup:{doc['_id']}:{number}", "attempt": number, "status": status or "missing",
                 "error_code": (known or {}).get("error_code"), "at": now, "received_at": now}
        if status in (receipts.RECEIPT_DELIVERED, receipts.RECEIPT_FAILED):
            outcome = receipts.settle(self.db, self.settings, doc["_id"], number,
                                      delivered=status == receipts.RECEIPT_DELIVERED,
                                      permanent=bool((known or {}).get("permanent")), entry=entry, now=now)
            return int(outcome == receipts.APPLIED)
        # No receipt and the gateway cannot say: give up on this message rather than leave it pending forever.
        result = self.collection.update_one(
            {**self._claimed_by_me(doc), "lease_until": None},
            {"$set": {"status": statuses.TECHNICAL_FAILURE, "completed_at": now, "receipt_due_at": None,
                      "updated_at": now}, "$push": {"receipts": entry}})
        if result.modified_count:
            metrics.notification_settled(doc["channel"], statuses.TECHNICAL_FAILURE)
        return result.modified_count


def loop(db: Database, settings) -> Loop:
    """The sender's loop: send rounds while there is work (a short wait when there is none), a sweep now and
    then. Every replica sends (claims are compare-and-set); sweeps are idempotent too."""
    sender = Sender(db, settings)
    return Loop("notify sender", [
        Task("sweep interrupted attempts and overdue receipts", "sweep", sender.sweep,
             settings.notify_sweep_interval_seconds),
        # Closing a digest is a compare-and-set and its message has its own key: safe on every replica.
        Task("send the officers' digests whose period ended", "digests", lambda: send_ended(db, settings),
             DIGEST_ROUND_SECONDS, draining=True),
        Task("send what is due", "send", sender.run_round, settings.notify_poll_interval_seconds, draining=True),
    ], service="notify", on_stop=sender.close)


def run(db: Database, settings, stop: threading.Event) -> None:
    loop(db, settings).run(stop)
