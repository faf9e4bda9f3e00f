"""Filing by post (Decision 45/2016/QĐ-TTg Art. 5-7).

The applicant asks for a pickup; intake checks the procedure may be filed by post and records the request
with a ``dossier.pickup-requested`` event (outbox). The postal service collects the papers and carries them
to the agency. The dossier is *filed* only at the hand-over at the agency: its legal filing time is the
signature of the hand-over record (Art. 7(4)), so its dossier code carries that day and the rule set is
chosen by it; then ``dossier.submitted`` goes out as for any channel.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from pymongo.database import Database

from services.intake import SERVICE
from services.intake.dossiers.service import file_dossier
from services.intake.postal_filings.document import (
    AWAITING_PICKUP,
    CANCELLED,
    FILED,
    LOST,
    POSTAL_FILINGS_DECLARED,
)
from services.intake.procedures import service as procedures
from services.intake.storage import POSTAL_FILINGS
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.bus.consumer import PermanentError
from shared.clock import utc_now, vn_date
from shared.domain.changes import Change, Context
from shared.domain.channels import Channel
from shared.domain.errors import Rejected
from shared.domain.idempotency import scoped
from shared.domain.rulesets import rule_set_for
from shared.events import Event, new_event
from shared.events.postal_events import DOSSIER_PICKUP
from shared.storage.aggregate import HIDDEN, RETRY, Aggregate, Runner, context

log = logging.getLogger(__name__)

PICKUP_FIELDS = ("procedure_code", "procedure_name", "receiving_agency_code", "competent_agency_code",
                 "owner_account_id", "applicant", "contact", "pickup", "documents", "result_return", "requested_at")
HANDED_OVER, SHIPMENT_CANCELLED, SHIPMENT_LOST = "shipment.handed-over", "shipment.cancelled", "shipment.lost"
SYSTEM = Principal(subject="intake", kind=PrincipalKind.SERVICE, name="Hệ thống tiếp nhận")


class PostalFilings(Aggregate):
    declared = POSTAL_FILINGS_DECLARED
    noun = "Yêu cầu gửi hồ sơ qua bưu chính"

    def event(self, doc: dict[str, Any], version: int, name: str, details: dict[str, Any], ctx: Context) -> Event:
        return new_event(f"dossier.{name}", doc["_id"], {k: doc[k] for k in PICKUP_FIELDS}, producer=SERVICE)


def runner(db: Database, settings) -> Runner:
    return Runner(db, PostalFilings(), settings, on_conflict=RETRY)


def request_pickup(db: Database, settings, owner: Principal, request: dict[str, Any],
                   idempotency_key: str | None = None, now: datetime | None = None) -> tuple[dict[str, Any], bool]:
    key = scoped(owner.subject, idempotency_key)
    if key and (existing := db[POSTAL_FILINGS].find_one({"idempotency_key": key}, HIDDEN)):
        return existing, False
    now = now or utc_now()
    on = vn_date(now)
    checked = procedures.check_filing(db, {**request, "attachments": []}, on, rule_set_for(on), Channel.POST)
    if checked.problems:
        raise Rejected("Không gửi được hồ sơ qua bưu chính: vui lòng kiểm tra các trường được nêu.",
                       {"json": checked.problems})
    procedure = checked.procedure
    filing_id = str(uuid.uuid4())
    filing = {
        "_id": filing_id,
        "state": AWAITING_PICKUP,
        "owner_account_id": owner.subject,
        "procedure_code": procedure["code"],
        "procedure_name": procedure["name"],
        "receiving_agency_code": request["receiving_agency_code"],
        "competent_agency_code": procedure["competent_agency_code"],
        "applicant": request["applicant"],
        "contact": request["contact"],
        "result_return": request["result_return"],
        "pickup": request["pickup"],
        "documents": request["documents"],
        "requested_at": now,
        "tracking_code": None,
        "shipment_status": None,
        "dossier_code": None,
        "filing_time": None,
        "idempotency_key": key or f"{owner.subject}:{filing_id}",
    }
    made = runner(db, settings).create(filing, context(owner, now=now), [("pickup-requested", {})])
    if made is not None:
        return made, True
    if key and (existing := db[POSTAL_FILINGS].find_one({"idempotency_key": key}, HIDDEN)):
        return existing, False  # a concurrent retry with the same key won the race
    raise RuntimeError(f"postal filing {filing_id} was neither created nor found")


def on_shipment(db: Database, settings, event: Event, payload: dict[str, Any]) -> None:
    """The postal service's progress on a pickup; at the hand-over, the dossier is filed."""
    if payload["direction"] != DOSSIER_PICKUP:
        return
    filing = db[POSTAL_FILINGS].find_one({"_id": event.dossier_id}, HIDDEN)
    if filing is None:
        log.warning("shipment %s is for no postal filing of ours", payload["shipment_id"])
        return
    dossier_code, state = None, None
    if event.type == HANDED_OVER:
        dossier_code = file_from_post(db, settings, filing, payload["details"]["filing_time"])["code"]
        state = FILED
    elif event.type in (SHIPMENT_CANCELLED, SHIPMENT_LOST):
        state = CANCELLED if event.type == SHIPMENT_CANCELLED else LOST
    runner(db, settings).run(filing["_id"], shipment_progress, context(SYSTEM), status=payload["status"],
                             tracking_code=payload["tracking_code"], state=state, dossier_code=dossier_code,
                             filing_time=payload["details"].get("filing_time"))


def shipment_progress(filing: dict[str, Any], ctx: Context, *, status: str, tracking_code: str | None,
                      state: str | None, dossier_code: str | None, filing_time: datetime | None) -> Change:
    """Where the shipment carrying the papers is; only forward: a filed request stays filed whatever arrives
    late."""
    if filing["state"] != AWAITING_PICKUP and state != filing["state"]:
        return Change.stale()
    filing.update(shipment_status=status, tracking_code=tracking_code)
    if state:
        filing["state"] = state
    if dossier_code:
        filing.update(dossier_code=dossier_code, filing_time=filing_time)
    return Change()


def file_from_post(db: Database, settings, filing: dict[str, Any], filing_time: datetime) -> dict[str, Any]:
    """Files the dossier as received at ``filing_time`` (idempotent: the filing's id is the dossier's)."""
    owner = Principal(subject=filing["owner_account_id"], kind=PrincipalKind.APPLICANT,
                      roles=frozenset({Role.APPLICANT}))
    submission = {k: filing[k] for k in ("procedure_code", "receiving_agency_code", "applicant", "contact",
                                         "result_return")}
    submission["attachments"] = []  # paper, listed in paper_documents
    try:
        dossier, _ = file_dossier(db, settings, channel=Channel.POST, owner_account_id=owner.subject, filed_by=owner,
                                  submission=submission, idempotency_key=f"post:{filing['_id']}", now=filing_time,
                                  dossier_id=filing["_id"], extra={"paper_documents": filing["documents"]})
    except Rejected as exc:
        # The catalogue changed between the request and the hand-over (procedure withdrawn): an operator
        # must decide; the event waits in the DLQ.
        raise PermanentError(f"postal dossier {filing['_id']} cannot be filed: {exc.errors}") from exc
    return dossier


def get(db: Database, filing_id: str) -> dict[str, Any] | None:
    return db[POSTAL_FILINGS].find_one({"_id": filing_id}, HIDDEN)


def owner_of(db: Database, filing_id: str) -> str | None:
    doc = db[POSTAL_FILINGS].find_one({"_id": filing_id}, {"owner_account_id": 1})
    return doc["owner_account_id"] if doc else None
