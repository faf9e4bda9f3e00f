"""What the administration forms send: a procedure document typed or uploaded as YAML/JSON, an announcement's
days as people write them, an officer account. Only shaping and parsing; the APIs check everything."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import yaml

from shared.domain.catalogue import ProcedureSchema

PROCEDURE_FIELDS = tuple(ProcedureSchema._declared_fields)
DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def procedure_text(version: dict[str, Any]) -> str:
    """A published or draft version as the YAML an administrator edits (the procedure's own fields only)."""
    fields = {k: version[k] for k in PROCEDURE_FIELDS if k in version}
    return yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=110)


def parse_document(text: str) -> tuple[Any, str | None]:
    """A YAML or JSON document (JSON is YAML too); the problem in Vietnamese when it is neither."""
    if not text.strip():
        return None, "Nhập hoặc chọn tệp nội dung thủ tục (YAML hoặc JSON)."
    try:
        return yaml.safe_load(text), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (dòng {mark.line + 1}, cột {mark.column + 1})" if mark else ""
        return None, f"Nội dung không phải YAML/JSON hợp lệ{where}."


def upload_text(file_storage) -> tuple[str, str | None]:
    data = file_storage.read(2_000_000) if file_storage and file_storage.filename else b""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return "", "Tệp phải là văn bản UTF-8 (YAML hoặc JSON)."


def import_media_type(name: str, text: str) -> str:
    if name.lower().endswith(".json"):
        return "application/json"
    try:
        json.loads(text)
    except ValueError:
        return "application/yaml"
    return "application/json"


def days(text: str | None) -> tuple[list[str], str | None]:
    """Days written one per line or separated by commas, as ``dd/mm/yyyy`` or ``yyyy-mm-dd``, in ISO form."""
    found, bad = [], []
    for part in re.split(r"[\s,;]+", text or ""):
        if not part:
            continue
        match = DAY.match(part)
        try:
            found.append((date(int(match[3]), int(match[2]), int(match[1])) if match
                          else date.fromisoformat(part)).isoformat())
        except (ValueError, TypeError):
            bad.append(part)
    if bad:
        return found, f"Ngày không hợp lệ: {', '.join(bad)}. Viết dạng 02/01/2027, mỗi dòng một ngày."
    return sorted(set(found)), None


def announcement(form) -> tuple[dict[str, Any], dict[str, str]]:
    errors = {}
    days_off, problem = days(form.get("days_off"))
    if problem:
        errors["days_off"] = problem
    working, problem = days(form.get("working_days"))
    if problem:
        errors["working_days"] = problem
    body = {"id": (form.get("id") or "").strip(), "title": (form.get("title") or "").strip(),
            "reference": (form.get("reference") or "").strip(), "days_off": days_off, "working_days": working}
    return body, errors


def officer(form) -> dict[str, Any]:
    workplace = (form.get("post_office") or "").strip() if form.get("workplace") == "post_office" \
        else form.get("agency_code", "")
    body = {"username": (form.get("username") or "").strip(), "full_name": (form.get("full_name") or "").strip(),
            "password": form.get("password") or "", "roles": form.getlist("roles"), "agency_code": workplace}
    if (form.get("email") or "").strip():
        body["email"] = form["email"].strip()
    return body
