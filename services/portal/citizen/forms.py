"""What the filing steps ask, checked as people type it (Vietnamese messages). The API checks everything
again on submission; its field errors are shown on the check-your-answers page."""

from __future__ import annotations

import re

from services.portal.places import PROVINCE_NAMES

ID_RE = re.compile(r"^\d{12}$")
TAX_RE = re.compile(r"^\d{10}(-\d{3})?$")
PHONE_RE = re.compile(r"^(\+84|0)\d{9,10}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_phone(value: str) -> str:
    return re.sub(r"[\s.\-()]", "", value or "")


def applicant(form) -> tuple[dict, dict, dict]:
    kind = form.get("kind", "")
    values = {"kind": kind, "full_name": form.get("full_name", "").strip(),
              "id_number": form.get("id_number", "").replace(" ", ""),
              "email": form.get("email", "").strip(), "phone": clean_phone(form.get("phone", ""))}
    errors = {}
    if kind not in ("citizen", "organisation"):
        errors["kind"] = "Chọn người nộp là cá nhân hay tổ chức."
    if not values["full_name"]:
        errors["full_name"] = "Nhập họ và tên (hoặc tên tổ chức)."
    if kind == "organisation" and not TAX_RE.match(values["id_number"]):
        errors["id_number"] = "Mã số thuế gồm 10 chữ số, có thể kèm -XXX cho chi nhánh."
    elif kind != "organisation" and not ID_RE.match(values["id_number"]):
        errors["id_number"] = "Số định danh cá nhân gồm đúng 12 chữ số, ví dụ 001203004567."
    if values["email"] and not EMAIL_RE.match(values["email"]):
        errors["email"] = "Thư điện tử chưa đúng, ví dụ ten@example.vn."
    if values["phone"] and not PHONE_RE.match(values["phone"]):
        errors["phone"] = "Số điện thoại chưa đúng, ví dụ 0912345678."
    if not values["email"] and not values["phone"]:
        errors["phone"] = "Nhập ít nhất số điện thoại hoặc thư điện tử để cơ quan liên hệ."
    data = {"applicant": {"kind": kind, "full_name": values["full_name"], "id_number": values["id_number"]},
            "contact": {k: values[k] for k in ("email", "phone") if values[k]}}
    return data, errors, values


def result_return(form, post_allowed: bool = True) -> tuple[dict, dict, dict]:
    """How the result goes back; ``post_allowed`` is the procedure's catalogue flag (the post option is only
    offered when it is; intake refuses it otherwise too)."""
    method = form.get("method", "")
    values = {k: form.get(k, "").strip() for k in ("method", "line", "province_code", "commune_code",
                                                    "commune_name", "recipient_name", "recipient_phone")}
    values["recipient_phone"] = clean_phone(values["recipient_phone"])
    errors = {}
    if method not in ("online", "counter", "post"):
        errors["method"] = "Chọn cách nhận kết quả."
    elif method == "post" and not post_allowed:
        errors["method"] = "Thủ tục này không trả kết quả qua bưu chính."
    data = {"method": method}
    if method == "post":
        if not values["line"]:
            errors["line"] = "Nhập số nhà, đường, thôn, xóm."
        if values["province_code"] not in PROVINCE_NAMES:
            errors["province_code"] = "Chọn tỉnh, thành phố."
        if not re.match(r"^\d{5}$", values["commune_code"]):
            errors["commune_code"] = "Mã xã, phường gồm 5 chữ số."
        if not values["commune_name"]:
            errors["commune_name"] = "Nhập tên xã, phường."
        if not PHONE_RE.match(values["recipient_phone"]):
            errors["recipient_phone"] = "Nhận qua bưu chính cần số điện thoại người nhận, ví dụ 0912345678."
        data.update(address={"line": values["line"], "province_code": values["province_code"],
                             "province_name": PROVINCE_NAMES.get(values["province_code"], ""),
                             "commune_code": values["commune_code"], "commune_name": values["commune_name"]},
                    recipient_phone=values["recipient_phone"])
        if values["recipient_name"]:
            data["recipient_name"] = values["recipient_name"]
    return data, errors, values
