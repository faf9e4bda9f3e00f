"""Who acts: a person (applicant, officer) or a system, as every service sees them after verifying a token."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.auth.roles import PrincipalKind


@dataclass(frozen=True)
class Principal:
    subject: str
    kind: PrincipalKind
    roles: frozenset[str] = field(default_factory=frozenset)
    agency_code: str | None = None
    name: str | None = None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))
