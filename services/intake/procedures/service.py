"""The read copy of agencies and procedure versions, and the filing rules that need them.

The workflow service owns the catalogue; intake keeps a copy from ``catalogue.*-published`` events, never
reading the workflow's database. Filing checks made here are those a portal makes before accepting a
submission: the procedure is published and in force, the receiving agency may receive it, and the channels
chosen are offered. Whether the dossier itself is complete is the one-stop officer's decision (workflow).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pymongo.database import Database

from services.intake.storage import CATALOGUE_AGENCIES, CATALOGUE_PROCEDURES
from shared.domain.rulesets import RuleSet
from shared.events import Event
from shared.storage.read_copy import keep_newest


def apply_agency(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {k: v for k, v in payload.items() if k != "revision"}
    return keep_newest(db[CATALOGUE_AGENCIES], payload["code"], fields, revision=payload.get("revision", 0),
                       source_event_id=event.event_id)


def apply_procedure(db: Database, event: Event, payload: dict[str, Any]) -> bool:
    fields = {**{k: v for k, v in payload.items() if k not in ("time_limit", "process", "revision")},
              "time_limit": payload["time_limit"].to_document(), "steps": len(payload["process"])}
    return keep_newest(db[CATALOGUE_PROCEDURES], f"{payload['code']}@{payload['version']}", fields,
                       revision=payload.get("revision", 0), source_event_id=event.event_id)


def agencies(db: Database, *codes: str) -> dict[str, dict[str, Any]]:
    """The agencies of ``codes`` that the read copy knows, by code, in one query (by the primary key)."""
    return {found["_id"]: found for found in db[CATALOGUE_AGENCIES].find({"_id": {"$in": sorted(set(codes))}})}


def procedure_in_force(db: Database, code: str, on: date) -> dict[str, Any] | None:
    day = on.isoformat()
    versions = [v for v in db[CATALOGUE_PROCEDURES].find({"code": code})
                if v["valid_from"] <= day and (v["valid_until"] is None or day <= v["valid_until"])]
    return max(versions, key=lambda v: v["version"], default=None)


def procedures_in_force(db: Database, on: date) -> list[dict[str, Any]]:
    codes = sorted({d["code"] for d in db[CATALOGUE_PROCEDURES].find({}, {"code": 1})})
    return [p for code in codes if (p := procedure_in_force(db, code, on))]


def _attachment_problems(procedure: dict[str, Any], attachments: list[dict[str, Any]], channel: str) -> list[str]:
    """Files must be components of the procedure. An online dossier is its electronic components (Decree 45/2020
    Art. 9; Decree 61/2018 Art. 17(2)): each required one must be attached; at the counter or by post the papers
    are checked by hand instead."""
    problems = []
    known = {c["code"] for c in procedure["components"]}
    for index, attachment in enumerate(attachments):
        code = attachment.get("component_code")
        if code and code not in known:
            problems.append(f"Tệp thứ {index + 1}: thành phần hồ sơ {code!r} không thuộc thủ tục này.")
    if channel == "online":
        attached = {a.get("component_code") for a in attachments}
        problems += [f"Thiếu thành phần bắt buộc: {c['name']}." for c in procedure["components"]
                     if c["required"] and c["code"] not in attached]
    return problems


@dataclass(frozen=True)
class Filing:
    """What a filing is checked against, each read once: the procedure version in force that day, the receiving
    and the competent agency (None where the read copy has none), and the field-level problems (Vietnamese)
    that forbid the filing."""

    procedure: dict[str, Any] | None
    receiving: dict[str, Any] | None = None
    competent: dict[str, Any] | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)


def check_filing(db: Database, submission: dict[str, Any], on: date, rule_set: RuleSet, channel: str) -> Filing:
    """The procedure version the dossier is filed under, its two agencies, and what forbids the filing."""
    problems: dict[str, list[str]] = {}
    procedure = procedure_in_force(db, submission["procedure_code"], on)
    codes = [submission["receiving_agency_code"], *([procedure["competent_agency_code"]] if procedure else [])]
    found = agencies(db, *codes)
    receiving = found.get(submission["receiving_agency_code"])
    competent = found.get(procedure["competent_agency_code"]) if procedure else None
    if procedure is None:
        problems["procedure_code"] = ["Thủ tục không có trong danh mục hoặc không còn hiệu lực vào ngày nộp."]
    if receiving is None or not receiving.get("one_stop") or not _valid_on(receiving, on):
        problems["receiving_agency_code"] = ["Cơ quan này không có bộ phận một cửa tiếp nhận hồ sơ vào ngày nộp."]
    if problems:
        return Filing(procedure, receiving, competent, problems)
    if not may_receive(procedure, receiving, competent, rule_set):
        problems["receiving_agency_code"] = [
            "Cơ quan này không tiếp nhận thủ tục này" + (
                "." if not rule_set.non_boundary_intake else
                "; thủ tục không được tiếp nhận không phụ thuộc địa giới hành chính tại cơ quan này.")]
    if channel == "online" and procedure["online"] == "none":
        problems["procedure_code"] = ["Thủ tục này chưa được cung cấp trực tuyến; vui lòng nộp trực tiếp hoặc "
                                      "qua bưu chính."]
    if channel == "post" and not procedure["post_allowed"]:
        # Decision 45/2016 Art. 1(2): not for procedures the applicant must attend in person.
        problems["procedure_code"] = ["Thủ tục này không tiếp nhận hồ sơ qua dịch vụ bưu chính công ích."]
    if submission["result_return"]["method"] == "post" and not procedure["post_allowed"]:
        problems.setdefault("result_return", []).append("Thủ tục này không trả kết quả qua bưu chính.")
    if attachments := _attachment_problems(procedure, submission.get("attachments", []), channel):
        problems["attachments"] = attachments
    return Filing(procedure, receiving, competent, problems)


def may_receive(procedure: dict[str, Any], receiving: dict[str, Any], competent: dict[str, Any] | None,
                rule_set: RuleSet) -> bool:
    """Listed receiving agencies always may. Under Decree 118/2025 a procedure published as non-boundary may
    also be filed at any one-stop centre of the competent agency's province, and is routed by competence
    (Decree 118/2025 Art. 14(2), Art. 20; domain.md §2.10)."""
    if receiving["_id"] in procedure["receiving_agency_codes"]:
        return True
    if not (rule_set.non_boundary_intake and procedure.get("non_boundary")):
        return False
    return competent is not None and competent["province_code"] == receiving["province_code"]


def _valid_on(found: dict[str, Any], on: date) -> bool:
    day = on.isoformat()
    return found["valid_from"] <= day and (found.get("valid_until") is None or day <= found["valid_until"])
