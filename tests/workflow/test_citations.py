"""Every legal message cites the dossier's own rule set: a dossier received under Decree 61/2018 is told
Decree 61's articles, one received under Decree 118/2025 Decree 118's (shared/domain/rulesets.py, ``cite``).

Each guard of the lifecycle that names a rule is driven under both rule sets, on the same weekdays: Monday
2 June 2025 (Decree 61) and Monday 2 March 2026 (Decree 118), neither with a holiday in the fortnight after."""

from __future__ import annotations

import ast
import pathlib
import re
from datetime import timedelta

import pytest

from services.workflow.dossiers import lifecycle as life
from shared.auth.roles import Role
from shared.domain.errors import Conflict
from shared.domain.rulesets import DECREE_61, DECREE_118, RuleSet
from tests.workflow.lifecycle_support import act, filed, officer, owner_of, vn

HEALTH = "000.00.15.H11"
head = officer(HEALTH, Role.AGENCY_HEAD)
specialist = officer(HEALTH, Role.SPECIALIST, subject="chuyen-vien-1")
clerk = officer(HEALTH, Role.CLERK)
STARTS = {DECREE_61.id: vn(2025, 6, 2, 8), DECREE_118.id: vn(2026, 3, 2, 8)}


def _processing(start):
    d = filed("1.001806", at=start)
    act(d, life.accept, officer(d["receiving_agency_code"], Role.COUNTER_OFFICER), start, presented=[], note=None,
        receipt_requested=False)
    act(d, life.assign, head, start + timedelta(hours=1), assignee=specialist.subject, assignee_name="Chuyên viên")
    return d


def _complete(d, actor, at, result=None):
    act(d, life.complete_step, actor, at, step_code=None, note=None, next_assignee=None, next_assignee_name=None,
        result=result, obligation=None)


def _ready(start):
    d = _processing(start)
    for actor in (specialist, head, head):
        _complete(d, actor, start + timedelta(days=8, hours=1))
    _complete(d, clerk, start + timedelta(days=8, hours=2), result={
        "number": "125/QĐ-SYT", "signer": "Giám đốc Sở Y tế", "signed_at": start + timedelta(days=8)})
    return d


def _refused(command, d, *args, **kwargs) -> str:
    with pytest.raises(Conflict) as refused:
        act(d, command, *args, **kwargs)
    return refused.value.message


def early_return(start) -> str:
    d = _ready(start)
    desk = officer(d["receiving_agency_code"], Role.COUNTER_OFFICER)
    return _refused(life.return_result, d, desk, start + timedelta(days=9, hours=1), method="counter",
                    recipient=None, returned_at=None)


def late_apology(start) -> str:
    d = _processing(start)  # due 14 days later at 08:00: the day before is too late
    return _refused(life.extend, d, head, start + timedelta(days=13, hours=1), reason="Chờ xác minh",
                    new_due=start + timedelta(days=18, hours=8))


def second_extension(start) -> str:
    d = _processing(start)
    act(d, life.extend, head, start + timedelta(days=10, hours=1), reason="Chờ xác minh",
        new_due=start + timedelta(days=18, hours=8))
    return _refused(life.extend, d, head, start + timedelta(days=11, hours=1), reason="Chờ thêm",
                    new_due=start + timedelta(days=24, hours=8))


ITEMS = [{"component_code": None, "name": "Giấy xác nhận", "reason": "Hết hạn"}]


def appraisal_supplement_too_late(start) -> str:
    d = _processing(start)
    return _refused(life.request_supplement, d, specialist, start + timedelta(days=3, hours=1), items=ITEMS,
                    override_reason=None)


def clock_restarted(start) -> str:
    d = _processing(start)
    act(d, life.request_supplement, specialist, start + timedelta(days=2, hours=1), items=ITEMS, override_reason=None)
    act(d, life.supply, owner_of(d), start + timedelta(days=7, hours=2), note=None, attachments=[])
    return d["deadline_history"][-1]["reason"]


def refused_after_the_deadline(start) -> str:
    d = _processing(start)
    act(d, life.refuse, specialist, start + timedelta(days=21, hours=1), reasons=["Không đủ điều kiện"])
    return next(reason for reason in d["late_reasons"] if reason.startswith("Từ chối"))


def withdrawn_after_the_result(start) -> str:
    d = _ready(start)
    return _refused(life.withdraw, d, owner_of(d), start + timedelta(days=9), reason="Không còn nhu cầu")


GUARDS = [early_return, late_apology, second_extension, appraisal_supplement_too_late, clock_restarted,
          refused_after_the_deadline, withdrawn_after_the_result]
OTHER = {DECREE_61.id: DECREE_118, DECREE_118.id: DECREE_61}


def _cites_only(message: str, own: RuleSet) -> list[str]:
    other = OTHER[own.id]
    assert other.decree not in message and other.circular not in message, message
    cited = [c.rstrip(").;,") for c in re.findall(r"(?:Nghị định|Thông tư) (\S+)", message)]
    assert cited and all(c in (own.decree, own.circular) for c in cited), message
    return cited


@pytest.mark.parametrize("guard", GUARDS, ids=lambda g: g.__name__)
@pytest.mark.parametrize("rule_set", [DECREE_61, DECREE_118], ids=lambda r: r.id)
def test_a_legal_message_cites_the_dossiers_own_rule_set(guard, rule_set):
    message = guard(STARTS[rule_set.id])
    if guard is withdrawn_after_the_result and rule_set is DECREE_61:
        assert "Nghị định" not in message and "Thông tư" not in message  # Decree 61 has no stop rule to cite
    else:
        _cites_only(message, rule_set)


def test_the_articles_each_rule_set_cites():
    """What a person reads: the exact article for the two rules whose article moved between the decrees."""
    assert early_return(STARTS[DECREE_61.id]).endswith("(Nghị định 61/2018/NĐ-CP Điều 20 khoản 4).")
    assert early_return(STARTS[DECREE_118.id]).endswith("(Nghị định 118/2025/NĐ-CP Điều 22).")
    assert withdrawn_after_the_result(STARTS[DECREE_118.id]).endswith(
        "(Nghị định 118/2025/NĐ-CP Điều 21; Thông tư 03/2025/TT-VPCP Điều 7).")
    assert late_apology(STARTS[DECREE_61.id]).endswith("(Nghị định 61/2018/NĐ-CP Điều 19 khoản 9).")


def test_a_decree_61_dossier_may_be_withdrawn_without_a_stop_notice():
    """Circular 22/2019/TT-BTTTT Appendix I has the applicant's withdrawal (status 7) under Decree 61; the stop
    notice is Decree 118's (Art. 21; Circular 03/2025 Art. 7)."""
    old, new = _processing(STARTS[DECREE_61.id]), _processing(STARTS[DECREE_118.id])
    for d, start in ((old, STARTS[DECREE_61.id]), (new, STARTS[DECREE_118.id])):
        act(d, life.withdraw, owner_of(d), start + timedelta(days=1), reason="Không còn nhu cầu")
        assert d["status"] == 7 and d["closure"]["kind"] == "withdrawn"
    assert "stop_notice" not in old["forms"] and "stop_notice" in new["forms"]


def test_no_message_names_a_decree_or_circular_except_through_the_rule_set():
    """A literal citation in code would be right for one rule set only: every decree and circular number a
    message shows comes from shared/domain/rulesets.py (docstrings and comments may cite freely)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    found = []
    for path in [*root.joinpath("services").rglob("*.py"), *root.joinpath("shared").rglob("*.py")]:
        if path.name == "rulesets.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        found += [f"{path.relative_to(root)}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                  and re.search(r"\d+/20\d\d/(NĐ-CP|TT-)", node.value)]
    assert found == []
