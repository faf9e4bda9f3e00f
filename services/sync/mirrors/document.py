"""The mirror document: per dossier, what the National Public Service Portal must hold — the fields of the
observed national field list (domain.md §5.3), kept in motcua's words and turned into the portal's when pushed
(``fields.py``) — its content revision (PhienBan), the process log numbered as pushed, and what the portal
acknowledged (``portal``: created, the revision and the number of steps it holds, the last error)."""

from __future__ import annotations

from services.sync.storage import MIRRORS
from shared.storage import documents as d
from shared.storage.documents import Declared


class LogLine(d.Shape):
    """A process-log line as the portal gets it: handler, time, unit, action, status, step start and legal end
    (domain.md §3.4)."""

    stt = d.Int()
    key = d.Text()          # the event it came from: applied once
    at = d.Moment()
    action = d.Text()
    status = d.Int()
    handler = d.Text()
    unit = d.Text()
    step_start = d.Moment()
    step_due = d.Moment()


class Fee(d.Shape):
    charge_id = d.Text()
    version = d.Int()
    lines = d.List(d.Map())
    amount = d.Int()
    status = d.Text()
    online = d.Bool()
    receipt_number = d.Text()


class Portal(d.Shape):
    created = d.Bool()
    synced_revision = d.Int()
    synced_steps = d.Int()
    status = d.Int()
    received_at = d.Moment()        # NgayTiepNhan as acknowledged
    first_synced_at = d.Moment()
    last_attempt_at = d.Moment()
    last_success_at = d.Moment()
    last_error = d.Text()
    failures = d.Int()              # failed pushes in a row
    next_attempt_at = d.Moment()
    failing_reported = d.Bool()
    permanent = d.Bool()            # refused for a reason retrying cannot fix (until the content changes)


class Mirror(d.Aggregate):
    code = d.Text()
    filed = d.Bool()                # dossier.submitted applied: the mirror can be pushed
    procedure_code = d.Text()
    procedure_version = d.Int()
    receiving_agency_code = d.Text()
    competent_agency_code = d.Text()
    channel = d.Text()
    submitted_at = d.Moment()
    received_at = d.Moment()
    appointment_due = d.Moment()
    ended_at = d.Moment()
    status = d.Int()
    status_version = d.Int()        # the newest workflow dossier_version applied to the fields above
    # packed (shared/storage/packing.py): nothing queries inside them, and on FerretDB they were most of what every
    # mirror write encoded and parsed again (the process log changes with almost every event; FerretDB writes a
    # nested map as its values plus a schema of their types, and SQLite parses the whole text for each of the
    # collection's five indexes, old and new, at every update)
    components = d.Packed(d.List(d.Map()))
    applicant = d.Packed(d.Map())   # only the fields the national list asks for (no name)
    submitter = d.Packed(d.Map())
    fees = d.Packed(d.List(d.Nested(Fee)))
    result = d.Packed(d.Map())
    log = d.Packed(d.List(d.Nested(LogLine)))
    revision = d.Int(allow_none=False)
    portal = d.Packed(d.Nested(Portal))     # written by the pusher after every push
    sync_state = d.Text(allow_none=False)   # waiting (not filed yet), pending, synced, failing
    # portal.next_attempt_at, derived at every write: the pusher's work list asks for it. A mirror stored before it
    # existed lacks it until its next write; the list's "retry_at: None" matches it (pushed at once, not after backoff)
    retry_at = d.optional(d.Moment())
    created_at = d.Moment()


MIRRORS_DECLARED = Declared(MIRRORS, Mirror, "each dossier as the National Public Service Portal must hold it")
