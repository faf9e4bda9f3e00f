"""The legal rule sets of the one-stop mechanism, chosen by the date a dossier is received.

A dossier is handled under the rule set in force on the day it was received and keeps it for life
(domain.md §0.1, "Design consequence"): Decree 61/2018/NĐ-CP with Circular 01/2018/TT-VPCP until
30 June 2025, Decree 118/2025/NĐ-CP with Circular 03/2025/TT-VPCP from 1 July 2025 (Decree 118 Art. 1,
in force 1/7/2025).

Where the two differ, both behaviours exist and the rule set decides:
- form numbering (Circular 01/2018 Art. 9(1) vs Circular 03/2025 Appendix I; the field is inconsistent, so the
  numbers can be overridden with ``FORM_NUMBERS``);
- dossier-code format B for centrally provided services (Circular 03/2025 Art. 13(3), added by Circular
  04/2025 Art. 23(2) from 25/1/2026);
- a stop notice when processing stops at the applicant's request (Decree 118/2025 Art. 21; Circular 03/2025
  Art. 7). Decree 61 has no such procedure, but the status list every one-stop system had to show under it
  (Circular 22/2019/TT-BTTTT Art. 4(2), Appendix I) has "Công dân yêu cầu rút hồ sơ" (7): a Decree 61 dossier
  may be withdrawn while it has no result, and the withdrawal is recorded, without a stop notice;
- filing regardless of administrative boundary (Decree 118/2025 Art. 14(2), Art. 20);
- the articles a message cites (:meth:`RuleSet.cite`): a person reads the rule of their dossier's own decree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

FORM_TITLES = {
    "receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "supplement_request": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "refusal": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "control_slip": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "tracking_book": "Sổ theo dõi hồ sơ",
    "stop_notice": "Thông báo dừng giải quyết hồ sơ",
}


@dataclass(frozen=True)
class RuleSet:
    id: str
    decree: str
    circular: str
    effective_from: date
    effective_until: date | None  # inclusive; None while in force
    form_numbers: dict[str, str] = field(default_factory=dict)
    non_boundary_intake: bool = False
    stop_notice: bool = False
    code_format_b_from: date | None = None
    articles: dict[str, str] = field(default_factory=dict)

    def cite(self, rule: str) -> str:
        """The article a message about ``rule`` cites, in parentheses (empty if this rule set has none)."""
        article = self.articles.get(rule)
        return f" ({article})" if article else ""

    def form_number(self, form: str, overrides: str = "") -> str | None:
        """The form's number under this rule set (``FORM_NUMBERS`` may override:
        ``nd118-2025:apology=04,nd118-2025:stop_notice=05``); None if the rule set has no such form."""
        for item in filter(None, (part.strip() for part in overrides.split(","))):
            scope, _, assignment = item.partition(":")
            name, _, number = assignment.partition("=")
            if scope == self.id and name == form:
                return number
        return self.form_numbers.get(form)

    def uses_code_format_b(self, received_on: date) -> bool:
        return self.code_format_b_from is not None and received_on >= self.code_format_b_from


DECREE_61 = RuleSet(
    "nd61-2018", "61/2018/NĐ-CP", "01/2018/TT-VPCP", date(2018, 6, 21), date(2025, 6, 30),
    # Circular 01/2018 Art. 9(1)
    form_numbers={"receipt": "01", "supplement_request": "02", "refusal": "03", "apology": "04",
                  "control_slip": "05", "tracking_book": "06"},
    articles={
        "appraisal_supplement": "Nghị định 61/2018/NĐ-CP Điều 19 khoản 4",
        "refusal_after_appraisal": "Nghị định 61/2018/NĐ-CP Điều 19 khoản 8",
        "extension": "Nghị định 61/2018/NĐ-CP Điều 19 khoản 9",
        "early_return": "Nghị định 61/2018/NĐ-CP Điều 20 khoản 4",
        # no "withdrawal": Decree 61 has no stop procedure (the module's docstring says what it allows)
    },
)
DECREE_118 = RuleSet(
    "nd118-2025", "118/2025/NĐ-CP", "03/2025/TT-VPCP", date(2025, 7, 1), None,
    # Circular 03/2025 Appendix I as cited by provincial decisions (01, 02, 03, 06 confirmed; 04, 05, 07
    # reported by one source: domain.md §3.1)
    form_numbers={"receipt": "01", "supplement_request": "02", "refusal": "03", "apology": "04",
                  "stop_notice": "05", "control_slip": "06", "tracking_book": "07"},
    non_boundary_intake=True,
    stop_notice=True,
    # Decree 118 Art. 19 succeeds Decree 61 Art. 19; its clause numbering is not confirmed (domain.md §2.6), so
    # only the article is cited.
    articles={
        "appraisal_supplement": "Nghị định 118/2025/NĐ-CP Điều 19",
        "refusal_after_appraisal": "Nghị định 118/2025/NĐ-CP Điều 19",
        "extension": "Nghị định 118/2025/NĐ-CP Điều 19",
        "early_return": "Nghị định 118/2025/NĐ-CP Điều 22",
        "withdrawal": "Nghị định 118/2025/NĐ-CP Điều 21; Thông tư 03/2025/TT-VPCP Điều 7",
    },
    code_format_b_from=date(2026, 1, 25),
)

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
