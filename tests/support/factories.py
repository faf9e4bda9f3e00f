"""Plain factory functions for test data (after GOV.UK Notify's tests/app/db.py). Every moment they write is
derived from the run's business clock (``utc_now()``, see tests/support/clock.py), never a literal date."""

from __future__ import annotations

import copy
import random
import uuid
from datetime import timedelta
from typing import Any

from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind, Role
from shared.auth.tokens import TokenIssuer, signing_key
from shared.clock import utc_now, vn_date
from shared.domain.rulesets import rule_set_for
from shared.events import new_event


def dossier_code(agency: str, moment=None) -> str:
    """A dossier code of ``agency`` for a dossier filed at ``moment`` (default: now), format B."""
    return f"{agency}-{vn_date(moment or utc_now()):%y%m%d}-{random.randint(1, 9999):04d}"


def agency_code() -> str:
    """A fresh, well-formed QCVN 102:2016 agency code, so tests never share a queue or a daily sequence."""
    r = random.randint
    return f"{r(0, 999):03d}.{r(0, 99):02d}.{r(0, 99):02d}.H{r(10, 99)}"


def phone() -> str:
    """A fresh mobile number (SMS read back from the shared gateway simulator are found by number). Avoids
    the simulator's test endings 0000 (unknown subscriber) and 1111 (switched off)."""
    while True:
        number = f"09{random.randint(0, 99_999_999):08d}"
        if not number.endswith(("0000", "1111")):
            return number


DESK_NAME = "Trung tâm Phục vụ hành chính công tỉnh Cao Bằng"  # what events name the receiving desk
HEALTH_DEPARTMENT = "Sở Y tế tỉnh Cao Bằng"                       # 000.00.15.H11


def submission(**overrides: Any) -> dict[str, Any]:
    """A valid online submission; keyword arguments replace top-level fields. Unless given, the attachments are
    one file per required component of the procedure (from the seed catalogue), as an online filing needs."""
    body = {
        "procedure_code": "1.001806",
        "receiving_agency_code": agency_code(),
        "applicant": {"kind": "citizen", "full_name": "Nguyễn Thị Hoà", "id_number": "001203004567",
                      "date_of_birth": "1990-05-17"},
        "contact": {"email": f"hoa.{uuid.uuid4().hex[:8]}@example.vn", "phone": phone()},
        "result_return": {"method": "counter"},
    }
    body.update(copy.deepcopy(overrides))
    body.setdefault("attachments", components(body["procedure_code"]))
    return body


def components(procedure_code: str) -> list[dict[str, Any]]:
    """One attached file per required component of a seed procedure."""
    from tests.support.catalogue import seed_procedure

    try:
        wanted = [c for c in seed_procedure(procedure_code)["components"] if c["required"]]
    except StopIteration:
        wanted = [{"code": "don-de-nghi", "name": "Đơn đề nghị"}]
    return [{"component": c["name"], "component_code": c["code"], "file_name": f"{c['code']}.pdf",
             "media_type": "application/pdf", "size_bytes": 183_204, "sha256": "9f2c" * 16, "copy_kind": "original"}
            for c in wanted]


def pdf_bytes(title: str = "Đơn đề nghị") -> bytes:
    """A small, valid PDF whose content differs with ``title`` and each call (so tests do not share hashes
    unless they mean to)."""
    marker = uuid.uuid4().hex
    body = f"BT /F1 12 Tf 72 720 Td ({title.encode('ascii', 'replace').decode()} {marker}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def referencing(body: dict[str, Any], file_ids: list[str]) -> dict[str, Any]:
    """The submission as the API takes it: each attachment names an upload (``POST /uploads``) instead of
    describing a file; ``file_ids`` are used in turn (the last one again when there are fewer)."""
    body = copy.deepcopy(body)
    body["attachments"] = [
        {**{k: a[k] for k in ("component", "component_code", "copy_kind") if k in a},
         "file_id": file_ids[min(i, len(file_ids) - 1)]}
        for i, a in enumerate(body["attachments"])]
    return body


def postal_return(**address: str) -> dict[str, Any]:
    return {"method": "post", "recipient_name": "Nguyễn Thị Hoà", "recipient_phone": "0987654321",
            "address": {"line": "Số 8, ngõ 42 phố Trần Phú", "commune_code": "00118", "province_code": "01",
                        "commune_name": "Phường Ba Đình", "province_name": "Thành phố Hà Nội", **address}}


def applicant_principal() -> Principal:
    return Principal(subject=str(uuid.uuid4()), kind=PrincipalKind.APPLICANT, roles=frozenset({Role.APPLICANT}),
                     name="Nguyễn Thị Hoà")


def officer_principal(agency: str, *roles: Role) -> Principal:
    return Principal(subject=str(uuid.uuid4()), kind=PrincipalKind.OFFICER,
                     roles=frozenset(roles or (Role.COUNTER_OFFICER,)), agency_code=agency, name="Trần Văn Bình")


def bearer(settings, principal: Principal) -> dict[str, str]:
    """Authorization header with a token signed by the stack's key (as intake would issue it)."""
    token = TokenIssuer(signing_key(settings), settings).issue(principal)
    return {"Authorization": f"Bearer {token}"}


def submitted_event(dossier_id: str | None = None, owner: str | None = None, **overrides: Any):
    """A valid ``dossier.submitted`` event as intake would publish it; keyword arguments replace fields of
    the submission (``result_return=postal_return()``, ``contact=...``)."""
    body = submission(**overrides)
    dossier_id = dossier_id or str(uuid.uuid4())
    now = utc_now()
    payload = {
        **{k: body[k] for k in ("procedure_code", "receiving_agency_code", "applicant", "contact", "result_return",
                                "attachments")},
        "code": dossier_code(body["receiving_agency_code"], now),
        "channel": "online",
        "status": 1,
        "procedure_version": 1,
        "procedure_name": "Công nhận doanh nghiệp sử dụng từ 30% tổng số lao động trở lên là người khuyết tật",
        "competent_agency_code": "000.00.15.H11",
        "receiving_agency_name": DESK_NAME,
        "competent_agency_name": HEALTH_DEPARTMENT,
        "submitted_at": now,
        "rule_set": rule_set_for(vn_date(now)).id,
        "owner_account_id": owner or str(uuid.uuid4()),
        "filed_by": owner or str(uuid.uuid4()),
        "submitter": None,
    }
    return new_event("dossier.submitted", dossier_id, payload, producer="intake")


def dossier_event(kind: str, details: dict[str, Any], *, dossier_id: str | None = None,
                  contact: dict[str, Any] | None = None, owner: str | None = None, status: int = 4,
                  agency: str | None = None, **overrides: Any):
    """A valid workflow ``dossier.<kind>`` event, as the workflow would publish it."""
    agency = agency or agency_code()
    now = utc_now()
    payload = {
        "code": dossier_code(agency, now),
        "status": status,
        "dossier_version": random.randint(2, 50),
        "at": now,
        "actor": str(uuid.uuid4()),
        "actor_name": "Trần Văn Bình",
        "procedure_code": "1.001806",
        "procedure_name": "Công nhận doanh nghiệp sử dụng từ 30% tổng số lao động trở lên là người khuyết tật",
        "receiving_agency_code": agency,
        "competent_agency_code": "000.00.15.H11",
        "receiving_agency_name": DESK_NAME,
        "competent_agency_name": HEALTH_DEPARTMENT,
        "owner_account_id": owner if owner is not None else str(uuid.uuid4()),
        "applicant_name": "Nguyễn Thị Hoà",
        "contact": contact if contact is not None else {"email": f"hoa.{uuid.uuid4().hex[:8]}@example.vn",
                                                        "phone": phone()},
        "rule_set": rule_set_for(vn_date(now)).id,
        "appointment_due": now + timedelta(days=3),
        "result_return_method": "counter",
        "details": details,
        **overrides,
    }
    return new_event(f"dossier.{kind}", dossier_id or str(uuid.uuid4()), payload, producer="workflow")


def pickup_requested_event(dossier_id: str | None = None, owner: str | None = None, *, agency: str | None = None,
                           phone_number: str | None = None, **overrides: Any):
    """A valid ``dossier.pickup-requested`` event as intake would publish it."""
    body = submission(**({"receiving_agency_code": agency} if agency else {}))
    number = phone_number or phone()
    payload = {
        "procedure_code": "1.001806",
        "procedure_name": "Công nhận doanh nghiệp sử dụng từ 30% tổng số lao động trở lên là người khuyết tật",
        "receiving_agency_code": body["receiving_agency_code"],
        "competent_agency_code": "000.00.15.H11",
        "owner_account_id": owner or str(uuid.uuid4()),
        "applicant": body["applicant"],
        "contact": {**body["contact"], "phone": number},
        "pickup": {"name": "Nguyễn Thị Hoà", "phone": number, "with_receipt": True,
                   "address": {"line": "Số 12 Lê Văn Việt", "commune_code": "26842", "province_code": "79"}},
        "documents": [{"name": "Đơn đề nghị", "original": True, "count": 1},
                      {"name": "Danh sách lao động là người khuyết tật", "original": False, "count": 2}],
        "result_return": {"method": "counter"},
        "requested_at": utc_now(),
        **overrides,
    }
    return new_event("dossier.pickup-requested", dossier_id or str(uuid.uuid4()), payload, producer="intake")
