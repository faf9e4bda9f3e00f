"""The workflow's dossier vocabulary: step states, how work finished against its due moment, the phases of a
supplementation request, and small readings of a dossier every part of the lifecycle needs.

The dossier's declared shape is ``document.py``; how it is changed is ``aggregate.py`` and ``lifecycle/``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.clock import as_utc, vn_date
from shared.domain.rulesets import RuleSet, rule_set_by_id

# step states
PENDING, ACTIVE, DONE, SKIPPED = "pending", "active", "done", "skipped"

# step kinds (the approved internal process, Circular 01/2018 Art. 8)
RECEPTION, ASSIGNMENT, APPRAISAL, REVIEW, APPROVAL, CLERICAL, INTER_AGENCY, FINANCIAL_OBLIGATION, RETURN = (
    "reception", "assignment", "appraisal", "review", "approval", "clerical", "inter_agency",
    "financial_obligation", "return")

# how a unit or the whole dossier finished against its due moment (Circular 01/2018 Art. 13, indicators 1-2)
EARLY, ON_TIME, LATE = "early", "on_time", "late"
OUTCOME_NAMES = {EARLY: "Trước hạn", ON_TIME: "Đúng hạn", LATE: "Quá hạn"}

# where an open dossier stands against the due moment of what it waits for (queue filters and badges)
DUE_SOON = "due_soon"
DUE_STATES = (ON_TIME, DUE_SOON, LATE)

# where a supplementation request was made
PHASE_RECEPTION, PHASE_APPRAISAL = "reception", "appraisal"

# how a dossier was closed before its result
REFUSED, WITHDRAWN, STOPPED = "refused", "withdrawn", "stopped"

# what a result is
APPROVAL_RESULT, REFUSAL_RESULT = "approval", "refusal"


def rules_of(dossier: dict[str, Any]) -> RuleSet:
    """The rule set the dossier was received under (it keeps it for life)."""
    return rule_set_by_id(dossier["rule_set"])


def active_steps(dossier: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in dossier["steps"] if s["state"] == ACTIVE]


def due_state_at(due: datetime | None, now: datetime, soon: datetime) -> str | None:
    """Late once the due moment has passed, due soon when it comes before ``soon`` (DUE_SOON_WORKING_HOURS of
    office time from now), else on time."""
    if due is None:
        return None
    due = as_utc(due)
    return LATE if due < now else DUE_SOON if due < soon else ON_TIME


def finish_outcome(finished: datetime, due: datetime) -> str:
    """Early if finished on an earlier day than the due one, on time if by the due moment, late after it (day
    granularity, as desks report "trước hạn / đúng hạn / quá hạn")."""
    if finished > due:
        return LATE
    return EARLY if vn_date(finished) < vn_date(due) else ON_TIME
