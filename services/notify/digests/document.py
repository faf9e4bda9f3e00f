"""The digest documents: one recipient's period on one channel (collecting until it ends, then sent as one
notification), and each alert listed in it, a document of its own (``service.py`` says why)."""

from __future__ import annotations

from services.notify.storage import DIGEST_ENTRIES, DIGESTS
from shared.storage import documents as d
from shared.storage.documents import Declared, optional


class Entry(d.Document):
    # _id: recipient|channel|event id — an event is listed once per recipient, however often it is delivered
    recipient = d.Text(allow_none=False)
    channel = d.Text(allow_none=False)
    period_start = d.Moment(allow_none=False)  # the period of the digest it is in
    digest_id = d.Text(allow_none=False)
    taken = d.Bool(allow_none=False)   # by the sender, into its (closed) digest: never moved after
    event_id = d.Text(allow_none=False)
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
    created_at = d.Moment()
    closed_at = optional(d.Moment())              # set when closed (its entries are taken after)
    notification_id = optional(d.Text())          # set when sent: the message it went as (none: no entry left)
    sent_at = optional(d.Moment())


DIGESTS_DECLARED = Declared(DIGESTS, Digest, "officers' alerts gathered per recipient, channel and period")
DIGEST_ENTRIES_DECLARED = Declared(DIGEST_ENTRIES, Entry, "each alert listed in an officer's digest")
