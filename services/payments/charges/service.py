"""Charges: made from other services' events, changed by commands (``rules.py``) with the aggregate runner,
paid through the gateway, read for the API.

Talking to the gateway follows "persist first, call after": an order is written (status ``created``, its id
fixed) before the gateway is asked to create it, so a crash or a lost answer is repaired by asking again with
the same order id (the gateway returns the order it has). Every answer about money — a notice, a query, the
payer's return confirmed by a query — goes through one command, :func:`rules.gateway_answer`, which applies a
transaction once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pymongo.database import Database

from services.payments import SERVICE
from services.payments.charges import rules
from services.payments.charges import statuses as st
from services.payments.charges.document import CHARGES_DECLARED
from services.payments.gateway.client import GatewayError, PaymentGateway
from services.payments.procedures.service import procedure_version
from services.payments.storage import CHARGES, DOSSIER_STATES
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.clock import utc_now
from shared.domain.changes import Change, Context
from shared.domain.errors import NotFound
from shared.events import Event, new_event
from shared.events.payment_events import FILING, OBLIGATION
from shared.observability import metrics
from shared.storage import keyset
from shared.storage.aggregate import HIDDEN, RETRY, Aggregate, Command, Runner, context

log = logging.getLogger(__name__)

SYSTEM = Principal(subject="payments", kind=PrincipalKind.SERVICE, name="Hệ thống thanh toán")


class Charges(Aggregate):
    declared = CHARGES_DECLARED
    noun = "Khoản thu"
    append_only = ("history", "anomalies")

    def event(self, c: dict[str, Any], version: int, name: str, details: dict[str, Any], ctx: Context) -> Event:
        if name == "requested":
            details = {"pay_url": pay_page(ctx.settings, c)}
        payload = {
            "charge_id": c["_id"], "dossier_code": c["dossier_code"], "purpose": c["purpose"], "status": c["status"],
            "charge_version": version, "at": ctx.now, "amount": c["amount"], "description": c["description"],
            "lines": [{"code": line["code"], "name": line["name"], "kind": line["kind"], "amount": line["amount"],
                       "exemption": (line.get("exemption") or {}).get("code")} for line in c["lines"]],
            "agency_code": c["agency_code"], "competent_agency_code": c["competent_agency_code"],
            "procedure_code": c["procedure_code"], "procedure_name": c["procedure_name"],
            "owner_account_id": c["owner_account_id"], "applicant_name": c["applicant_name"], "contact": c["contact"],
            "details": details,
        }
        return new_event(st.EVENT_TYPES[name], c["dossier_id"], payload, producer=SERVICE)


CHARGES_AGGREGATE = Charges()


def pay_page(settings, c: dict[str, Any]) -> str:
    """The portal page of the dossier, where the applicant sees what is owed and pays."""
    return f"{settings.public_portal_url.rstrip('/')}/ho-so/{c['dossier_id']}"


def runner(db: Database, settings) -> Runner:
    """Gateway notices, queries, the scheduler and people all change charges: a conflict runs again."""
    return Runner(db, CHARGES_AGGREGATE, settings, on_conflict=RETRY)


def execute(db: Database, settings, charge_id: str, command: Command, actor: Principal = SYSTEM,
            **arguments: Any) -> tuple[dict[str, Any], Change]:
    return runner(db, settings).run(charge_id, command, context(actor, settings=settings), **arguments)


# -- what is owed, from the other services' events ----------------------------------------------------------------

class NotKnownYet(Exception):
    """An event arrived before what it needs (the procedure version, the charge): retried later."""


def charge_id(dossier_id: str, purpose: str, version: int | None = None) -> str:
    return f"{dossier_id}:{FILING}" if purpose == FILING else f"{dossier_id}:{OBLIGATION}-{version}"


def _new(dossier_id: str, *, code: str, purpose: str, version: int | None, description: str,
         lines: list[dict[str, Any]], procedure: tuple[str, str], agency: str, competent: str, owner: str | None,
         applicant_name: str, contact: dict[str, Any], source_event_id: str, notice: str | None = None,
         now) -> dict[str, Any]:
    amount = rules.total(lines)
    return {
        "_id": charge_id(dossier_id, purpose, version), "dossier_id": dossier_id, "dossier_code": code,
        "purpose": purpose, "purpose_code": rules.purpose_code(purpose, version), "description": description,
        "procedure_code": procedure[0], "procedure_name": procedure[1], "agency_code": agency,
        "competent_agency_code": competent, "owner_account_id": owner, "applicant_name": applicant_name,
        "contact": contact, "lines": lines, "amount": amount, "status": st.DUE if amount else st.WAIVED,
        "orders": [], "transactions": [], "paid": None, "receipt_state": st.NO_RECEIPT, "receipt": None,
        "refund": None, "anomalies": [],
        "history": [{"at": now, "status": st.DUE if amount else st.WAIVED, "note": description, "by": SERVICE}],
        "notice_number": notice, "source_event_id": source_event_id, "created_at": now,
    }


def _create(db: Database, settings, doc: dict[str, Any]) -> bool:
    name = "requested" if doc["status"] == st.DUE else "waived"
    details = {} if name == "requested" else {"exemptions": []}
    created = runner(db, settings).create(doc, context(SYSTEM, settings=settings, now=doc["created_at"]),
                                          [(name, details)])
    if created is not None:
        _apply_known_end(db, settings, created)
    return created is not None


def on_submitted(db: Database, settings, event: Event, payload: dict[str, Any]) -> bool:
    """A filed dossier owes, at once, the procedure version's lines paid online at filing (domain.md §2.9;
    Decree 61/2018 Art. 22(1)(c)). Idempotent: the dossier and the purpose are the charge's key. The dossier's
    owner and agencies are kept whatever it owes, so its charges (none, perhaps) can be asked for at once."""
    db[DOSSIER_STATES].update_one({"_id": event.dossier_id}, {
        "$set": {"owner_account_id": payload["owner_account_id"], "agency_code": payload["receiving_agency_code"],
                 "competent_agency_code": payload["competent_agency_code"]},
        "$setOnInsert": {"status": payload["status"], "processing_started": False},
        "$max": {"version": 0}}, upsert=True)
    procedure = procedure_version(db, payload["procedure_code"], payload["procedure_version"])
    if procedure is None:
        raise NotKnownYet(f"procedure {payload['procedure_code']} v{payload['procedure_version']} not copied yet")
    lines = rules.filing_lines(procedure)
    if not lines:
        return False
    doc = _new(event.dossier_id, code=payload["code"], purpose=FILING, version=None,
               description=f"Phí, lệ phí nộp khi nộp hồ sơ {payload['code']}", lines=lines,
               procedure=(payload["procedure_code"], payload["procedure_name"]),
               agency=payload["receiving_agency_code"], competent=payload["competent_agency_code"],
               owner=payload["owner_account_id"], applicant_name=payload["applicant"]["full_name"],
               contact=payload["contact"], source_event_id=event.event_id, now=utc_now())
    return _create(db, settings, doc)


def on_payment_requested(db: Database, settings, event: Event, payload: dict[str, Any]) -> bool:
    """The competent agency asks the applicant to meet a financial obligation (status 6): a charge for that
    amount, to pay online (Decree 61/2018 Art. 22). The fees due at filing stop the clock too when the desk
    accepted the dossier unpaid; that charge exists already."""
    details = payload["details"]
    if details.get("purpose", OBLIGATION) != OBLIGATION:
        return False
    doc = _new(event.dossier_id, code=payload["code"], purpose=OBLIGATION, version=payload["dossier_version"],
               description=details["description"], lines=rules.obligation_lines(details),
               procedure=(payload["procedure_code"], payload["procedure_name"]),
               agency=payload["receiving_agency_code"], competent=payload["competent_agency_code"],
               owner=payload["owner_account_id"], applicant_name=payload["applicant_name"],
               contact=payload["contact"], source_event_id=event.event_id, notice=details.get("notice_number"),
               now=utc_now())
    return _create(db, settings, doc)


def on_payment_recorded(db: Database, settings, event: Event, payload: dict[str, Any]) -> None:
    """An officer recorded a payment made at the desk: the matching charge is no longer owed online."""
    details = payload["details"]
    if details.get("via", "counter") != "counter":
        return  # the workflow saying what we told it
    for doc in db[CHARGES].find({"dossier_id": event.dossier_id, "status": {"$in": sorted(st.OWED)}},
                                {"purpose": 1}):
        if doc["purpose"] == details.get("purpose", OBLIGATION):
            execute(db, settings, doc["_id"], rules.paid_at_counter, voucher=details["voucher"], paid_at=payload["at"])


# -- where the dossier stands (void and refund rules) ---------------------------------------------------------------

ENDINGS = {"dossier.refused": "refused", "dossier.withdrawn": "withdrawn", "dossier.stopped": "stopped"}
PROCESSING_STATUSES = (4, 9, 10)        # Đang xử lý, Đã xử lý xong, Đã trả kết quả: the competent agency began
PROCESSING_EVENTS = ("dossier.assigned", "dossier.step-completed")


def on_dossier_event(db: Database, settings, event: Event, payload: dict[str, Any]) -> None:
    """Keeps where the dossier stands and, when it ends, applies the void and refund rules to its charges."""
    closure = ENDINGS.get(event.type)
    if event.type == "dossier.refused" and payload["details"]["stage"] != "reception":
        closure = "refused_after_appraisal"
    started = payload["status"] in PROCESSING_STATUSES or event.type in PROCESSING_EVENTS
    fields: dict[str, Any] = {"status": payload["status"]}
    if closure:
        fields.update(closure=closure, reason=_ending_reason(event.type, payload))
    if started:
        fields["processing_started"] = True
    update: dict[str, Any] = {"$set": fields, "$max": {"version": payload["dossier_version"]}}
    if not started:
        update["$setOnInsert"] = {"processing_started": False}
    db[DOSSIER_STATES].update_one({"_id": event.dossier_id}, update, upsert=True)
    if closure:
        state = db[DOSSIER_STATES].find_one({"_id": event.dossier_id}) or {}
        for doc in db[CHARGES].find({"dossier_id": event.dossier_id}, {"_id": 1}):
            execute(db, settings, doc["_id"], rules.dossier_ended, closure=closure,
                    processing_started=bool(state.get("processing_started")), reason=fields["reason"])


def _ending_reason(kind: str, payload: dict[str, Any]) -> str:
    details = payload["details"]
    if kind == "dossier.refused":
        return "Hồ sơ bị từ chối: " + "; ".join(details.get("reasons") or [])
    return ("Hồ sơ được rút theo yêu cầu: " if kind == "dossier.withdrawn" else "Dừng xử lý hồ sơ: ") \
        + details.get("reason", "")


def _apply_known_end(db: Database, settings, charge: dict[str, Any]) -> None:
    """A charge made after its dossier already ended (the events came on two topics) ends at once."""
    state = db[DOSSIER_STATES].find_one({"_id": charge["dossier_id"]}) or {}
    if state.get("closure") in ("refused", "withdrawn", "stopped", "refused_after_appraisal"):
        execute(db, settings, charge["_id"], rules.dossier_ended, closure=state["closure"],
                processing_started=bool(state.get("processing_started")), reason=state.get("reason") or "")


# -- paying --------------------------------------------------------------------------------------------------------

class GatewayUnavailable(Exception):
    """The gateway cannot take the order now (the order is kept: asking again reuses it)."""


def start_payment(db: Database, settings, gateway: PaymentGateway, charge: str, actor: Principal,
                  idempotency_key: str | None) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """An order the payer can pay now: the live one, or a new one registered with the gateway. Returns the
    charge, the order and whether the order is new."""
    now = utc_now()
    expires = now + timedelta(seconds=settings.payment_order_ttl_seconds)
    doc, change = execute(db, settings, charge, rules.open_order, actor, expires_at=expires,
                          idempotency_key=idempotency_key)
    new = not rules.is_duplicate(change)
    order = _wanted_order(doc, idempotency_key, now)
    if order["pay_url"] is None:
        try:
            answer = gateway.create_order(order_id=order["order_id"], amount=order["amount"],
                                          description=f"{doc['description']} ({doc['procedure_name']})"[:250],
                                          beneficiary=doc["agency_code"], expires_at=order["expires_at"],
                                          payer_ref=doc["owner_account_id"])
        except GatewayError as exc:
            log.warning("order %s not registered with the gateway: %s", order["order_id"], exc)
            raise GatewayUnavailable(str(exc)) from exc
        doc, _ = execute(db, settings, charge, rules.order_registered, order=order["order_id"], answer=answer)
        order = next(o for o in doc["orders"] if o["order_id"] == order["order_id"])
    return doc, order, new


def _wanted_order(doc: dict[str, Any], key: str | None, now) -> dict[str, Any]:
    if key:
        keyed = next((o for o in doc["orders"] if o["idempotency_key"] == key), None)
        if keyed is not None:
            return keyed
    return rules.live_order(doc, now) or doc["orders"][-1]


def apply_answer(db: Database, settings, answer: dict[str, Any], via: str) -> tuple[dict[str, Any], Change]:
    """A gateway answer about an order (notice, query), applied to its charge."""
    found = charge_by_order(db, answer["order_id"])
    if found is None:
        raise NotFound("Không có giao dịch với mã đơn hàng này.")
    doc, change = execute(db, settings, found["_id"], rules.gateway_answer, answer=answer, via=via)
    metrics.payment_answer(via, change.outcome)
    if change.outcome == rules.REFUSED:
        log.error("payment notice refused for order %s: amount differs from the order", answer["order_id"])
        metrics.payment_alert("amount_mismatch")
    elif change.events and change.events[-1][0] == "alert":
        log.error("charge %s paid twice (order %s)", found["_id"], answer["order_id"])
        metrics.payment_alert("paid_twice")
    return doc, change


def confirm(db: Database, settings, gateway: PaymentGateway, order: str) -> dict[str, Any]:
    """The payer came back from the gateway: what the gateway itself says about the order settles it (the
    parameters the browser brought back are never trusted alone)."""
    try:
        answer = gateway.query(order)
    except GatewayError as exc:
        log.warning("cannot confirm order %s with the gateway: %s", order, exc)
        return get_by_order(db, order)
    return settle_query(db, settings, order, answer)


def settle_query(db: Database, settings, order: str, answer: dict[str, Any]) -> dict[str, Any]:
    if answer["status"] in ("paid", "cancelled", "expired", "failed"):
        code = {"paid": st.RESULT_PAID, "cancelled": st.RESULT_CANCELLED, "expired": st.RESULT_EXPIRED}.get(
            answer["status"], st.RESULT_FAILED)
        doc, _ = apply_answer(db, settings, {**answer, "result_code": code}, "query")
        return doc
    found = charge_by_order(db, order)
    if found is None:
        raise NotFound("Không có giao dịch với mã đơn hàng này.")
    doc, _ = execute(db, settings, found["_id"], rules.looked_up, order=order)
    return doc


def grant_exemption(db: Database, settings, charge: str, actor: Principal, **arguments: Any) -> dict[str, Any]:
    doc, _ = execute(db, settings, charge, rules.grant_exemption, actor, **arguments)
    return doc


# -- reading ------------------------------------------------------------------------------------------------------

def get(db: Database, settings, charge: str) -> dict[str, Any]:
    return runner(db, settings).get(charge)


def charge_by_order(db: Database, order: str) -> dict[str, Any] | None:
    try:
        dossier_code, code = rules.charge_of_order(order)
    except ValueError:
        return None
    doc = db[CHARGES].find_one({"dossier_code": dossier_code, "purpose_code": code}, HIDDEN)
    if doc is None or not any(o["order_id"] == order for o in doc["orders"]):
        return None
    return doc


def get_by_order(db: Database, order: str) -> dict[str, Any]:
    doc = charge_by_order(db, order)
    if doc is None:
        raise NotFound("Không có giao dịch với mã đơn hàng này.")
    return doc


def for_dossier(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    return list(db[CHARGES].find({"dossier_id": dossier_id}, HIDDEN).sort("created_at", 1))


def for_agency(db: Database, agency: str, *, status: str | None, limit: int,
               after_values: list[Any] | None) -> tuple[list[dict[str, Any]], list[Any] | None]:
    query: dict[str, Any] = {"agency_code": agency}
    if status:
        query["status"] = status
    return keyset.page(db[CHARGES], query, ["created_at", "_id"], limit=limit, after_values=after_values,
                       descending=True, projection=HIDDEN)


def owner_of_charge(db: Database, charge: str) -> str | None:
    doc = db[CHARGES].find_one({"_id": charge}, {"owner_account_id": 1})
    return doc.get("owner_account_id") if doc else None


def agencies_of_charge(db: Database, charge: str) -> set[str] | None:
    doc = db[CHARGES].find_one({"_id": charge}, {"agency_code": 1, "competent_agency_code": 1})
    return {doc["agency_code"], doc["competent_agency_code"]} if doc else None


def _known(db: Database, dossier_id: str) -> dict[str, Any] | None:
    """Who the dossier belongs to and its agencies: from where it stands (kept since its filing), else from a
    charge (a dossier filed before its state kept them)."""
    fields = {"owner_account_id": 1, "agency_code": 1, "competent_agency_code": 1}
    state = db[DOSSIER_STATES].find_one({"_id": dossier_id}, fields)
    if state and "agency_code" in state:
        return state
    return db[CHARGES].find_one({"dossier_id": dossier_id}, fields)


def owner_of_dossier(db: Database, dossier_id: str) -> str | None:
    doc = _known(db, dossier_id)
    return doc.get("owner_account_id") if doc else None


def agencies_of_dossier(db: Database, dossier_id: str) -> set[str] | None:
    doc = _known(db, dossier_id)
    return {doc["agency_code"], doc["competent_agency_code"]} if doc else None


def owner_of_order(db: Database, order: str) -> str | None:
    doc = charge_by_order(db, order)
    return doc.get("owner_account_id") if doc else None

