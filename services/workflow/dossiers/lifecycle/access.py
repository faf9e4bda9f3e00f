"""Who may act on a dossier now: the step's role and agency (and assignee), the officers of the agencies
concerned, the applicant who owns it. Checked by every command, after the endpoint's own policy."""

from __future__ import annotations

from typing import Any

from services.workflow.dossiers.model import ACTIVE, RECEPTION
from shared.auth.roles import VIETNAMESE_NAMES, PrincipalKind, Role
from shared.domain.changes import Context
from shared.domain.errors import Conflict, Forbidden
from shared.domain.statuses import DossierStatus


def current_step(d: dict[str, Any], ctx: Context, *, kinds: tuple[str, ...],
                 statuses: tuple[DossierStatus, ...]) -> dict[str, Any]:
    """The step of one of ``kinds`` this officer acts on, while the dossier is in one of ``statuses``."""
    if d["status"] not in statuses:
        raise Conflict(f"Không thực hiện được khi hồ sơ ở trạng thái {DossierStatus(d['status']).vietnamese}.")
    if kinds == (RECEPTION,):
        step = d["steps"][0]
        require_officer_of(ctx, {step["agency"]}, (Role(step["role"]),))
        return step
    return authorised_step([s for s in d["steps"] if s["state"] == ACTIVE and s["kind"] in kinds], ctx)


def authorised_step(candidates: list[dict[str, Any]], ctx: Context) -> dict[str, Any]:
    """The active step this officer may act on: their role, their agency, and the assignee if one was named."""
    if not candidates:
        raise Conflict("Hồ sơ không có bước nào đang chờ thao tác này.")
    principal = ctx.actor
    if principal.kind is not PrincipalKind.OFFICER:
        raise Forbidden("Chỉ cán bộ xử lý bước này mới thực hiện được.")
    for step in candidates:
        if step["agency"] == principal.agency_code and principal.has_role(step["role"]) and (
                step["assignee"] in (None, principal.subject)):
            return step
    step = candidates[0]
    raise Forbidden(f"Bước “{step['name']}” do {VIETNAMESE_NAMES[Role(step['role'])].lower()} của "
                    f"{step.get('agency_name') or 'cơ quan khác'} xử lý"
                    + (" (đã phân công cho người khác)." if step["assignee"] else "."))


def require_officer_of(ctx: Context, agencies: set[str], roles: tuple[Role, ...]) -> None:
    principal = ctx.actor
    if principal.kind is not PrincipalKind.OFFICER or principal.agency_code not in agencies \
            or not principal.has_role(*roles):
        raise Forbidden("Cán bộ không có thẩm quyền thực hiện thao tác này với hồ sơ.")


def require_owner(d: dict[str, Any], ctx: Context) -> None:
    if ctx.actor.kind is not PrincipalKind.APPLICANT or ctx.actor.subject != d["owner_account_id"]:
        raise Forbidden("Chỉ người nộp hồ sơ thực hiện được thao tác này.")
