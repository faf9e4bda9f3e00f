"""Shipments: planning them from other services' events, changing them, reading them.

Every change follows one path (:func:`apply`): load the shipment, let a rule of ``rules.py`` change a copy,
write the changes and the events they cause in one compare-and-set update on ``version`` (outbox). Two
writers on one shipment — a webhook and a postal officer, two webhook deliveries at once — cannot both win;
the loser re-reads and applies its change to the new state (or finds it a duplicate).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.postal import SERVICE
from services.postal.shipments import rules
from services.postal.shipments import statuses as st
from services.postal.storage import AGENCIES, SHIPMENTS
from shared.calendar import WorkingCalendar
from shared.clock import utc_now
from shared.domain.channels import ResultReturnMethod
from shared.domain.errors import Conflict, NotFound
from shared.events import Event, new_event
from shared.storage import keyset
from shared.storage.mongo import field_of
from shared.storage.outbox import OUTBOX_FIELDS, Outbox

log = logging.getLogger(__name__)

RESULT_DOCUMENTS = [{"name": "Kết quả giải quyết thủ tục hành chính", "original": True, "count": 1}]
NOT_COPIED = ("version", "updated_at", *OUTBOX_FIELDS)
MAX_CONFLICT_RETRIES = 5


class NotPlannedYet(Exception):
    """An event about a shipment arrived before the event that plans it (another topic): retried later."""


def shipment_id(dossier_id: str, direction: str) -> str:
    """One shipment per dossier and direction: the key that makes planning idempotent."""
    return f"{dossier_id}:{direction}"


def _agency(db: Database, code: str) -> dict[str, Any]:
    return db[AGENCIES].find_one({"_id": code}) or {"_id": code, "name": code, "address": None}


def _agency_party(agency: dict[str, Any]) -> dict[str, Any]:
    return {"name": agency.get("name") or agency["_id"], "phone": None, "address": agency.get("address")}


def _new(dossier_id: str, direction: str, *, dossier_code: str | None, procedure: dict[str, str],
         agency: dict[str, Any], owner: str | None, applicant_name: str, contact: dict[str, Any],
         sender: dict[str, Any], recipient: dict[str, Any], documents: list[dict[str, Any]], with_receipt: bool,
         status: str, now, source_event_id: str) -> dict[str, Any]:
    return {
        "_id": shipment_id(dossier_id, direction),
        "direction": direction,
        "dossier_id": dossier_id,
        "dossier_code": dossier_code,
        "procedure": procedure,
        "agency_code": agency["_id"],
        "agency_name": agency.get("name"),
        "province_code": ((agency.get("address") or {}).get("province_code") or agency.get("province_code")),
        "owner_account_id": owner,
        "applicant_name": applicant_name,
        "contact": contact,
        "sender": sender,
        "recipient": recipient,
        "documents": documents,
        "with_receipt": with_receipt,
        "status": status,
        "rank": st.rank(status),
        "history": [{"status": status, "at": now, "source": "system", "note": None, "attempt": None,
                     "reference": source_event_id}],
        "provider": None,
        "tracking_code": None,
        "post_office": None,
        "postage": None,
        "fees_to_collect": 0,
        "accepted_at": None,
        "route": None,
        "expected_by": None,
        "expected_explained": [],
        "delivered_at": None,
        "filing_time": None,
        "late": None,
        "postage_refund": 0,
        "compensation": 0,
        "attempts": [],
        "breaches": [],
        "handover": None,
        "delivery": None,
        "provider_events": [],
        "last_provider_update_at": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def _insert(db: Database, doc: dict[str, Any], events: list[Event]) -> bool:
    try:
        Outbox(db[SHIPMENTS]).insert(doc, events)
        return True
    except DuplicateKeyError:
        return False  # planned already: the same event delivered again


# -- planning from other services' events ------------------------------------------------------------------------

def plan_result_delivery(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    """When the applicant chose to receive the result by post (Decision 45/2016 Art. 5, 9), a result delivery
    is planned at filing, addressed as the applicant asked; it goes out when the result is ready. Returns
    whether it was planned by this call."""
    choice = payload["result_return"]
    if choice["method"] != ResultReturnMethod.POST:
        return False
    agency = _agency(db, payload["receiving_agency_code"])
    recipient = {"name": choice.get("recipient_name") or payload["applicant"]["full_name"],
                 "phone": choice["recipient_phone"], "address": choice["address"]}
    doc = _new(event.dossier_id, st.RESULT_DELIVERY, dossier_code=payload["code"],
               procedure={"code": payload["procedure_code"], "name": payload["procedure_name"]}, agency=agency,
               owner=payload["owner_account_id"], applicant_name=payload["applicant"]["full_name"],
               contact=payload["contact"], sender=_agency_party(agency), recipient=recipient,
               documents=RESULT_DOCUMENTS, with_receipt=False, status=st.AWAITING_RESULT, now=utc_now(),
               source_event_id=event.event_id)
    return _insert(db, doc, [])


def plan_pickup(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    """An applicant asked for their dossier to be collected (Decision 45/2016 Art. 6): a pickup is requested
    from the provider, to be handed over at the receiving agency."""
    agency = _agency(db, payload["receiving_agency_code"])
    pickup = payload["pickup"]
    doc = _new(event.dossier_id, st.DOSSIER_PICKUP, dossier_code=None,
               procedure={"code": payload["procedure_code"], "name": payload["procedure_name"]}, agency=agency,
               owner=payload["owner_account_id"], applicant_name=payload["applicant"]["full_name"],
               contact=payload["contact"],
               sender={"name": pickup["name"], "phone": pickup["phone"], "address": pickup["address"]},
               recipient=_agency_party(agency), documents=payload["documents"],
               with_receipt=pickup["with_receipt"], status=st.REQUESTED, now=utc_now(),
               source_event_id=event.event_id)
    return _insert(db, doc, [])


def on_result_ready(db: Database, settings, calendar: WorkingCalendar, event: Event, payload: dict[str, Any]) -> None:
    if payload["details"]["return_method"] != ResultReturnMethod.POST:
        return
    if db[SHIPMENTS].find_one({"_id": shipment_id(event.dossier_id, st.RESULT_DELIVERY)}, {"_id": 1}) is None:
        raise NotPlannedYet(f"no result delivery planned for dossier {payload['code']} yet")
    execute(db, shipment_id(event.dossier_id, st.RESULT_DELIVERY), lambda s: rules.result_ready(s, utc_now()))


def on_dossier_closed(db: Database, event: Event, payload: dict[str, Any]) -> None:
    """A withdrawn or stopped dossier needs no shipment that has not left yet."""
    reason = {"dossier.withdrawn": "Hồ sơ đã được rút theo yêu cầu", "dossier.stopped": "Hồ sơ đã dừng xử lý"}
    for doc in db[SHIPMENTS].find({"dossier_id": event.dossier_id}, {"_id": 1}):
        execute(db, doc["_id"], lambda s: rules.cancel(s, reason[event.type], utc_now()))


def on_dossier_filed(db: Database, event: Event, payload: dict[str, Any]) -> None:
    """A pickup's dossier got its code at filing (intake): the shipments show it from now on."""
    db[SHIPMENTS].update_many({"dossier_id": event.dossier_id, "dossier_code": None},
                              {"$set": {"dossier_code": payload["code"]}})


# -- changing a shipment ------------------------------------------------------------------------------------------

def get(db: Database, id_: str) -> dict[str, Any]:
    doc = db[SHIPMENTS].find_one({"_id": id_}, {f: 0 for f in OUTBOX_FIELDS})
    if doc is None:
        raise NotFound("Không tìm thấy bưu gửi.")
    return doc


def execute(db: Database, id_: str, rule: Callable[[dict[str, Any]], rules.Change]) -> tuple[dict, rules.Change]:
    """Applies a rule to the shipment; retried on a concurrent change. Returns the shipment and the change."""
    for _ in range(MAX_CONFLICT_RETRIES):
        current = get(db, id_)
        working = copy.deepcopy(current)
        change = rule(working)
        if change.outcome == "duplicate":
            return current, change
        if _write(db, current, working, change):
            return get(db, id_), change
    raise Conflict("Bưu gửi đang được cập nhật; vui lòng thử lại.")


def _write(db: Database, current: dict[str, Any], working: dict[str, Any], change: rules.Change) -> bool:
    now = utc_now()
    changed = {k: v for k, v in working.items() if k not in NOT_COPIED and current.get(k) != v}
    version = current["version"] + 1
    events = [_event(working, version, status, details, now) for status, details in change.events]
    result = Outbox(db[SHIPMENTS]).update(
        {"_id": current["_id"], "version": current["version"]},
        {"$set": {**changed, "updated_at": now}, "$inc": {"version": 1}}, events)
    return bool(result.modified_count)


def _event(s: dict[str, Any], version: int, status: str, details: dict[str, Any], now) -> Event:
    payload = {
        "shipment_id": s["_id"], "direction": s["direction"], "dossier_code": s["dossier_code"], "status": status,
        "shipment_version": version, "at": now, "tracking_code": s["tracking_code"], "post_office": s["post_office"],
        "agency_code": s["agency_code"], "agency_name": s["agency_name"], "procedure_name": s["procedure"]["name"],
        "applicant_name": s["applicant_name"], "owner_account_id": s["owner_account_id"], "contact": s["contact"],
        "expected_by": s["expected_by"], "details": details,
    }
    return new_event(st.EVENT_TYPES[status], s["dossier_id"], payload, producer=SERVICE)


# -- reading ------------------------------------------------------------------------------------------------------

def for_dossier(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    return list(db[SHIPMENTS].find({"dossier_id": dossier_id}, {f: 0 for f in OUTBOX_FIELDS}).sort("created_at", 1))


def by_tracking(db: Database, code: str) -> list[dict[str, Any]]:
    """Shipments by the provider's tracking code or by the dossier code."""
    found = list(db[SHIPMENTS].find({"tracking_code": code}, {f: 0 for f in OUTBOX_FIELDS}))
    return found or list(db[SHIPMENTS].find({"dossier_code": code}, {f: 0 for f in OUTBOX_FIELDS}))


def dossier_owner(db: Database, dossier_id: str) -> str | None:
    return field_of(db[SHIPMENTS], {"dossier_id": dossier_id}, "owner_account_id")


def dossier_agency(db: Database, dossier_id: str) -> str | None:
    return field_of(db[SHIPMENTS], {"dossier_id": dossier_id}, "agency_code")


def shipment_owner(db: Database, id_: str) -> str | None:
    return field_of(db[SHIPMENTS], {"_id": id_}, "owner_account_id")


def shipment_agency(db: Database, id_: str) -> str | None:
    return field_of(db[SHIPMENTS], {"_id": id_}, "agency_code")


def shipment_post_office(db: Database, id_: str) -> str | None:
    return field_of(db[SHIPMENTS], {"_id": id_}, "post_office")


# -- with the provider ------------------------------------------------------------------------------------------

def with_agency_address(db: Database, s: dict[str, Any]) -> dict[str, Any]:
    """The shipment with the agency's side filled in from the read copy of the registry, when it was not
    known at planning time (the catalogue event may come after the dossier)."""
    agency = _agency(db, s["agency_code"])
    party = _agency_party(agency)
    filled = dict(s)
    if s["direction"] == st.RESULT_DELIVERY and not (s["sender"] or {}).get("address"):
        filled["sender"] = party
    if s["direction"] == st.DOSSIER_PICKUP and not (s["recipient"] or {}).get("address"):
        filled["recipient"] = party
    return filled


def apply_provider_update(db: Database, calendar: WorkingCalendar, tracking_code: str, update: dict[str, Any],
                          now) -> tuple[dict[str, Any], rules.Change]:
    """A provider status update (webhook or look-up) applied to the shipment with that tracking code."""
    found = db[SHIPMENTS].find_one({"tracking_code": tracking_code}, {"_id": 1})
    if found is None:
        raise NotFound("Không có bưu gửi với số hiệu này.")

    def rule(s: dict[str, Any]) -> rules.Change:
        change = rules.provider_update(s, update, calendar)
        s["last_provider_update_at"] = now
        return change

    doc, change = execute(db, found["_id"], rule)
    if change.outcome != "applied":
        log.info("provider update %s for %s: %s", update["event_id"], tracking_code, change.outcome)
    return doc, change


def record_handover(db: Database, calendar: WorkingCalendar, id_: str, record: dict[str, Any],
                    source: str) -> dict[str, Any]:
    doc, _ = execute(db, id_, lambda s: rules.hand_over(s, record, calendar, utc_now(), source=source))
    return doc


def for_agency(db: Database, agency_code: str, *, direction: str | None, status: str | None, late: bool | None,
               limit: int, after_values: list[Any] | None) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """The agency's shipments, newest first, one keyset page at a time."""
    query: dict[str, Any] = {"agency_code": agency_code}
    if direction:
        query["direction"] = direction
    if status:
        query["status"] = status
    if late is not None:
        query["late"] = late
    return keyset.page(db[SHIPMENTS], query, ["created_at", "_id"], limit=limit, after_values=after_values,
                       descending=True, projection={f: 0 for f in OUTBOX_FIELDS})


def work_of(db: Database, post_office: str, direction: str | None) -> list[dict[str, Any]]:
    """What a post office has to do: every open shipment it handles, the earliest due first."""
    found = []
    for status in sorted(st.OPEN):
        query: dict[str, Any] = {"post_office": post_office, "status": status}
        if direction:
            query["direction"] = direction
        found += db[SHIPMENTS].find(query, {f: 0 for f in OUTBOX_FIELDS})
    return sorted(found, key=lambda s: (s["expected_by"] or "9999-12-31", s["created_at"]))
