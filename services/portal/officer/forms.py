"""What the officer console's forms send: each action's form turned into the body its API endpoint takes, and
the counter filing form into the intake counter submission. Only shaping — every rule is the APIs' (their 422
field errors come back to the same fields)."""

from __future__ import annotations

import re
from typing import Any

from services.portal.citizen import forms as citizen_forms
from services.portal.formatting import local_moment

SUPPLEMENT_REASON = "Cần bổ sung theo quy định."


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _text(form, name: str) -> str | None:
    return (form.get(name) or "").strip() or None


def _result(form) -> dict[str, Any] | None:
    if not _text(form, "result_number"):
        return None
    return {"number": form["result_number"].strip(), "signer": (form.get("result_signer") or "").strip(),
            "signed_at": local_moment(form.get("result_signed_at")), "title": _text(form, "result_title")}


def _obligation(form) -> dict[str, Any] | None:
    if not _text(form, "obligation_amount") and not _text(form, "obligation_description"):
        return None
    amount = re.sub(r"[\s.,]", "", form.get("obligation_amount") or "")
    return {"amount": int(amount) if amount.isdigit() else amount, "description": _text(form, "obligation_description"),
            "notice_number": _text(form, "obligation_notice_number")}


def _supplement(form, components: list[dict]) -> dict[str, Any]:
    names = {c["code"]: c["name"] for c in components}
    reason = _text(form, "reason") or SUPPLEMENT_REASON
    items = [{"component_code": code, "name": names.get(code, code), "reason": _text(form, f"reason-{code}") or reason}
             for code in form.getlist("missing")]
    items += [{"name": line, "reason": reason} for line in lines(form.get("other"))]
    return {"items": items}


def action_body(action: str, form, components: list[dict]) -> dict[str, Any]:  # noqa: C901 - a branch per action
    """The body of ``POST /dossiers/<id>/<action>`` from the action's form."""
    if action == "accept":
        return {"presented": form.getlist("presented"), "note": _text(form, "note")}
    if action == "request-supplement":
        return _supplement(form, components)
    if action == "refuse":
        return {"reasons": lines(form.get("reasons"))}
    if action == "assign":
        return {"assignee": (form.get("assignee") or "").strip(), "assignee_name": _text(form, "assignee_name")}
    if action == "complete-step":
        return {"note": _text(form, "note"), "step": _text(form, "step"), "result": _result(form),
                "obligation": _obligation(form)}
    if action == "record-payment":
        return {"voucher": (form.get("voucher") or "").strip(), "paid_at": local_moment(form.get("paid_at"))}
    if action == "consult":
        return {"agency_code": form.get("agency_code", ""), "question": (form.get("question") or "").strip(),
                "limit": {"value": (form.get("limit_value") or "").strip(), "unit": "working_days"}}
    if action == "answer-consultation":
        return {"consultation_id": form.get("consultation_id", ""), "answer": (form.get("answer") or "").strip()}
    if action == "schedule-verification":
        return {"at": local_moment(form.get("at")), "place": (form.get("place") or "").strip(),
                "participants": lines(form.get("participants")), "content": (form.get("content") or "").strip()}
    if action == "extend":
        return {"reason": (form.get("reason") or "").strip(), "new_due": local_moment(form.get("new_due"))}
    if action == "notify-early-return":
        return {"note": _text(form, "note")}
    if action == "return-result":
        return {"method": form.get("method", "counter"), "recipient": _text(form, "recipient")}
    if action == "stop":
        return {"reason": (form.get("reason") or "").strip()}
    raise KeyError(action)


# -- counter filing ---------------------------------------------------------------------------------------------

def submitter(form, applicant: dict[str, Any]) -> tuple[dict, dict, dict]:
    """Who handed the dossier in (Decree 61/2018 Art. 16(2)): the applicant in person, or someone authorised."""
    values = {k: (form.get(f"submitter_{k}") or "").strip() for k in ("relation", "full_name", "id_number",
                                                                        "authorisation", "phone")}
    values["phone"] = citizen_forms.clean_phone(values["phone"])
    values["id_number"] = values["id_number"].replace(" ", "")
    errors: dict[str, str] = {}
    if values["relation"] not in ("self", "authorised"):
        errors["submitter_relation"] = "Chọn ai trực tiếp nộp hồ sơ."
    in_person = values["relation"] == "self" and applicant.get("kind") == "citizen"
    data = {"relation": values["relation"] or "self",
            "full_name": values["full_name"] or (applicant.get("full_name", "") if in_person else ""),
            "id_number": values["id_number"] or (applicant.get("id_number", "") if in_person else "")}
    if values["relation"] == "authorised" or applicant.get("kind") == "organisation":
        if not values["full_name"]:
            errors["submitter_full_name"] = "Nhập họ và tên người trực tiếp nộp hồ sơ."
        if not citizen_forms.ID_RE.match(values["id_number"]):
            errors["submitter_id_number"] = "Số định danh cá nhân của người nộp gồm đúng 12 chữ số."
    if values["relation"] == "authorised":
        data["authorisation"] = values["authorisation"]
        if not values["authorisation"]:
            errors["submitter_authorisation"] = "Ghi giấy ủy quyền (số, ngày, nơi chứng thực)."
    if values["phone"]:
        data["phone"] = values["phone"]
    return data, errors, values


def counter_submission(procedure: dict, agency_code: str, applicant: dict, contact: dict, who: dict,
                       result_return: dict, attached: dict[str, dict]) -> dict[str, Any]:
    """The body of ``POST /counter/dossiers``: the scans uploaded for each component (a component presented
    only on paper has no file; the acceptance records it)."""
    names = {c["code"]: c["name"] for c in procedure["components"]}
    return {"procedure_code": procedure["code"], "receiving_agency_code": agency_code, "applicant": applicant,
            "contact": contact, "submitter": who, "result_return": result_return,
            "attachments": [{"component": names.get(code, code), "component_code": code,
                             "copy_kind": item["copy_kind"], "file_id": item["file_id"]}
                            for code, item in attached.items()]}
