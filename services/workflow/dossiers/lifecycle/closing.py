"""Ending a dossier before its result: the applicant withdraws, or the competent agency stops processing."""

from __future__ import annotations

from typing import Any

from services.workflow.dossiers.lifecycle import steps
from services.workflow.dossiers.lifecycle.access import require_officer_of, require_owner
from services.workflow.dossiers.model import STOPPED, WITHDRAWN, rules_of
from shared.auth.roles import Role
from shared.domain.changes import Change, Context
from shared.domain.errors import Conflict
from shared.domain.statuses import FINAL, DossierStatus

S = DossierStatus


def withdraw(d: dict[str, Any], ctx: Context, *, reason: str) -> Change:
    """The applicant asks to stop, allowed while no decision or result exists. Under Decree 118 a stop notice is
    issued (Decree 118/2025 Art. 21; Circular 03/2025 Art. 7). Decree 61 has no stop procedure; its era's status
    list (Circular 22/2019/TT-BTTTT Art. 4(2), Appendix I) has the applicant's withdrawal (status 7), so a
    Decree 61 dossier without a result is withdrawn and that is recorded, without a notice
    (:mod:`shared.domain.rulesets`)."""
    require_owner(d, ctx)
    return _close(d, ctx, status=S.WITHDRAWN, reason=reason, kind=WITHDRAWN, action="Công dân yêu cầu rút hồ sơ")


def stop(d: dict[str, Any], ctx: Context, *, reason: str) -> Change:
    """The competent agency stops processing (status 8), e.g. at the applicant's written request received at
    the desk, or when the law no longer allows it to continue; a stop notice under Decree 118."""
    require_officer_of(ctx, {d["competent_agency_code"], d["receiving_agency_code"]}, (Role.AGENCY_HEAD,))
    return _close(d, ctx, status=S.STOPPED, reason=reason, kind=STOPPED, action="Dừng xử lý hồ sơ")


def _close(d: dict[str, Any], ctx: Context, *, status: DossierStatus, reason: str, kind: str,
           action: str) -> Change:
    if DossierStatus(d["status"]) in FINAL or d["status"] == S.RESULT_READY or d["result"]:
        raise Conflict(f"Hồ sơ đã có kết quả hoặc đã kết thúc: không dừng được{rules_of(d).cite('withdrawal')}.")
    steps.skip_open_steps(d)
    for clock_stop in d["clock"]["stops"]:
        clock_stop["end"] = clock_stop["end"] or ctx.now
    d["closure"] = {"kind": kind, "at": ctx.now, "by": ctx.actor.subject, "reason": reason}
    if rules_of(d).stop_notice:
        steps.issue_form(d, "stop_notice", reason=reason)
    steps.set_status(d, status)
    change = Change()
    change.emit(kind, reason=reason, stop_notice=bool(d["forms"].get("stop_notice")))
    steps.log(d, ctx, action)
    return change
