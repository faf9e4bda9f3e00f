"""Running the dossier's lifecycle: the filed dossier made the workflow's, commands run for officers and
applicants (409 when someone changed the dossier first: two officers acting on one dossier, one wins) and for
background work (re-run on the fresh state), and the reads the API and the policies need."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.database import Database

from services.workflow.calendar.service import current_calendar
from services.workflow.catalogue import service as catalogue
from services.workflow.dossiers.aggregate import Dossiers
from services.workflow.dossiers.document import new_dossier
from services.workflow.dossiers.lifecycle.deadlines import open_reception, step_deadline
from services.workflow.dossiers.model import RETURN
from services.workflow.storage import DOSSIERS, PROCEDURES
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.bus.consumer import PermanentError
from shared.calendar import WorkingCalendar
from shared.domain.catalogue import PUBLISHED_VERSION
from shared.domain.changes import Context
from shared.events import Event
from shared.storage.aggregate import ANSWER, RETRY, Command, Runner, context

SYSTEM = Principal(subject="system", kind=PrincipalKind.SERVICE, name="Hệ thống")
DOSSIERS_AGGREGATE = Dossiers()


def runner(db: Database, settings, *, background: bool = False) -> Runner:
    """Commands of people answer 409 on a conflict; background work (consumers, scheduler) runs again."""
    return Runner(db, DOSSIERS_AGGREGATE, settings, on_conflict=RETRY if background else ANSWER)


def context_for(db: Database, settings, actor: Principal) -> Context:
    return context(actor, calendar=current_calendar(db, settings), settings=settings)


def execute(db: Database, settings, dossier_id: str, actor: Principal, command: Command, *,
            expected_version: int | None = None, **arguments: Any) -> dict[str, Any]:
    """Runs one lifecycle command for a person; returns the dossier as it is afterwards, explained (see
    :func:`explained`) with the calendar the command counted on: one read of the calendar a request."""
    ctx = context_for(db, settings, actor)
    dossier, _ = runner(db, settings).run(dossier_id, command, ctx, expected_version=expected_version, **arguments)
    return explained(db, settings, dossier, ctx.calendar)


def execute_in_background(db: Database, settings, dossier_id: str, actor: Principal, command: Command,
                          **arguments: Any) -> dict[str, Any]:
    dossier, _ = runner(db, settings, background=True).run(dossier_id, command, context_for(db, settings, actor),
                                                           **arguments)
    return dossier


def on_submitted(db: Database, settings, event: Event, payload: dict[str, Any]) -> bool:
    """A filed dossier becomes the workflow's (status 1, waiting at the receiving desk), under the procedure
    version it was filed under. Idempotent: the dossier id is the key. Returns whether it was created."""
    return on_submitted_many(db, settings, [(event, payload)]) == 1


def on_submitted_many(db: Database, settings, filings: Sequence[tuple[Event, dict[str, Any]]]) -> int:
    """:func:`on_submitted` for a poll's filings at once (the consumer's batch mode): one read of the dossiers
    that exist already, one of the procedures, one insert of the new dossiers. Nothing is written when a filing
    names a procedure version not published here (the batch is then handled one filing at a time, and that
    one goes to the DLQ). Returns how many dossiers were created."""
    ids = [event.dossier_id for event, _ in filings]
    known = {doc["_id"] for doc in db[DOSSIERS].find({"_id": {"$in": ids}}, {"_id": 1})}
    unknown = [(event, payload) for event, payload in filings if event.dossier_id not in known]
    if not unknown:
        return 0   # applied before: a redelivery
    keys = {_procedure_key(payload) for _, payload in unknown}
    procedures = {doc["_id"]: doc for doc in db[PROCEDURES].find({"_id": {"$in": sorted(keys)}})}
    for _, payload in unknown:
        procedure = procedures.get(_procedure_key(payload))
        if procedure is None or procedure["status"] != PUBLISHED_VERSION:
            raise PermanentError(f"procedure {payload['procedure_code']} v{payload['procedure_version']} is not "
                                 f"published here")
    ctx = context_for(db, settings, SYSTEM)
    names = catalogue.agency_names(db)
    new: dict[str, dict[str, Any]] = {}
    for event, payload in unknown:
        if event.dossier_id in new:
            continue   # twice in one poll
        procedure = procedures[_procedure_key(payload)]
        dossier = new_dossier(event.dossier_id, payload, procedure, names)
        open_reception(dossier, ctx)
        dossier.update(created_at=ctx.now, source_event_id=event.event_id)
        new[event.dossier_id] = dossier
    return sum(created is not None for created in runner(db, settings).create_many(list(new.values()), ctx))


def _procedure_key(payload: dict[str, Any]) -> str:
    """The procedure version a filing was made under, as the catalogue keys it."""
    return catalogue.version_id(payload["procedure_code"], payload["procedure_version"])


def get(db: Database, settings, dossier_id: str) -> dict[str, Any]:
    return runner(db, settings).get(dossier_id)


def explained(db: Database, settings, dossier: dict[str, Any],
              calendar: WorkingCalendar | None = None) -> dict[str, Any]:
    """The dossier with each started step's deadline explained (the appointment carries its own), counted on
    ``calendar`` (by default the current one)."""
    if calendar is None:
        calendar = current_calendar(db, settings)
    for step in dossier["steps"]:
        if step["started_at"] and step["kind"] != RETURN:
            step["due"] = step_deadline(step, calendar).to_document()
    return dossier


def owner_of(db: Database, dossier_id: str) -> str | None:
    doc = db[DOSSIERS].find_one({"_id": dossier_id}, {"owner_account_id": 1})
    return doc.get("owner_account_id") if doc else None


def agencies_of(db: Database, dossier_id: str) -> set[str] | None:
    """Every agency that takes part: the desk, the competent agency, each step's unit, consulted units."""
    doc = db[DOSSIERS].find_one({"_id": dossier_id}, {"receiving_agency_code": 1, "competent_agency_code": 1,
                                                      "steps": 1, "consultations": 1})
    if doc is None:
        return None
    return ({doc["receiving_agency_code"], doc["competent_agency_code"]} | {s["agency"] for s in doc["steps"]}
            | {c["agency_code"] for c in doc.get("consultations", [])})
