"""The digest document: one recipient's alerts of one period on one channel, gathered until the period ends and
then sent as one notification."""

from __future__ import annotations

from services.notify.storage import DIGESTS
from shared.storage import documents as d
from shared.storage.documents import Declared, optional


class Entry(d.Shape):
    event_id = d.Text(allow_none=False)   # an event is listed once, however often it is delivered
    kind = d.Text(allow_none=False)       # due-soon, overdue or assigned
    dossier_id = d.Text()
    code = d.Text()
    procedure_name = d.Text()
    step_name = d.Text()
    due_at = d.Moment()
    at = d.Moment()


class Digest(d.Document):
    recipient = d.Text(allow_none=False)
    channel = d.Text(allow_none=False)
    period_start = d.Moment(allow_none=False)
    period_end = d.Moment(allow_none=False)
    status = d.Text(allow_none=False)     # collecting -> closed -> sent
    entries = d.List(d.Nested(Entry))
    created_at = d.Moment()
    closed_at = optional(d.Moment())              # set when closed (nothing is added after)
    notification_id = optional(d.Text())          # set when sent: the message it was sent as
    sent_at = optional(d.Moment())


DIGESTS_DECLARED = Declared(DIGESTS, Digest, "officers' alerts gathered per recipient, channel and period")
