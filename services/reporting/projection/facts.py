"""What the read model keeps of each event: a small *fact*, stored on the record it is about under a natural key.

Folding is idempotent and order-free by construction: a record is a set of facts keyed by what they are (the
workflow event's id, "the filing", "the rating", a petition's id, "synchronised"), so an event delivered twice sets
the same key to the same value, and events arriving in any order — retry topics, topics consumed at different
speeds, a replay — end in the same set. Everything the figures say is derived from the set (``dossier.py``,
``petition.py``), never from the order in which it grew.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from shared.clock import as_utc
from shared.domain import evaluation as ev
from shared.events import Event

DOSSIER, PETITION = "d", "p"

# Workflow events that change nothing a figure depends on.
IGNORED = frozenset({"dossier.due-soon", "dossier.overdue", "dossier.verification-scheduled",
                     "dossier.consultation-requested", "dossier.early-return-notified"})


def key(kind: str, record_id: str) -> str:
    return f"{kind}:{record_id}"


def _moment(value: Any) -> datetime | None:
    return as_utc(value) if isinstance(value, datetime) else None


def facts_of(event: Event, payload: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(record key, fact key, fact) for each record the event tells something about. A petition that raises an
    earlier one again is told to the earlier one (petitions are recorded under their code)."""
    kind = event.type
    if kind == "dossier.submitted":
        yield key(DOSSIER, event.dossier_id), "sub", {
            "at": payload["submitted_at"], "ch": payload["channel"], "code": payload["code"],
            "proc": payload["procedure_code"], "ver": payload["procedure_version"],
            "recv": payload["receiving_agency_code"], "comp": payload["competent_agency_code"],
            "att": len(payload["attachments"]), "ret": payload["result_return"]["method"]}
    elif kind.startswith("dossier.") and kind not in IGNORED and "dossier_version" in payload:
        yield key(DOSSIER, event.dossier_id), f"e:{event.event_id}", _workflow_fact(kind, payload)
    elif kind == "rating.recorded":
        yield key(DOSSIER, event.dossier_id), "rating", {
            "at": payload["rated_at"], "ch": payload["channel"], "sat": payload["satisfied"],
            "ans": {k: v for k, v in payload["answers"].items() if v is not None}}
    elif kind.startswith("petition."):
        yield from _petition_facts(event, payload)
    elif kind.startswith("sync."):
        yield from _sync_facts(event, payload)
    elif kind.startswith("payment."):
        yield from _payment_facts(event, payload)


def _workflow_fact(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    details = payload.get("details") or {}
    fact: dict[str, Any] = {
        "t": kind.removeprefix("dossier."), "at": payload["at"], "v": payload["dossier_version"],
        "st": payload["status"], "due": payload.get("appointment_due"), "code": payload["code"],
        "proc": payload["procedure_code"], "recv": payload["receiving_agency_code"],
        "comp": payload["competent_agency_code"]}
    if payload.get("actor") and payload.get("actor") != "system":
        fact["by"], fact["by_name"] = payload["actor"], payload.get("actor_name")
    for name, field in (("recv_at", "received_at"), ("req", "request_id"), ("phase", "phase"), ("stage", "stage"),
                        ("outcome", "outcome"), ("step", "step"), ("kind", "result_kind"), ("el", "electronic"),
                        ("old", "old_due"), ("late", "late"), ("method", "method"), ("assignee", "assignee"),
                        ("assignee_name", "assignee_name"), ("new_due", "new_due")):
        if details.get(field) is not None:
            fact[name] = details[field]
    return fact


def _petition_facts(event: Event, payload: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    petition = key(PETITION, payload["code"])  # petitions are known by their code (a follow-up names it)
    summary = {"rev": payload["revision"], "st": payload["status"], "code": payload["code"],
               "agency": payload["agency_code"], "cat": payload["category"], "subject": payload["subject"],
               "dossier": payload.get("dossier_id"), "recv_at": payload["received_at"],
               "decide_due": payload["decide_due"], "answer_due": payload.get("answer_due"),
               "handled_at": payload.get("handled_at"), "follows": payload.get("follows_up"),
               "title": payload["title"]}
    yield petition, "s", summary  # the newest revision wins (merge_fact)
    details = payload["details"]
    if event.type == "petition.answered":
        yield petition, "answered", {"on_time": details["on_time"], "conclusion": details["conclusion"]}
    elif event.type == "petition.rated":
        yield petition, "rated", {"sat": details["satisfied"], "at": payload["at"]}
    if payload.get("follows_up"):  # the earlier petition was raised again (indicator 5.3)
        yield key(PETITION, payload["follows_up"]), f"again:{payload['code']}", {
            "at": payload["received_at"]}
    if payload.get("dossier_id"):  # a petition about a dossier (indicators 5.4 and Circular 01 no. 7)
        dossier = key(DOSSIER, payload["dossier_id"])
        yield dossier, f"p:{event.aggregate_id}", {"at": payload["received_at"], "cat": payload["category"]}
        if event.type == "petition.answered":
            yield dossier, f"pu:{event.aggregate_id}", {
                "upheld": details["conclusion"] in ev.UPHELD_CONCLUSIONS}


def _sync_facts(event: Event, payload: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Portal synchronisation (Decision 766 indicator 1.4): a dossier counts as synchronised once any ``sync.*``
    event names it (the envelope's ``dossier_id``) and says so — see README, "Reporting", for the contract."""
    if event.dossier_id and (event.type in SYNCED_TYPES or payload.get("synced") is True):
        yield key(DOSSIER, event.dossier_id), "sync", {"at": _first_moment(payload, "synced_at", "at") or
                                                       event.occurred_at}


def _payment_facts(event: Event, payload: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Fee payment (Decision 766 indicator 3.6): a dossier counts as paid online once a successful ``payment.*``
    event names it and says the payment was made online (the national payment platform or a local gateway)."""
    if event.dossier_id and event.type in PAID_TYPES:
        online = payload.get("online")
        if online is None:
            online = payload.get("channel") == "online" or bool(payload.get("gateway"))
        yield key(DOSSIER, event.dossier_id), f"pay:{event.event_id}", {
            "at": _first_moment(payload, "paid_at", "at") or event.occurred_at, "online": bool(online)}


SYNCED_TYPES = frozenset({"sync.dossier-synced", "sync.dossier-created", "sync.status-synced", "sync.succeeded"})
PAID_TYPES = frozenset({"payment.succeeded", "payment.completed", "payment.paid", "payment.confirmed"})


def _first_moment(payload: dict[str, Any], *names: str) -> datetime | None:
    for name in names:
        value = payload.get(name)
        if isinstance(value, datetime):
            return as_utc(value)
        if isinstance(value, str):
            try:
                return as_utc(datetime.fromisoformat(value))
            except ValueError:
                continue
    return None


def merge_fact(facts: dict[str, Any], name: str, fact: dict[str, Any]) -> bool:
    """Adds a fact to a record's facts; returns whether anything changed. Facts that describe a changing thing
    (a petition's summary and its state seen from a dossier) keep the newest revision; synchronisation keeps the
    first moment; everything else is set once by its natural key."""
    current = facts.get(name)
    if current == fact:
        return False
    if current is not None:
        if "rev" in fact and "rev" in current and fact["rev"] <= current["rev"]:
            return False
        if name == "sync" and current["at"] <= fact["at"]:
            return False
    facts[name] = fact
    return True
