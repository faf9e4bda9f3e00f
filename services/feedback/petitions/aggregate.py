"""The petition as an aggregate: every change one compare-and-set with its events (:mod:`shared.storage.aggregate`).

Derived at every write: whether it is still open and the due moment of what it waits for (the agency's queue
sorts on it); the history is append-only. Every event carries the same summary of the petition.
"""

from __future__ import annotations

from typing import Any

from services.feedback import SERVICE
from services.feedback.petitions.document import PETITIONS_DECLARED
from shared.domain import evaluation as ev
from shared.domain.changes import Context
from shared.events import Event, new_event
from shared.storage.aggregate import Aggregate

OPEN, CLOSED = "open", "closed"


class Petitions(Aggregate):
    declared = PETITIONS_DECLARED
    noun = "Phản ánh, kiến nghị"
    append_only = ("history",)

    def derive(self, before: dict[str, Any] | None, after: dict[str, Any], ctx: Context) -> None:
        stage, due = waiting_for(after)
        after["queue_due"] = due
        after["state"] = OPEN if after["status"] not in ev.HANDLED or stage else CLOSED

    def event(self, p: dict[str, Any], version: int, name: str, details: dict[str, Any], ctx: Context) -> Event:
        payload = {
            "code": p["code"], "status": p["status"], "revision": version, "at": ctx.now, "actor": ctx.actor.subject,
            "actor_name": ctx.actor.name, "agency_code": p["agency_code"], "subject": p["subject"],
            "category": p["category"], "procedure_code": p["procedure_code"], "dossier_id": p["dossier_id"],
            "dossier_code": p["dossier_code"], "officer_name": p["officer_name"], "title": p["title"],
            "sender_name": p["sender"]["name"], "sender_account_id": p["sender"]["account_id"],
            "contact": {k: p["sender"][k] for k in ("email", "phone") if p["sender"].get(k)},
            "follows_up": p["follows_up"], "received_at": p["received_at"], "decide_due": p["decide_due"],
            "info_due": p["info_due"], "answer_due": p["answer_due"], "publish_due": p["publish_due"],
            "handled_at": p["handled_at"], "details": details,
        }
        return new_event(f"petition.{name}", None, payload, producer=SERVICE, aggregate_id=p["_id"])


def waiting_for(p: dict[str, Any]) -> tuple[str | None, Any]:
    """The stage the petition waits for the agency at (decide, answer, publish), and when it is due; (None,
    None) when it waits for nobody or for the sender."""
    status = p["status"]
    if status == ev.RECEIVED:
        return "decide", p["decide_due"]
    if status == ev.IN_PROGRESS:
        return "answer", p["answer_due"]
    if status == ev.ANSWERED and (p.get("answer") or {}).get("publish") and not p.get("published"):
        return "publish", p["publish_due"]
    return None, None
