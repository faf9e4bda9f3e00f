"""A petition (phản ánh, kiến nghị): what it is about and whom, who sent it and how to reach them, its deadlines,
its handling (taking up or refusing, asking for more, the answer, publication), the sender's rating of the answer
and an append-only history."""

from __future__ import annotations

from services.feedback.storage import DAILY_SEQUENCES, PETITIONS
from shared.storage import documents as d
from shared.storage.documents import Declared


class Sender(d.Shape):
    name = d.Text(allow_none=False)
    email = d.Text()
    phone = d.Text()
    account_id = d.Text()


class InfoRequest(d.Shape):
    at = d.Moment()
    by = d.Text()
    by_name = d.Text()
    request = d.Text()
    supplied_at = d.Moment()
    note = d.Text()


class ClockStop(d.Shape):
    start = d.Moment()
    end = d.Moment()
    reason = d.Text()


class Step(d.Shape):
    """A line of the history: who did what, when, and the status after it."""

    at = d.Moment()
    by = d.Text()
    by_name = d.Text()
    action = d.Text()
    status = d.Text()


class Petition(d.Aggregate):
    code = d.Text(allow_none=False)
    status = d.Text(allow_none=False)
    subject = d.Text(allow_none=False)
    category = d.Text(allow_none=False)
    agency_code = d.Text(allow_none=False)
    agency_name = d.Text()
    procedure_code = d.Text()
    dossier_id = d.Text()
    dossier_code = d.Text()
    officer_name = d.Text()
    title = d.Text(allow_none=False)
    content = d.Text(allow_none=False)
    sender = d.Nested(Sender, allow_none=False)
    access_key_sha256 = d.Text(allow_none=False)
    attachments = d.List(d.Map())
    follows_up = d.Text()
    received_at = d.Moment(allow_none=False)
    decide_due = d.Moment(allow_none=False)
    info_due = d.Moment(allow_none=False)
    answer_due = d.Moment()
    publish_due = d.Moment()
    clock_stops = d.List(d.Nested(ClockStop))
    info_requests = d.List(d.Nested(InfoRequest))
    accepted = d.Map()
    refusal = d.Map()
    answer = d.Map()
    published = d.Map()
    rating = d.Map()
    handled_at = d.Moment()
    alerts = d.Map()
    history = d.List(d.Nested(Step))
    idempotency_key = d.Text(allow_none=False)
    # derived at every write (aggregate.Petitions.derive): open or closed, and when what it waits for is due
    state = d.Text(allow_none=False)
    queue_due = d.Moment()


class DailySequence(d.Document):
    value = d.Int()
    date = d.Text()
    created_at = d.Moment()


PETITIONS_DECLARED = Declared(PETITIONS, Petition, "petitions (phản ánh, kiến nghị) and their handling")
SEQUENCES_DECLARED = Declared(DAILY_SEQUENCES, DailySequence, "petition codes: one counter per day")
