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
from pymongo.errors import DuplicateKeyError

from services.intake import SERVICE
from services.intake.catalogue import service as catalogue
from services.intake.dossiers.service import file_dossier
from services.intake.storage import POSTAL_FILINGS
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.bus.consumer import PermanentError
from shared.clock import utc_now, vn_date
from shared.domain.channels import Channel
from shared.domain.errors import Rejected
from shared.domain.rulesets import rule_set_for
from shared.events import Event, new_event
from shared.storage.outbox import Outbox

log = logging.getLogger(__name__)

AWAITING_PICKUP, FILED, CANCELLED, LOST = "awaiting_pickup", "filed", "cancelled", "lost"


def request_pickup(db: Database, owner: Principal, request: dict[str, Any], idempotency_key: str | None = None,
                   now: datetime | None = None) -> tuple[dict[str, Any], bool]:
    key = f"{owner.subject}:{idempotency_key}" if idempotency_key else None
    if key and (existing := db[POSTAL_FILINGS].find_one({"idempotency_key": key})):
        return existing, False
    now = now or utc_now()
    on = vn_date(now)
    procedure, problems = catalogue.filing_problems(db, {**request, "attachments": []}, on, rule_set_for(on),
                                                    Channel.POST)
    if problems:
        raise Rejected("Không gửi được hồ sơ qua bưu chính: vui lòng kiểm tra các trường được nêu.",
                       {"json": problems})
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
    payload = {k: filing[k] for k in ("procedure_code", "procedure_name", "receiving_agency_code",
                                      "competent_agency_code", "owner_account_id", "applicant", "contact",
                                      "pickup", "documents", "result_return", "requested_at")}
    event = new_event("dossier.pickup-requested", filing_id, payload, producer=SERVICE)
    try:
        Outbox(db[POSTAL_FILINGS]).insert(filing, [event])
    except DuplicateKeyError:
        if key and (existing := db[POSTAL_FILINGS].find_one({"idempotency_key": key})):
            return existing, False
        raise
    return filing, True


def on_shipment(db: Database, event: Event, payload: dict[str, Any]) -> None:
    """The postal service's progress on a pickup; at the hand-over, the dossier is filed."""
    if payload["direction"] != "dossier_pickup":
        return
    filing = db[POSTAL_FILINGS].find_one({"_id": event.dossier_id}, {"outbox": 0})
    if filing is None:
        log.warning("shipment %s is for no postal filing of ours", payload["shipment_id"])
        return
    progress = {"shipment_status": payload["status"], "tracking_code": payload["tracking_code"]}
    if event.type == "shipment.handed-over":
        dossier = file_from_post(db, filing, payload["details"]["filing_time"])
        progress.update(state=FILED, dossier_code=dossier["code"], filing_time=payload["details"]["filing_time"])
    elif event.type in ("shipment.cancelled", "shipment.lost"):
        progress["state"] = CANCELLED if event.type == "shipment.cancelled" else LOST
    # Only forward: a filed request stays filed whatever arrives late.
    db[POSTAL_FILINGS].update_one({"_id": filing["_id"], "state": {"$in": [AWAITING_PICKUP, progress.get(
        "state", AWAITING_PICKUP)]}}, {"$set": progress})


def file_from_post(db: Database, filing: dict[str, Any], filing_time: datetime) -> dict[str, Any]:
    """Files the dossier as received at ``filing_time`` (idempotent: the filing's id is the dossier's)."""
    owner = Principal(subject=filing["owner_account_id"], kind=PrincipalKind.APPLICANT,
                      roles=frozenset({Role.APPLICANT}))
    submission = {k: filing[k] for k in ("procedure_code", "receiving_agency_code", "applicant", "contact",
                                         "result_return")}
    submission["attachments"] = []  # paper, listed in paper_documents
    try:
        dossier, _ = file_dossier(db, channel=Channel.POST, owner_account_id=owner.subject, filed_by=owner,
                                  submission=submission, idempotency_key=f"post:{filing['_id']}", now=filing_time,
                                  dossier_id=filing["_id"], extra={"paper_documents": filing["documents"]})
    except Rejected as exc:
        # The catalogue changed between the request and the hand-over (procedure withdrawn): an operator
        # must decide; the event waits in the DLQ.
        raise PermanentError(f"postal dossier {filing['_id']} cannot be filed: {exc.errors}") from exc
    return dossier


def get(db: Database, filing_id: str) -> dict[str, Any] | None:
    return db[POSTAL_FILINGS].find_one({"_id": filing_id}, {"outbox": 0})


def owner_of(db: Database, filing_id: str) -> str | None:
    doc = db[POSTAL_FILINGS].find_one({"_id": filing_id}, {"owner_account_id": 1})
    return doc["owner_account_id"] if doc else None
