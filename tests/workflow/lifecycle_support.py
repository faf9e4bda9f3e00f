"""Driving the dossier lifecycle directly (no database, no Kafka): dossiers filed at chosen moments, officers
acting at chosen moments, on the shipped calendar. ``act`` does what the aggregate runner does before it writes:
runs the command on the dossier, then derives the derived fields (queue, form stamps, status history)."""

from __future__ import annotations

import copy
import uuid
from datetime import datetime

from services.workflow.dossiers.aggregate import Dossiers
from services.workflow.dossiers.document import new_dossier
from services.workflow.dossiers.lifecycle.deadlines import open_reception
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.calendar import calendar_for
from shared.clock import VN_TZ
from shared.config import Settings
from shared.domain.catalogue import ProcedureSchema
from shared.domain.changes import Change, Context
from shared.domain.rulesets import rule_set_for
from tests.support import catalogue, factories

SETTINGS = Settings()
CALENDAR = calendar_for(SETTINGS)
AGGREGATE = Dossiers()


def vn(y, m, d, hh=8, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def procedure(code: str, **changes) -> dict:
    """A seed procedure version in the form the workflow stores it (JSON form)."""
    dumped = ProcedureSchema().dump({**catalogue.seed_procedure(code), **changes})
    return {**dumped, "version": 1, "status": "published", "valid_from": "2024-01-01", "valid_until": None}


def filed(code: str, *, at: datetime, receiving: str | None = None, owner: str | None = None,
          procedure_doc: dict | None = None, **overrides) -> dict:
    proc = procedure_doc or procedure(code)
    receiving = receiving or proc["receiving_agency_codes"][0]
    event = factories.submitted_event(receiving_agency_code=receiving, procedure_code=code, owner=owner, **overrides)
    payload = {**event.payload, "submitted_at": at, "rule_set": rule_set_for(at.date()).id,
               "attachments": [{"component": c["name"], "component_code": c["code"], "file_name": f"{c['code']}.pdf",
                                "media_type": "application/pdf", "size_bytes": 1000, "sha256": "ab" * 32,
                                "copy_kind": "original"} for c in proc["components"]]}
    dossier = new_dossier(str(uuid.uuid4()), payload, proc)
    ctx = Context(factories.applicant_principal(), at, CALENDAR, SETTINGS)
    open_reception(dossier, ctx)
    AGGREGATE.derive(None, dossier, ctx)
    return dossier


def officer(agency: str, *roles: Role, subject: str | None = None) -> Principal:
    return Principal(subject=subject or f"officer-{uuid.uuid4().hex[:6]}", kind=PrincipalKind.OFFICER,
                     roles=frozenset(roles), agency_code=agency, name="Cán bộ thử nghiệm")


def owner_of(d: dict) -> Principal:
    return Principal(subject=d["owner_account_id"], kind=PrincipalKind.APPLICANT, roles=frozenset({Role.APPLICANT}))


def act(d: dict, command, actor: Principal, when: datetime, calendar=CALENDAR, **arguments) -> Change:
    ctx = Context(actor, when, calendar, SETTINGS)
    before = copy.deepcopy(d)
    change = command(d, ctx, **arguments)
    AGGREGATE.derive(before, d, ctx)
    return change


def step(d: dict, code: str) -> dict:
    return next(s for s in d["steps"] if s["code"] == code)


def local(moment: datetime) -> datetime:
    return moment.astimezone(VN_TZ)
