"""The forms of the one-stop mechanism, filled from the dossier's data (never typed), as data and as a
printable A5 page (Circular 01/2018 Art. 9-10; Circular 03/2025 Appendix I): receipt and appointment (01),
supplementation request (02), refusal (03), apology and new appointment (04), the stop notice (Decree 118
only), and the processing control slip, derived from the recorded hand-overs (Decree 61/2018 Art. 39(1)).
Field lists follow the 2025 Ministry of Health set (domain.md §3.1). Numbers come from the dossier's rule set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.workflow.dossiers.model import OUTCOME_NAMES
from shared.calendar.model import TimeLimit
from shared.clock import VN_TZ, as_utc, utc_now
from shared.domain.channels import ResultReturnMethod
from shared.domain.errors import NotFound
from shared.domain.rulesets import FORM_TITLES, rule_set_by_id
from shared.domain.statuses import DossierStatus


def _when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    local = as_utc(moment).astimezone(VN_TZ)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def render_data(d: dict[str, Any], form: str, settings, agency_names: dict[str, str]) -> dict[str, Any]:
    rule_set = rule_set_by_id(d["rule_set"])
    number = rule_set.form_number(form, settings.form_numbers)
    if form not in FORM_TITLES or number is None:
        raise NotFound(f"Quy định áp dụng cho hồ sơ ({rule_set.decree}) không có mẫu này.")
    issued = d["forms"].get(form)
    if form != "control_slip" and issued is None:
        raise NotFound(f"Hồ sơ chưa có {FORM_TITLES[form].lower()}.")
    applicant = d["applicant"]
    data: dict[str, Any] = {
        "form": form,
        "number": number,
        "title": FORM_TITLES[form],
        "legal_basis": f"Mẫu số {number} ban hành kèm theo Thông tư {rule_set.circular}",
        "agency": agency_names.get(d["receiving_agency_code"], d["receiving_agency_code"]),
        "competent_agency": agency_names.get(d["competent_agency_code"], d["competent_agency_code"]),
        "dossier_code": d["code"],
        "procedure": d["procedure"]["name"],
        "applicant": applicant["full_name"],
        "id_number": applicant.get("id_number"),
        "address": (applicant.get("address") or {}).get("line"),
        "phone": d["contact"].get("phone"),
        "email": d["contact"].get("email"),
        "status": DossierStatus(d["status"]).vietnamese,
        "issued_at": _when(issued["issued_at"]) if issued else _when(utc_now()),
        "issued_by": (issued or {}).get("by_name"),
    }
    data.update(_FORM_FIELDS[form](d, issued, agency_names))
    return data


def _receipt(d, issued, names) -> dict[str, Any]:
    limit = TimeLimit.from_document(d["procedure"]["time_limit"])
    documents = [f"{a['component']} ({a['file_name']})" for a in d["attachments"]]
    submitter = d.get("submitter") or {}
    return {
        "authorised_person": submitter.get("full_name") if submitter.get("relation") == "authorised" else None,
        "authorisation": submitter.get("authorisation"),
        "documents": documents,
        "sets": 1,
        "time_limit": limit.describe(),
        "received_at": _when(d["received_at"]),
        "appointment_at": _when(d["appointment_due"]),
        "appointment_explained": [n["text"] for n in (d["appointment"] or {}).get("notes", [])],
        "return_place": ResultReturnMethod(d["result_return"]["method"]).vietnamese,
        "receiver": issued.get("by_name"),
    }


def _supplement_request(d, issued, names) -> dict[str, Any]:
    request = next(r for r in d["supplementation"]["requests"] if r["id"] == issued["request_id"])
    return {"items": [{"name": i["name"], "reason": i["reason"]} for i in request["items"]],
            "contact_person": request.get("by_name"), "contact_agency": names.get(d["receiving_agency_code"])}


def _refusal(d, issued, names) -> dict[str, Any]:
    return {"reasons": issued["reasons"], "stage": "Tiếp nhận" if issued["stage"] == "reception" else "Giải quyết"}


def _apology(d, issued, names) -> dict[str, Any]:
    return {"received_at": _when(d["received_at"]), "old_appointment": _when(issued["old_due"]),
            "new_appointment": _when(issued["new_due"]), "reason": issued["reason"],
            "apology": f"{names.get(d['competent_agency_code'], d['competent_agency_code'])} xin lỗi Ông/Bà vì "
                       f"hồ sơ chưa được giải quyết đúng hạn và hẹn trả kết quả vào ngày mới nêu trên.",
            "signer": issued.get("by_name")}


def _stop_notice(d, issued, names) -> dict[str, Any]:
    return {"reason": issued["reason"], "stopped_at": _when(issued["issued_at"])}


def _control_slip(d, issued, names) -> dict[str, Any]:
    """One row per hand-over between units, in the order they happened, at the moment each happened; the
    outcome is the giving unit's (early / on time / late against its allotment) as the receiving side records
    it. When the receiving unit's time counts from later (after the 15:00 cut-off, Decree 61/2018 Art. 18), the
    row says so."""
    rows = []
    for h in sorted(d["handovers"], key=lambda h: as_utc(h["at"])):
        counting = h.get("counting_from")
        later = counting is not None and as_utc(counting) > as_utc(h["at"])
        rows.append({"to_unit": names.get(h["to_agency"], h["to_agency"]), "to_step": h["to_step"],
                     "from_unit": names.get(h["from_agency"], h["from_agency"]),
                     "handed_by": h.get("from_officer_name"), "received_at": _when(h["at"]),
                     "outcome": OUTCOME_NAMES.get(h.get("outcome"), ""),
                     "note": f"Thời hạn tính từ {_when(counting)} (ngày làm việc tiếp theo)" if later else ""})
    return {"received_at": _when(d["received_at"]), "appointment_at": _when(d["appointment_due"]), "rows": rows,
            "co_agencies": sorted({names.get(s["agency"], s["agency"]) for s in d["steps"]
                                   if s["agency"] not in (d["receiving_agency_code"], d["competent_agency_code"])})}


_FORM_FIELDS = {"receipt": _receipt, "supplement_request": _supplement_request, "refusal": _refusal,
                "apology": _apology, "stop_notice": _stop_notice, "control_slip": _control_slip}

LABELS = {
    "dossier_code": "Mã số hồ sơ", "procedure": "Thủ tục hành chính", "applicant": "Tên tổ chức, cá nhân",
    "id_number": "Số định danh cá nhân/Mã số thuế", "address": "Địa chỉ", "phone": "Số điện thoại",
    "email": "Thư điện tử", "authorised_person": "Người được ủy quyền", "authorisation": "Giấy ủy quyền",
    "time_limit": "Thời hạn giải quyết theo quy định", "received_at": "Thời gian nhận hồ sơ",
    "appointment_at": "Thời gian trả kết quả", "return_place": "Nơi trả kết quả", "receiver": "Người tiếp nhận",
    "contact_person": "Người hướng dẫn", "stage": "Giai đoạn", "old_appointment": "Ngày hẹn trước đây",
    "new_appointment": "Ngày hẹn mới", "reason": "Lý do", "apology": "Lời xin lỗi", "signer": "Người ký",
    "stopped_at": "Thời điểm dừng", "sets": "Số lượng hồ sơ (bộ)", "competent_agency": "Cơ quan giải quyết",
}

