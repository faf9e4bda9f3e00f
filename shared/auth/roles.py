"""Who can act: the kinds of principal and the roles of officers (Decree 61/2018 Art. 11-12 and 19:
one-stop counter officers receive and return, the agency head assigns, specialists appraise, leaders
decide, the clerical office registers and sends results)."""

from __future__ import annotations

from enum import StrEnum


class PrincipalKind(StrEnum):
    APPLICANT = "applicant"  # a citizen or an organisation's representative
    OFFICER = "officer"      # a civil servant of an agency, or postal staff working for one
    SERVICE = "service"      # another motcua service or a trusted system


class Role(StrEnum):
    APPLICANT = "applicant"
    COUNTER_OFFICER = "counter_officer"  # cán bộ một cửa
    AGENCY_HEAD = "agency_head"          # lãnh đạo cơ quan: assigns and decides
    SPECIALIST = "specialist"            # chuyên viên: appraises
    CLERK = "clerk"                      # văn thư: registers and sends results
    MANAGER = "manager"                  # giám sát: follows on-time rates and indicators
    POSTAL_STAFF = "postal_staff"        # nhân viên bưu chính công ích
    ADMIN = "admin"                      # system administration: catalogue, accounts


OFFICER_ROLES = frozenset(Role) - {Role.APPLICANT}

VIETNAMESE_NAMES = {
    Role.APPLICANT: "Tổ chức, cá nhân",
    Role.COUNTER_OFFICER: "Cán bộ một cửa",
    Role.AGENCY_HEAD: "Lãnh đạo cơ quan",
    Role.SPECIALIST: "Chuyên viên xử lý",
    Role.CLERK: "Văn thư",
    Role.MANAGER: "Cán bộ giám sát",
    Role.POSTAL_STAFF: "Nhân viên bưu chính",
    Role.ADMIN: "Quản trị hệ thống",
}
