"""What an officer account may be: its roles and where it works. Officers of the one-stop desks and the
competent agencies work at an agency named by its QCVN 102:2016 code (Decree 61/2018 Art. 11-12); the public
postal service's staff work at a post office named by its six-digit code (mã bưu cục; Decision 45/2016
Art. 7) and hold no other role, since the postal service is not an administrative agency."""

from __future__ import annotations

import re

from shared.auth.roles import OFFICER_ROLES, Role
from shared.domain.identifiers import AGENCY_CODE_RE, is_agency_code

POST_OFFICE_RE = re.compile(r"^\d{6}$")
# what the field alone may be (an agency or a post office); which of the two the roles need: workplace_problems
OFFICE_RE = re.compile(rf"^(?:{AGENCY_CODE_RE.pattern.strip('^$')}|\d{{6}})$")
AGENCY_HINT = "Mã cơ quan theo QCVN 102:2016, ví dụ 000.00.12.H29."
POST_OFFICE_HINT = "Nhân viên bưu chính thuộc một bưu cục: nhập mã bưu cục gồm 6 chữ số, ví dụ 700000."


def is_post_office(code: str | None) -> bool:
    return bool(code and POST_OFFICE_RE.match(code))


def workplace_problems(roles: list[str], workplace: str) -> dict[str, list[str]]:
    """Field problems (Vietnamese) of an officer holding ``roles`` at ``workplace`` (an agency or post office
    code); empty when the account may be so."""
    problems: dict[str, list[str]] = {}
    unknown = sorted(set(roles) - {r.value for r in OFFICER_ROLES})
    if unknown or not roles:
        problems["roles"] = ["Chọn ít nhất một vai trò cán bộ." if not roles else
                             f"Không phải vai trò cán bộ: {', '.join(unknown)}."]
        return problems
    postal = Role.POSTAL_STAFF.value in roles
    if postal and set(roles) != {Role.POSTAL_STAFF.value}:
        problems["roles"] = ["Nhân viên bưu chính không kiêm vai trò khác."]
    elif postal and not is_post_office(workplace):
        problems["agency_code"] = [POST_OFFICE_HINT]
    elif not postal and not is_agency_code(workplace):
        problems["agency_code"] = [AGENCY_HINT + (" Mã bưu cục chỉ dùng cho nhân viên bưu chính."
                                                  if is_post_office(workplace) else "")]
    return problems
