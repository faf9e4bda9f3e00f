"""The legal rule sets of the one-stop mechanism, chosen by the date a dossier is received.

A dossier is handled under the rule set in force on the day it was received and keeps it for life
(domain.md §0.1, "Design consequence"): Decree 61/2018/NĐ-CP with Circular 01/2018/TT-VPCP until
30 June 2025, Decree 118/2025/NĐ-CP with Circular 03/2025/TT-VPCP from 1 July 2025 (Decree 118 Art. 1,
in force 1/7/2025).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RuleSet:
    id: str
    decree: str
    circular: str
    effective_from: date
    effective_until: date | None  # inclusive; None while in force


DECREE_61 = RuleSet("nd61-2018", "61/2018/NĐ-CP", "01/2018/TT-VPCP", date(2018, 6, 21), date(2025, 6, 30))
DECREE_118 = RuleSet("nd118-2025", "118/2025/NĐ-CP", "03/2025/TT-VPCP", date(2025, 7, 1), None)

RULE_SETS = (DECREE_61, DECREE_118)


def rule_set_for(received_on: date) -> RuleSet:
    for rule_set in RULE_SETS:
        if rule_set.effective_from <= received_on and (
            rule_set.effective_until is None or received_on <= rule_set.effective_until
        ):
            return rule_set
    raise ValueError(f"no one-stop rule set was in force on {received_on:%d/%m/%Y}")


def rule_set_by_id(rule_set_id: str) -> RuleSet:
    for rule_set in RULE_SETS:
        if rule_set.id == rule_set_id:
            return rule_set
    raise KeyError(rule_set_id)
