"""The mirror and the national field list: how each event changes what the portal must hold, and how a mirror is
written in the portal's fields (domain.md §5.3, observed in the Decision 766 spec and vendor samples [S]).

Events come from three topics (intake, workflow, payments), so a dossier's events can arrive in any order
between topics, and a retry can bring an older one after a newer one. Every change is therefore idempotent and
keeps the newest: the status and dates follow the workflow's ``dossier_version``, the fees each charge's
``charge_version``, the process log gets one line per event (keyed by the event id), and the filing block
comes from ``dossier.submitted`` whenever it arrives.

Personal data: the applicant block carries exactly what the list names — ID number, birth date, phone,
e-mail, province and commune codes, address — for the owner and, when someone else filed, the submitter's ID
number and phone. Names are not in the list and are not sent; a process-log line an applicant caused names no
one ("Tổ chức, cá nhân").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.clock import vn_datetime
from shared.domain.channels import Channel
from shared.domain.statuses import DossierStatus

S = DossierStatus
APPLICANT = "Tổ chức, cá nhân"
APPLICANT_EVENTS = ("dossier.submitted", "dossier.supplement-received", "dossier.withdrawn")

# the action a process-log line states, per event (alerts and late marks are not processing steps)
ACTIONS: dict[str, str] = {
    "dossier.submitted": "Nộp hồ sơ",
    "dossier.accepted": "Tiếp nhận hồ sơ",
    "dossier.supplement-requested": "Yêu cầu bổ sung, hoàn thiện hồ sơ",
    "dossier.supplement-received": "Nhận hồ sơ bổ sung",
    "dossier.refused": "Từ chối tiếp nhận, giải quyết hồ sơ",
    "dossier.assigned": "Phân công xử lý",
    "dossier.step-completed": "Hoàn thành bước xử lý",
    "dossier.payment-requested": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "dossier.payment-recorded": "Đã thực hiện nghĩa vụ tài chính",
    "dossier.consultation-requested": "Lấy ý kiến cơ quan, đơn vị liên quan",
    "dossier.consultation-answered": "Cơ quan, đơn vị được hỏi trả lời",
    "dossier.verification-scheduled": "Hẹn xác minh",
    "dossier.appointment-extended": "Xin lỗi và hẹn lại ngày trả kết quả",
    "dossier.deadline-changed": "Điều chỉnh thời hạn giải quyết",
    "dossier.result-ready": "Có kết quả giải quyết",
    "dossier.early-return-notified": "Thông báo trả kết quả trước hạn",
    "dossier.result-returned": "Trả kết quả",
    "dossier.withdrawn": "Tổ chức, cá nhân rút hồ sơ",
    "dossier.stopped": "Dừng xử lý hồ sơ",
}
ENDINGS = ("dossier.refused", "dossier.withdrawn", "dossier.stopped", "dossier.result-ready",
           "dossier.result-returned")


def new_mirror(dossier_id: str, now: datetime) -> dict[str, Any]:
    return {
        "_id": dossier_id, "code": None, "filed": False, "procedure_code": None, "procedure_version": None,
        "receiving_agency_code": None, "competent_agency_code": None, "channel": None, "submitted_at": None,
        "received_at": None, "appointment_due": None, "ended_at": None, "status": S.SUBMITTED.value,
        "status_version": 0, "components": [], "applicant": None, "submitter": None, "fees": [], "result": None,
        "log": [], "revision": 0, "sync_state": "waiting", "retry_at": None, "created_at": now,
        "portal": {"created": False, "synced_revision": 0, "synced_steps": 0, "status": None, "received_at": None,
                   "first_synced_at": None, "last_attempt_at": None, "last_success_at": None, "last_error": None,
                   "failures": 0, "next_attempt_at": None, "failing_reported": False, "permanent": False},
    }


# -- applying events --------------------------------------------------------------------------------------------

def apply(m: dict[str, Any], event_type: str, event_id: str, payload: dict[str, Any]) -> None:
    """One event's effect on the mirror (idempotent)."""
    if event_type == "dossier.submitted":
        _filed(m, event_id, payload)
    elif event_type.startswith("payment."):
        _fees(m, payload)
    else:
        _workflow(m, event_type, event_id, payload)


def _filed(m: dict[str, Any], event_id: str, p: dict[str, Any]) -> None:
    if m["filed"]:
        return
    applicant, contact, address = p["applicant"], p["contact"], p["applicant"].get("address") or {}
    m.update(code=p["code"], filed=True, procedure_code=p["procedure_code"], procedure_version=p["procedure_version"],
             receiving_agency_code=p["receiving_agency_code"], competent_agency_code=p["competent_agency_code"],
             channel=p["channel"], submitted_at=p["submitted_at"])
    m["components"] = _components(p["attachments"])
    m["applicant"] = {"kind": applicant["kind"], "id_number": applicant["id_number"],
                      "date_of_birth": applicant.get("date_of_birth"), "phone": contact.get("phone"),
                      "email": contact.get("email"), "province_code": address.get("province_code"),
                      "commune_code": address.get("commune_code"), "address": address.get("line")}
    submitter = p.get("submitter")
    m["submitter"] = {"id_number": submitter["id_number"], "phone": submitter.get("phone")} if submitter else None
    line = {"key": event_id, "at": p["submitted_at"], "action": ACTIONS["dossier.submitted"],
            "status": S.SUBMITTED.value, "handler": APPLICANT, "unit": p["receiving_agency_code"],
            "step_start": None, "step_due": None}
    # nothing of the dossier was pushed before it was filed: its filing comes first in the log
    m["log"] = _numbered([line] + [entry for entry in m["log"] if entry["key"] != event_id])


def _components(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    grouped: dict[str, dict[str, Any]] = {}
    for a in attachments:
        code = a.get("component_code") or a["component"]
        entry = grouped.setdefault(code, {"code": code, "name": a["component"], "copy_kind": a["copy_kind"],
                                          "files": []})
        entry["files"].append({"file_id": a.get("file_id"), "name": a["file_name"], "sha256": a["sha256"]})
    return list(grouped.values())


def _numbered(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**line, "stt": index} for index, line in enumerate(lines, 1)]


def _workflow(m: dict[str, Any], event_type: str, event_id: str, p: dict[str, Any]) -> None:
    details = p["details"]
    if m["code"] is None:  # a workflow event before the filing: what it says of the dossier, until the filing
        m.update(code=p["code"], procedure_code=p["procedure_code"], receiving_agency_code=p["receiving_agency_code"],
                 competent_agency_code=p["competent_agency_code"])
    if p["dossier_version"] > m["status_version"]:
        m["status_version"] = p["dossier_version"]
        m["status"] = p["status"]
        m["appointment_due"] = p.get("appointment_due") or m["appointment_due"]
    if event_type == "dossier.accepted":
        m["received_at"] = details["received_at"]
    # Decision 766: the end of processing is the time of status 9, else of 10, 3, 7 or 8 (domain.md §3.4)
    if event_type == "dossier.result-ready" or (event_type in ENDINGS and not m["ended_at"]):
        m["ended_at"] = p["at"]
    if event_type == "dossier.result-ready":
        m["result"] = {"code": details.get("result_code"), "link": details.get("file_url")}
    action = ACTIONS.get(event_type)
    if action and not any(entry["key"] == event_id for entry in m["log"]):
        status = S.ACCEPTED.value if event_type == "dossier.accepted" else p["status"]
        m["log"].append({"stt": len(m["log"]) + 1, "key": event_id, "at": p["at"], "action": _action(action, details),
                         "status": status, "handler": APPLICANT if event_type in APPLICANT_EVENTS
                         else (p.get("actor_name") or p.get("actor") or "Hệ thống"),
                         "unit": _unit(event_type, p, details), "step_start": p["at"] if details.get("step_due_at")
                         else None, "step_due": details.get("step_due_at")})


def _action(action: str, details: dict[str, Any]) -> str:
    if details.get("step"):
        return f"{action} ({details['step']})"
    if details.get("reason") and action == ACTIONS["dossier.deadline-changed"]:
        return f"{action}: {details['reason']}"
    return action


def _unit(event_type: str, p: dict[str, Any], details: dict[str, Any]) -> str:
    if details.get("agency"):
        return details["agency"]
    if event_type in ("dossier.accepted", "dossier.supplement-requested", "dossier.supplement-received",
                      "dossier.result-returned", "dossier.early-return-notified", "dossier.submitted"):
        return p["receiving_agency_code"]
    return p["competent_agency_code"]


def _fees(m: dict[str, Any], p: dict[str, Any]) -> None:
    held = next((f for f in m["fees"] if f["charge_id"] == p["charge_id"]), None)
    if held is not None and held["version"] >= p["charge_version"]:
        return
    details = p["details"]
    fee = {"charge_id": p["charge_id"], "version": p["charge_version"], "lines": p["lines"], "amount": p["amount"],
           "status": p["status"], "online": bool((held or {}).get("online") or details.get("online")),
           "receipt_number": details.get("receipt_number") or (held or {}).get("receipt_number")}
    m["fees"] = [f for f in m["fees"] if f["charge_id"] != p["charge_id"]] + [fee]


# -- the portal's fields ----------------------------------------------------------------------------------------

def portal_time(moment: datetime | None) -> str | None:
    """``yyyyMMddHHmmss`` in Hà Nội time, as the national portal writes dates."""
    return vn_datetime(moment).strftime("%Y%m%d%H%M%S") if moment else None


FEE_STATUS = {"due": 0, "pending": 0, "paid": 1, "waived": 2, "void": 3, "refund_pending": 1, "refunded": 3}


def _fee_lines(m: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"MaPhiLePhi": line["code"], "TenPhiLePhi": line["name"], "SoTien": line["amount"],
             "TrangThai": FEE_STATUS.get(fee["status"], 0), "SoBienLai": fee["receipt_number"]}
            for fee in m["fees"] for line in fee["lines"]]


def paid_online(m: dict[str, Any]) -> int:
    """DuocThanhToanTrucTuyen (domain.md §5.2): 2 — paid through the province's gateway; 0 — not paid online."""
    return 2 if any(f["online"] and f["status"] in ("paid", "refund_pending", "refunded") for f in m["fees"]) else 0


def status_fields(m: dict[str, Any]) -> dict[str, Any]:
    """What changes during a dossier's life: sent with every status update."""
    result = m["result"] or {}
    return {"TrangThai": m["status"], "NgayTiepNhan": portal_time(m["received_at"]),
            "NgayHenTra": portal_time(m["appointment_due"]), "NgayKetThucXuLy": portal_time(m["ended_at"]),
            "MaKetQua": result.get("code"), "DuongDanTepTinKetQua": result.get("link"),
            "DanhSachPhiLePhi": _fee_lines(m), "DuocThanhToanTrucTuyen": paid_online(m)}


def _person(block: dict[str, Any] | None) -> dict[str, Any] | None:
    if not block:
        return None
    return {k: v for k, v in {
        "LoaiDoiTuong": {"citizen": 1, "organisation": 2}.get(block.get("kind")) if "kind" in block else None,
        "SoDinhDanh": block.get("id_number"), "NgaySinh": block.get("date_of_birth"), "SoDienThoai": block.get("phone"),
        "Email": block.get("email"), "MaTinh": block.get("province_code"), "MaXa": block.get("commune_code"),
        "DiaChi": block.get("address")}.items() if v is not None}


COPY_KINDS = {"original": 1, "copy": 2, "certified_copy": 3}


def dossier_fields(m: dict[str, Any]) -> dict[str, Any]:
    """The whole dossier in the national field list: what ``create`` sends."""
    return {
        "MaHoSo": m["code"], "PhienBan": m["revision"], "MaTTHC": m["procedure_code"],
        "MaDichVuCong": m["procedure_code"], "MaCoQuan": m["receiving_agency_code"],
        "NgayNop": portal_time(m["submitted_at"]), "KenhThucHien": Channel(m["channel"]).code,
        "ThanhPhanHoSo": [{"MaThanhPhan": c["code"], "TenThanhPhan": c["name"], "SoLuong": len(c["files"]),
                           "LoaiBan": COPY_KINDS.get(c["copy_kind"], 2), "MaKetQuaTaiSuDung": None,
                           "TepDinhKem": [{"MaTep": f["file_id"], "TenTep": f["name"], "MaBam": f["sha256"]}
                                          for f in c["files"]]} for c in m["components"]],
        "ChuHoSo": _person(m["applicant"]), "NguoiNop": _person(m["submitter"]),
        "HoSoCoThanhPhanSoHoa": 1 if m["components"] else 0, "DuocSoHoa": 1 if m["components"] else 0,
        "DuocLayTuKhoDMQG": 0, "TaiKhoanDuocXacThucVoiVNeID": 0,
        **status_fields(m),
    }


def step_fields(line: dict[str, Any]) -> dict[str, Any]:
    return {"STT": line["stt"], "ThoiDiemXuLy": portal_time(line["at"]), "NoiDungXuLy": line["action"],
            "TrangThai": line["status"], "NguoiXuLy": line["handler"], "PhongBanXuLy": line["unit"],
            "NgayBatDau": portal_time(line["step_start"]), "NgayKetThucTheoQuyDinh": portal_time(line["step_due"])}


def pushable(m: dict[str, Any]) -> tuple:
    """What a content revision covers: the filing block and the fields a status update sends."""
    return (m["filed"], repr(status_fields(m)))
