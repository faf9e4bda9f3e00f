"""What the scheduler watches on a dossier: the due moments that call for an alert, and the next alert each one
has not raised yet.

Each watched moment (the appointment, each running step, each unanswered consultation) raises at most two
alerts per due moment: ``due-soon`` once it is within DUE_SOON_WORKING_HOURS office hours, ``overdue`` once it
has passed (a moment first seen already late raises only ``overdue``). The aggregate's ``derive`` hook keeps,
on every write, the earliest due moment whose due-soon alert is still owed (``next_due_soon_at``) and the
earliest whose overdue alert is still owed (``next_overdue_at``), so the scheduler's scan asks the index for
exactly the dossiers with an alert to raise now — a late dossier already alerted is never read again until its
due moment moves. The bound of a round is computed from now on the one calendar (``queues.service.due_bounds``),
with the same comparisons as the alerts themselves: stored due moments, never a moment computed backwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from services.workflow.dossiers.model import ACTIVE, RETURN
from shared.clock import as_utc
from shared.domain.statuses import DossierStatus

OVERDUE, DUE_SOON_ALERT = "overdue", "due-soon"
NEXT_DUE_SOON, NEXT_OVERDUE = "next_due_soon_at", "next_overdue_at"  # derived fields the scan queries


def watched(d: dict[str, Any]) -> Iterator[tuple[str, datetime, str, dict[str, Any]]]:
    """Every due moment of the dossier that calls for alerts: (alert key, due moment, scope, event details)."""
    if d["open"] and d["appointment_due"] and d["status"] != DossierStatus.RESULT_READY:
        yield "dossier", as_utc(d["appointment_due"]), "dossier", {}
    for step in d["steps"]:
        if step["state"] == ACTIVE and step["due_at"] and step["kind"] != RETURN:
            yield (f"step:{step['code']}", as_utc(step["due_at"]), "step",
                   {"step": step["code"], "agency_code": step["agency"], "assignee": step["assignee"],
                    "step_name": step["name"]})
    for consultation in d["consultations"]:
        if consultation["answered_at"] is None:
            yield (f"consultation:{consultation['id']}", as_utc(consultation["due_at"]), "consultation",
                   {"agency_code": consultation["agency_code"]})


def raised(alerts: dict[str, Any], kind: str, key: str, due: datetime) -> bool:
    recorded = alerts.get(f"{kind}:{key}")
    return recorded is not None and as_utc(recorded) == due


def set_next_alerts(d: dict[str, Any]) -> None:
    """The earliest due moment still owed a due-soon alert, and the earliest still owed an overdue alert (None:
    nothing owed). Derived at every write, so the alert just recorded drops out in the same write."""
    alerts = d.get("alerts") or {}
    soon: list[datetime] = []
    late: list[datetime] = []
    for key, due, _, _ in watched(d):
        if raised(alerts, OVERDUE, key, due):
            continue
        late.append(due)
        if not raised(alerts, DUE_SOON_ALERT, key, due):
            soon.append(due)
    d[NEXT_DUE_SOON] = min(soon, default=None)
    d[NEXT_OVERDUE] = min(late, default=None)


def owed_query(now: datetime, soon: datetime) -> dict[str, Any]:
    """The open dossiers with an alert to raise at ``now`` (``soon``: the due-soon bound of ``now``)."""
    return {"open": True, "$or": [{NEXT_DUE_SOON: {"$lt": soon}}, {NEXT_OVERDUE: {"$lt": now}}]}
