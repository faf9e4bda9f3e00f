"""The notification document: one message to one recipient on one channel, persisted before any attempt, with
the template version it was rendered with, every attempt, every delivery receipt and its final status. In-app
messages are the inbox (``read_by``)."""

from __future__ import annotations

from services.notify.storage import NOTIFICATIONS, RATE_WINDOWS
from shared.storage import documents as d
from shared.storage.documents import Declared, optional


class Attempt(d.Shape):
    number = d.Int()
    started_at = d.Moment()
    finished_at = d.Moment()
    outcome = d.Text()
    provider_reference = d.Text()
    error = d.Text()
    segments = optional(d.Int())


class Receipt(d.Shape):
    receipt_id = d.Text()
    attempt = d.Int()
    status = d.Text()
    error_code = d.Text()
    at = d.Moment()
    received_at = d.Moment()


class Notification(d.Document):
    idempotency_key = d.Text(allow_none=False)
    event_id = d.Text()
    event_type = d.Text()
    dossier_id = d.Text()
    dossier_code = d.Text()
    agency_codes = d.List(d.Text())
    owner_account_id = d.Text()
    audience = d.Text()
    required = d.Bool()
    channel = d.Text(allow_none=False)
    recipient = d.Text(allow_none=False)
    template_id = d.Text()
    template_version = d.Int()
    personalisation = d.Map()
    status = d.Text(allow_none=False)
    attempt_count = d.Int(allow_none=False)
    attempts = d.List(d.Nested(Attempt))
    receipts = d.List(d.Nested(Receipt))
    next_attempt_at = d.Moment()
    lease_until = d.Moment()
    claim = optional(d.Text())                     # the sender's round that claimed the last attempt
    provider_reference = d.Text()
    resend_of = d.Text()
    created_at = d.Moment()
    updated_at = d.Moment()
    completed_at = d.Moment()
    read_by = optional(d.List(d.Text()))           # in-app messages only
    segments = optional(d.Int())                   # SMS: parts the gateway billed
    receipt_due_at = optional(d.Moment())          # SMS: when a missing receipt is chased


class RateWindow(d.Document):
    taken = d.Int()
    at = d.Moment()


NOTIFICATIONS_DECLARED = Declared(NOTIFICATIONS, Notification, "every message, its attempts, receipts and status")
RATE_WINDOWS_DECLARED = Declared(RATE_WINDOWS, RateWindow, "messages handed to a provider per channel and second")
