"""Shipments: planning them from other services' events, changing them, reading them.

Every change is a command of ``rules.py`` run by the aggregate runner (:mod:`shared.storage.aggregate`): the
shipment and the events it causes in one compare-and-set write. Two writers on one shipment — a webhook and a
postal officer, two webhook deliveries at once — cannot both win; the loser runs its command again on the new
state (or finds it a duplicate).
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo.database import Database

from services.postal import SERVICE
from services.postal.calendar.service import current_calendar
from services.postal.shipments import rules
from services.postal.shipments import statuses as st
from services.postal.shipments.document import SHIPMENTS_DECLARED
from services.postal.storage import AGENCIES, SHIPMENTS
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.clock import utc_now
from shared.domain.changes import APPLIED, Change, Context
from shared.domain.channels import ResultReturnMethod
from shared.domain.errors import NotFound
from shared.events import Event, new_event
from shared.storage import keyset
from shared.storage.aggregate import HIDDEN, RETRY, Aggregate, Command, Runner, context
from shared.storage.mongo import field_of

log = logging.getLogger(__name__)

RESULT_DOCUMENTS = [{"name": "Kết quả giải quyết thủ tục hành chính", "original": True, "count": 1}]
SYSTEM = Principal(subject="postal", kind=PrincipalKind.SERVICE, name="Hệ thống bưu chính")


class Shipments(Aggregate):
    declared = SHIPMENTS_DECLARED
    noun = "Bưu gửi"

    def event(self, s: dict[str, Any], version: int, status: str, details: dict[str, Any], ctx: Context) -> Event:
        payload = {
            "shipment_id": s["_id"], "direction": s["direction"], "dossier_code": s["dossier_code"],
            "status": status, "shipment_version": version, "at": ctx.now, "tracking_code": s["tracking_code"],
            "post_office": s["post_office"], "agency_code": s["agency_code"], "agency_name": s["agency_name"],
            "procedure_name": s["procedure"]["name"], "applicant_name": s["applicant_name"],
            "owner_account_id": s["owner_account_id"], "contact": s["contact"], "expected_by": s["expected_by"],
            "details": details,
        }
        return new_event(st.EVENT_TYPES[status], s["dossier_id"], payload, producer=SERVICE)


SHIPMENTS_AGGREGATE = Shipments()


def runner(db: Database, settings) -> Runner:
    """Whoever changes a shipment — a webhook, a postal officer, the scheduler — runs again on a conflict."""
    return Runner(db, SHIPMENTS_AGGREGATE, settings, on_conflict=RETRY)


def context_for(db: Database, settings, actor: Principal = SYSTEM) -> Context:
    return context(actor, calendar=current_calendar(db, settings), settings=settings)


def execute(db: Database, settings, id_: str, command: Command, actor: Principal = SYSTEM,
            **arguments: Any) -> tuple[dict[str, Any], Change]:
    """Runs a command of ``rules.py`` on the shipment; returns the shipment afterwards and the change."""
    return runner(db, settings).run(id_, command, context_for(db, settings, actor), **arguments)


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
        "registration_attempts": 0,
        "register_after": None,
        "registration_error": None,
        "source_event_id": source_event_id,
        "created_at": now,
    }


def _insert(db: Database, settings, doc: dict[str, Any]) -> bool:
    """Plans a shipment; False when it was planned already (the same event delivered again)."""
    return runner(db, settings).create(doc, context(SYSTEM, now=doc["created_at"])) is not None


# -- planning from other services' events ------------------------------------------------------------------------

def plan_result_delivery(db: Database, settings, event: Event, payload: dict[str, Any]) -> bool:
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
    return _insert(db, settings, doc)


def plan_pickup(db: Database, settings, event: Event, payload: dict[str, Any]) -> bool:
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
    return _insert(db, settings, doc)


def on_result_ready(db: Database, settings, event: Event, payload: dict[str, Any]) -> None:
    if payload["details"]["return_method"] != ResultReturnMethod.POST:
        return
    if db[SHIPMENTS].find_one({"_id": shipment_id(event.dossier_id, st.RESULT_DELIVERY)}, {"_id": 1}) is None:
        raise NotPlannedYet(f"no result delivery planned for dossier {payload['code']} yet")
    execute(db, settings, shipment_id(event.dossier_id, st.RESULT_DELIVERY), rules.result_ready)


CLOSED_REASONS = {"dossier.withdrawn": "Hồ sơ đã được rút theo yêu cầu", "dossier.stopped": "Hồ sơ đã dừng xử lý"}


def on_dossier_closed(db: Database, settings, event: Event, payload: dict[str, Any]) -> None:
    """A withdrawn or stopped dossier needs no shipment that has not left yet."""
    for doc in db[SHIPMENTS].find({"dossier_id": event.dossier_id}, {"_id": 1}):
        execute(db, settings, doc["_id"], rules.cancel, reason=CLOSED_REASONS[event.type])


def on_dossier_filed(db: Database, settings, event: Event, payload: dict[str, Any]) -> None:
    """A pickup's dossier got its code at filing (intake): the shipments show it from now on."""
    for doc in db[SHIPMENTS].find({"dossier_id": event.dossier_id, "dossier_code": None}, {"_id": 1}):
        execute(db, settings, doc["_id"], rules.dossier_filed, code=payload["code"])


# -- reading ------------------------------------------------------------------------------------------------------

def get(db: Database, settings, id_: str) -> dict[str, Any]:
    return runner(db, settings).get(id_)


def for_dossier(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    return list(db[SHIPMENTS].find({"dossier_id": dossier_id}, HIDDEN).sort("created_at", 1))


def by_tracking(db: Database, code: str) -> list[dict[str, Any]]:
    """Shipments by the provider's tracking code or by the dossier code."""
    found = list(db[SHIPMENTS].find({"tracking_code": code}, HIDDEN))
    return found or list(db[SHIPMENTS].find({"dossier_code": code}, HIDDEN))


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


def apply_provider_update(db: Database, settings, tracking_code: str,
                          update: dict[str, Any]) -> tuple[dict[str, Any], Change]:
    """A provider status update (webhook or look-up) applied to the shipment with that tracking code."""
    found = db[SHIPMENTS].find_one({"tracking_code": tracking_code}, {"_id": 1})
    if found is None:
        raise NotFound("Không có bưu gửi với số hiệu này.")
    doc, change = execute(db, settings, found["_id"], rules.provider_update, update=update)
    if change.outcome != APPLIED:
        log.info("provider update %s for %s: %s", update["event_id"], tracking_code, change.outcome)
    return doc, change


def record_handover(db: Database, settings, id_: str, record: dict[str, Any], source: str,
                    actor: Principal) -> dict[str, Any]:
    doc, _ = execute(db, settings, id_, rules.hand_over, actor, record=record, source=source)
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
                       descending=True, projection=HIDDEN)


def work_of(db: Database, post_office: str, direction: str | None) -> list[dict[str, Any]]:
    """What a post office has to do: every open shipment it handles, the earliest due first."""
    found = []
    for status in sorted(st.OPEN):
        query: dict[str, Any] = {"post_office": post_office, "status": status}
        if direction:
            query["direction"] = direction
        found += db[SHIPMENTS].find(query, HIDDEN)
    return sorted(found, key=lambda s: (s["expected_by"] or "9999-12-31", s["created_at"]))
