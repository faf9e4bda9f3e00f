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
from pymongo.errors import DuplicateKeyError

from services.workflow import SERVICE
from services.workflow.catalogue.registry import save_entry, unchanged
from services.workflow.catalogue.rules import process_problems
from services.workflow.storage import AGENCIES, PROCEDURES
from shared.clock import utc_now, vn_date
from shared.domain.catalogue import AgencySchema, ProcedureSchema, ProcedureVersionSchema
from shared.domain.errors import Conflict, NotFound, Rejected
from shared.events import new_event
from shared.storage.outbox import OUTBOX_FIELDS, Outbox

_AGENCY = AgencySchema()
_PROCEDURE = ProcedureSchema()
_VERSION = ProcedureVersionSchema()
PROCEDURE_FIELDS = tuple(ProcedureSchema._declared_fields)  # legal_basis came later: absent reads as []


# -- agencies --------------------------------------------------------------------------------------------------

def save_agency(db: Database, agency: dict[str, Any], actor: str) -> tuple[dict[str, Any], bool]:
    """Adds or changes an agency; returns it and whether anything changed (and was published)."""
    fields = _AGENCY.dump(agency)
    existing = db[AGENCIES].find_one({"_id": fields["code"]})
    if unchanged(existing, fields):
        return existing, False
    event = new_event("catalogue.agency-published", None, agency, producer=SERVICE,
                      aggregate_id=f"agency:{fields['code']}")
    saved = save_entry(db[AGENCIES], fields["code"], fields, existing,
                       {"updated_at": utc_now(), "updated_by": actor}, event, "Cơ quan")
    return saved, True


def agency(db: Database, code: str) -> dict[str, Any]:
    found = db[AGENCIES].find_one({"_id": code}, {f: 0 for f in OUTBOX_FIELDS})
    if found is None:
        raise NotFound(f"Không có cơ quan {code} trong danh mục.")
    return found


def agencies(db: Database) -> list[dict[str, Any]]:
    return list(db[AGENCIES].find({}, {f: 0 for f in OUTBOX_FIELDS}).sort("_id", 1))


def procedures_of(db: Database, code: str) -> dict[str, list[dict[str, Any]]]:
    """The procedures (in force today) an agency receives and those it decides."""
    agency(db, code)
    current = current_procedures(db)
    return {"receives": [p for p in current if code in p["receiving_agency_codes"]],
            "decides": [p for p in current if p["competent_agency_code"] == code]}


def known_agency_codes(db: Database) -> set[str]:
    return {doc["_id"] for doc in db[AGENCIES].find({}, {"_id": 1})}


# -- procedures ------------------------------------------------------------------------------------------------

def _version_id(code: str, version: int) -> str:
    return f"{code}@{version}"


def create_draft(db: Database, procedure: dict[str, Any], actor: str) -> dict[str, Any]:
    """A new draft version of a procedure (the next version number)."""
    fields = _PROCEDURE.dump(procedure)
    for _ in range(5):
        existing = [d["version"] for d in db[PROCEDURES].find({"code": fields["code"]}, {"version": 1})]
        version = max(existing, default=0) + 1
        doc = {"_id": _version_id(fields["code"], version), **fields, "version": version, "status": "draft",
               "valid_from": None, "valid_until": None, "published_at": None,
               "created_at": utc_now(), "created_by": actor}
        try:
            Outbox(db[PROCEDURES]).insert(doc, [])
            return doc
        except DuplicateKeyError:
            continue  # another draft took this number meanwhile
    raise Conflict("Không tạo được phiên bản mới; vui lòng thử lại.")


def update_draft(db: Database, code: str, version: int, procedure: dict[str, Any], actor: str) -> dict[str, Any]:
    fields = _PROCEDURE.dump(procedure)
    if fields["code"] != code:
        raise Rejected("Không đổi được mã thủ tục của một phiên bản.", {"json": {"code": [f"Phải là {code}."]}})
    result = db[PROCEDURES].update_one({"_id": _version_id(code, version), "status": "draft"},
                                       {"$set": {**fields, "updated_at": utc_now(), "updated_by": actor}})
    if not result.matched_count:
        procedure_version(db, code, version)  # 404 when it does not exist
        raise Conflict("Chỉ sửa được bản nháp; phiên bản đã công bố không thay đổi, hãy tạo phiên bản mới.")
    return procedure_version(db, code, version)


def publish(db: Database, code: str, version: int, *, valid_from: date, valid_until: date | None,
            actor: str) -> dict[str, Any]:
    """Publishes a draft once its internal process is sound (rules.process_problems)."""
    draft = procedure_version(db, code, version)
    if draft["status"] != "draft":
        raise Conflict(f"Phiên bản {version} của thủ tục {code} đã được công bố.")
    if valid_until is not None and valid_until < valid_from:
        raise Rejected("Ngày hết hiệu lực phải sau ngày có hiệu lực.",
                       {"json": {"valid_until": ["Phải sau ngày có hiệu lực."]}})
    loaded = _PROCEDURE.load({k: draft.get(k, []) for k in PROCEDURE_FIELDS})
    problems = process_problems(loaded, known_agency_codes(db))
    if problems:
        raise Rejected("Quy trình nội bộ chưa hợp lệ, chưa công bố được.", {"json": problems})
    published = {"status": "published", "valid_from": valid_from.isoformat(),
                 "valid_until": valid_until.isoformat() if valid_until else None, "published_at": utc_now(),
                 "published_by": actor}
    payload = _VERSION.load(_VERSION.dump({**{k: draft.get(k, []) for k in PROCEDURE_FIELDS}, "version": version,
                                           **published}))
    event = new_event("catalogue.procedure-published", None, payload, producer=SERVICE,
                      aggregate_id=f"procedure:{code}")
    result = Outbox(db[PROCEDURES]).update({"_id": draft["_id"], "status": "draft"}, {"$set": published}, [event])
    if not result.modified_count:
        raise Conflict(f"Phiên bản {version} của thủ tục {code} vừa được công bố bởi người khác.")
    return procedure_version(db, code, version)


def procedure_version(db: Database, code: str, version: int) -> dict[str, Any]:
    found = db[PROCEDURES].find_one({"_id": _version_id(code, version)}, {f: 0 for f in OUTBOX_FIELDS})
    if found is None:
        raise NotFound(f"Không có phiên bản {version} của thủ tục {code}.")
    return found


def versions(db: Database, code: str) -> list[dict[str, Any]]:
    found = list(db[PROCEDURES].find({"code": code}, {f: 0 for f in OUTBOX_FIELDS}).sort("version", 1))
    if not found:
        raise NotFound(f"Không có thủ tục {code} trong danh mục.")
    return found


def in_force(candidates: list[dict[str, Any]], on: date) -> dict[str, Any] | None:
    """Of a procedure's versions, the one in force on ``on``: the highest published version whose validity
    window contains the day."""
    day = on.isoformat()
    eligible = [v for v in candidates if v["status"] == "published" and v["valid_from"] <= day
                and (v["valid_until"] is None or day <= v["valid_until"])]
    return max(eligible, key=lambda v: v["version"], default=None)


def version_in_force(db: Database, code: str, on: date) -> dict[str, Any] | None:
    return in_force(list(db[PROCEDURES].find({"code": code, "status": "published"})), on)


def current_procedures(db: Database, on: date | None = None) -> list[dict[str, Any]]:
    """Every procedure's version in force today (or ``on``)."""
    on = on or vn_date(utc_now())
    by_code: dict[str, list[dict[str, Any]]] = {}
    for doc in db[PROCEDURES].find({"status": "published"}, {f: 0 for f in OUTBOX_FIELDS}):
        by_code.setdefault(doc["code"], []).append(doc)
    return [v for code in sorted(by_code) if (v := in_force(by_code[code], on))]


# -- import ----------------------------------------------------------------------------------------------------

def import_catalogue(db: Database, data: dict[str, Any], actor: str) -> dict[str, list[str]]:
    """Agencies first, then procedures: a procedure identical to its version in force on its ``valid_from`` is
    left alone, anything else becomes a new published version. Returns what changed."""
    report: dict[str, list[str]] = {"agencies": [], "procedures": [], "unchanged": []}
    for item in data.get("agencies", []):
        _, changed = save_agency(db, item, actor)
        (report["agencies"] if changed else report["unchanged"]).append(item["code"])
    for item in data.get("procedures", []):
        valid_from = date.fromisoformat(item["valid_from"])
        procedure = item["procedure"]
        current = version_in_force(db, procedure["code"], valid_from)
        if current is not None and {k: current.get(k, []) for k in PROCEDURE_FIELDS} == _PROCEDURE.dump(procedure):
            report["unchanged"].append(procedure["code"])
            continue
        draft = create_draft(db, procedure, actor)
        publish(db, procedure["code"], draft["version"], valid_from=valid_from,
                valid_until=date.fromisoformat(item["valid_until"]) if item.get("valid_until") else None,
                actor=actor)
        report["procedures"].append(f"{procedure['code']}@{draft['version']}")
    return report
