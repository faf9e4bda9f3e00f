"""The catalogue: agencies and versioned procedures (draft → published with a validity window).

A published version never changes: a change is a new version, published with the date it takes effect. The
version in force on a day is the highest published version whose window contains that day, so a new version
closes its predecessor without touching it. Dossiers copy the version they were received under, so editing
the catalogue never changes running dossiers. Every publication is written with its event (outbox) and reaches
the other services' read copies through Kafka.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo.database import Database

from services.workflow.catalogue.documents import AGENCIES_DECLARED, PROCEDURES_DECLARED
from services.workflow.catalogue.registry import PUBLISHED, RegistryEntry, runner, save_entry
from services.workflow.catalogue.rules import process_problems
from services.workflow.storage import AGENCIES, PROCEDURES
from shared.auth.principal import Principal
from shared.clock import utc_now, vn_date
from shared.domain.catalogue import DRAFT, PUBLISHED_VERSION, AgencySchema, ProcedureSchema
from shared.domain.changes import Change, Context
from shared.domain.errors import Conflict, NotFound, Rejected
from shared.domain.idempotency import scoped
from shared.storage.aggregate import HIDDEN, context

_AGENCY = AgencySchema()
_PROCEDURE = ProcedureSchema()
PROCEDURE_FIELDS = tuple(ProcedureSchema._declared_fields)


class Agencies(RegistryEntry):
    declared = AGENCIES_DECLARED
    noun = "Cơ quan"
    event_name = "catalogue.agency-published"
    aggregate_prefix = "agency"


class Procedures(RegistryEntry):
    """A procedure version: a draft, then published once with its validity window; publishing emits it. Its
    ``version`` is the procedure's version number (a legal fact); the document's own is ``revision``."""

    declared = PROCEDURES_DECLARED
    revision_field = "revision"
    noun = "Phiên bản thủ tục"
    event_name = "catalogue.procedure-published"
    aggregate_prefix = "procedure"

    def event(self, doc, version, name, details, ctx):
        event = super().event(doc, version, name, details, ctx)
        return event.__class__(**{**event.__dict__, "aggregate_id": f"procedure:{doc['code']}"})


AGENCY_ENTRIES, PROCEDURE_ENTRIES = Agencies(), Procedures()


# -- agencies --------------------------------------------------------------------------------------------------

def save_agency(db: Database, settings, agency: dict[str, Any], actor: Principal) -> tuple[dict[str, Any], bool]:
    """Adds or changes an agency; returns it and whether anything changed (and was published)."""
    fields = _AGENCY.dump(agency)
    return save_entry(db, settings, AGENCY_ENTRIES, fields["code"], fields, actor)


def agency(db: Database, code: str) -> dict[str, Any]:
    found = db[AGENCIES].find_one({"_id": code}, HIDDEN)
    if found is None:
        raise NotFound(f"Không có cơ quan {code} trong danh mục.")
    return found


def agencies(db: Database) -> list[dict[str, Any]]:
    return list(db[AGENCIES].find({}, HIDDEN).sort("_id", 1))


def procedures_of(db: Database, code: str) -> dict[str, list[dict[str, Any]]]:
    """The procedures (in force today) an agency receives and those it decides."""
    agency(db, code)
    current = current_procedures(db)
    return {"receives": [p for p in current if code in p["receiving_agency_codes"]],
            "decides": [p for p in current if p["competent_agency_code"] == code]}


def agency_names(db: Database) -> dict[str, str]:
    """Every registered agency's name by its code."""
    return {doc["_id"]: doc["name"] for doc in db[AGENCIES].find({}, {"name": 1})}


def agency_name(db: Database, code: str) -> str | None:
    found = db[AGENCIES].find_one({"_id": code}, {"name": 1})
    return found["name"] if found else None


def known_agency_codes(db: Database) -> set[str]:
    return {doc["_id"] for doc in db[AGENCIES].find({}, {"_id": 1})}


# -- procedures ------------------------------------------------------------------------------------------------

def version_id(code: str, version: int) -> str:
    """The key of a procedure version (its ``_id`` in the catalogue)."""
    return f"{code}@{version}"


def create_draft(db: Database, settings, procedure: dict[str, Any], actor: Principal,
                 idempotency_key: str | None = None) -> tuple[dict[str, Any], bool]:
    """A new draft version of a procedure (the next version number); returns it and whether it is new (the same
    ``Idempotency-Key`` again returns the draft it made)."""
    fields = _PROCEDURE.dump(procedure)
    ctx = context(actor, settings=settings)
    key = scoped(actor.subject, idempotency_key)
    if key and (existing := db[PROCEDURES].find_one({"idempotency_key": key}, HIDDEN)):
        return existing, False
    for _ in range(5):
        existing = [d["version"] for d in db[PROCEDURES].find({"code": fields["code"]}, {"version": 1})]
        number = max(existing, default=0) + 1
        draft = runner(db, settings, PROCEDURE_ENTRIES).create({
            "_id": version_id(fields["code"], number), **fields, "version": number, "status": DRAFT,
            "valid_from": None, "valid_until": None, "published_at": None, "created_at": ctx.now,
            "updated_by": actor.subject, "idempotency_key": key or f"{actor.subject}:{fields['code']}@{number}"}, ctx)
        if draft is not None:
            return draft, True
        if key and (existing := db[PROCEDURES].find_one({"idempotency_key": key}, HIDDEN)):
            return existing, False  # a concurrent retry with the same key won
        # another draft took this number meanwhile
    raise Conflict("Không tạo được phiên bản mới; vui lòng thử lại.")


def update_draft(db: Database, settings, code: str, version: int, procedure: dict[str, Any],
                 actor: Principal) -> dict[str, Any]:
    fields = _PROCEDURE.dump(procedure)
    if fields["code"] != code:
        raise Rejected("Không đổi được mã thủ tục của một phiên bản.", {"json": {"code": [f"Phải là {code}."]}})
    saved, _ = runner(db, settings, PROCEDURE_ENTRIES).run(version_id(code, version), _edit_draft,
                                                            context(actor, settings=settings), fields=fields)
    return saved


def _edit_draft(doc: dict[str, Any], ctx: Context, *, fields: dict[str, Any]) -> Change:
    if doc["status"] != DRAFT:
        raise Conflict("Chỉ sửa được bản nháp; phiên bản đã công bố không thay đổi, hãy tạo phiên bản mới.")
    doc.update(fields)
    doc["updated_by"] = ctx.actor.subject
    return Change()


def publish(db: Database, settings, code: str, version: int, *, valid_from: date, valid_until: date | None,
            actor: Principal) -> dict[str, Any]:
    """Publishes a draft once its internal process is sound (rules.process_problems)."""
    published, _ = runner(db, settings, PROCEDURE_ENTRIES).run(
        version_id(code, version), _publish, context(actor, settings=settings), valid_from=valid_from,
        valid_until=valid_until, known_agencies=known_agency_codes(db))
    return published


def _publish(doc: dict[str, Any], ctx: Context, *, valid_from: date, valid_until: date | None,
             known_agencies: set[str]) -> Change:
    if doc["status"] != DRAFT:
        raise Conflict(f"Phiên bản {doc['version']} của thủ tục {doc['code']} đã được công bố.")
    if valid_until is not None and valid_until < valid_from:
        raise Rejected("Ngày hết hiệu lực phải sau ngày có hiệu lực.",
                       {"json": {"valid_until": ["Phải sau ngày có hiệu lực."]}})
    problems = process_problems(_PROCEDURE.load({k: doc[k] for k in PROCEDURE_FIELDS}), known_agencies)
    if problems:
        raise Rejected("Quy trình nội bộ chưa hợp lệ, chưa công bố được.", {"json": problems})
    doc.update(status=PUBLISHED_VERSION, valid_from=valid_from.isoformat(),
               valid_until=valid_until.isoformat() if valid_until else None, published_at=ctx.now,
               updated_by=ctx.actor.subject)
    change = Change()
    change.emit(PUBLISHED)
    return change


def procedure_version(db: Database, code: str, version: int) -> dict[str, Any]:
    found = db[PROCEDURES].find_one({"_id": version_id(code, version)}, HIDDEN)
    if found is None:
        raise NotFound(f"Không có phiên bản {version} của thủ tục {code}.")
    return found


def versions(db: Database, code: str) -> list[dict[str, Any]]:
    found = list(db[PROCEDURES].find({"code": code}, HIDDEN).sort("version", 1))
    if not found:
        raise NotFound(f"Không có thủ tục {code} trong danh mục.")
    return found


def drafts(db: Database) -> list[dict[str, Any]]:
    return list(db[PROCEDURES].find({"status": DRAFT}, HIDDEN).sort([("code", 1), ("version", 1)]))


def in_force(candidates: list[dict[str, Any]], on: date) -> dict[str, Any] | None:
    """Of a procedure's versions, the one in force on ``on``: the highest published version whose validity
    window contains the day."""
    day = on.isoformat()
    eligible = [v for v in candidates if v["status"] == PUBLISHED_VERSION and v["valid_from"] <= day
                and (v["valid_until"] is None or day <= v["valid_until"])]
    return max(eligible, key=lambda v: v["version"], default=None)


def version_in_force(db: Database, code: str, on: date) -> dict[str, Any] | None:
    return in_force(list(db[PROCEDURES].find({"code": code, "status": PUBLISHED_VERSION}, HIDDEN)), on)


def current_procedures(db: Database, on: date | None = None) -> list[dict[str, Any]]:
    """Every procedure's version in force today (or ``on``)."""
    on = on or vn_date(utc_now())
    by_code: dict[str, list[dict[str, Any]]] = {}
    for doc in db[PROCEDURES].find({"status": PUBLISHED_VERSION}, HIDDEN):
        by_code.setdefault(doc["code"], []).append(doc)
    return [v for code in sorted(by_code) if (v := in_force(by_code[code], on))]


# -- import ----------------------------------------------------------------------------------------------------

def import_catalogue(db: Database, settings, data: dict[str, Any], actor: Principal) -> dict[str, list[str]]:
    """Agencies first, then procedures: a procedure identical to its version in force on its ``valid_from`` is
    left alone, anything else becomes a new published version. Returns what changed."""
    report: dict[str, list[str]] = {"agencies": [], "procedures": [], "unchanged": []}
    for item in data.get("agencies", []):
        _, changed = save_agency(db, settings, item, actor)
        (report["agencies"] if changed else report["unchanged"]).append(item["code"])
    for item in data.get("procedures", []):
        valid_from = date.fromisoformat(item["valid_from"])
        procedure = item["procedure"]
        current = version_in_force(db, procedure["code"], valid_from)
        if current is not None and {k: current.get(k, []) for k in PROCEDURE_FIELDS} == _PROCEDURE.dump(procedure):
            report["unchanged"].append(procedure["code"])
            continue
        draft, _ = create_draft(db, settings, procedure, actor)
        publish(db, settings, procedure["code"], draft["version"], valid_from=valid_from,
                valid_until=date.fromisoformat(item["valid_until"]) if item.get("valid_until") else None,
                actor=actor)
        report["procedures"].append(f"{procedure['code']}@{draft['version']}")
    return report
