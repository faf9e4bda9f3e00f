"""A petition (phản ánh, kiến nghị) as the figures see it, from its facts: the newest summary the feedback service
published, its answer, the sender's rating, and whether a later petition raised it again.

Decision 766 (domain.md §6.2, group 5): a petition is *handled* when it is refused or answered; handled on time when
refused by its decision deadline (2 working days) or answered by its answer deadline (15 working days, the wait for
the sender not counted) — indicator 5.2; it counts against satisfaction when the sender rated the answer
unsatisfactory, raised it again, or it was late — indicator 5.3. An open petition is late from its answer deadline
(measured at the end of a period, like dossiers).
"""

from __future__ import annotations

from typing import Any

from services.reporting.projection.dossier import Lookup, day
from shared.clock import as_utc
from shared.domain import evaluation as ev


def derive(facts: dict[str, Any], lookup: Lookup) -> dict[str, Any] | None:
    summary = facts.get("s")
    if summary is None:
        return None  # only "raised again" is known so far
    agency = lookup.agency(summary["agency"])
    handled_at = as_utc(summary["handled_at"]) if summary.get("handled_at") else None
    status = summary["st"]
    answered = facts.get("answered")
    if status == ev.REFUSED and handled_at is not None:
        on_time = handled_at <= as_utc(summary["decide_due"])
    elif answered is not None:
        on_time = answered["on_time"]
    else:
        on_time = None
    answer_due = as_utc(summary["answer_due"]) if summary.get("answer_due") else None
    received_day = day(as_utc(summary["recv_at"]))
    handled_day = day(handled_at)
    late_day = None
    if status != ev.INFO_REQUESTED and answer_due is not None:
        late_day = max(received_day, day(answer_due))
        if handled_day is not None and (late_day >= handled_day or on_time):
            late_day = None
    rated = facts.get("rated")
    again = sorted(name for name in facts if name.startswith("again:"))
    return {
        "code": summary["code"], "title": summary["title"], "agency": summary["agency"],
        "prov": agency.get("province_code") if agency else None, "category": summary["cat"],
        "subject": summary["subject"], "dossier": summary.get("dossier"), "status": status,
        "received_at": as_utc(summary["recv_at"]), "handled_at": handled_at, "on_time": on_time,
        "received_day": received_day, "handled_day": handled_day, "late_day": late_day,
        "unsatisfied": rated is not None and rated["sat"] is False, "raised_again": bool(again),
        "conclusion": answered["conclusion"] if answered else None,
        "needs": [] if agency else [f"agency:{summary['agency']}"],
    }
