"""The applicant's pages: my dossiers, filing step by step (drafts saved and resumed), the receipt with its
QR code, the dossier page (timeline, due date explained, forms as PDF, files), answering a supplementation
request with files, withdrawal. Every read and write goes through the APIs with the applicant's token."""

from __future__ import annotations

import segno
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for

from services.portal import api, drafts
from services.portal.access import APPLICANT, page
from services.portal.citizen import forms
from services.portal.places import PROVINCES

bp = Blueprint("citizen", __name__)

STEPS = ("co-quan", "nguoi-nop", "giay-to", "nhan-ket-qua", "kiem-tra")
FORMS = ("receipt", "supplement_request", "refusal", "apology", "stop_notice", "control_slip")
FORM_NAMES = {"receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)",
              "supplement_request": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)",
              "refusal": "Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03)",
              "apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
              "stop_notice": "Thông báo dừng giải quyết hồ sơ", "control_slip": "Phiếu kiểm soát quá trình giải quyết"}


def _portal():
    return current_app.extensions["portal"]


def _me() -> str:
    return session["user"]["id"]


def _draft(draft_id: str) -> dict:
    found = drafts.get(_portal().db, _me(), draft_id)
    if found is None:
        abort(404)
    return found


def _save(draft: dict, **answers) -> None:
    drafts.save(_portal().db, _portal().settings, draft, **answers)


def _procedure(code: str) -> dict:
    return api.get("intake", f"/procedures/{code}", anonymous=True)


def lookup_url(code: str) -> str:
    return f"{_portal().settings.public_portal_url.rstrip('/')}/tra-cuu/{code}"


# -- my dossiers ------------------------------------------------------------------------------------------------

@bp.get("/ho-so-cua-toi")
@page(APPLICANT)
def my_dossiers():
    cursor = request.args.get("sau")
    found = api.get("intake", "/dossiers", params={"limit": 20, **({"cursor": cursor} if cursor else {})})
    return render_template("citizen/my_dossiers.html", dossiers=found["items"], next_cursor=found["next_cursor"],
                           drafts=drafts.of(_portal().db, _me()))


# -- filing -----------------------------------------------------------------------------------------------------

@bp.route("/nop-ho-so/<string:code>", methods=["GET", "POST"])
@page(APPLICANT)
def start(code: str):
    procedure = _procedure(code)
    if request.method == "POST":
        receiving = procedure["receiving_agency_codes"]
        draft = drafts.start(_portal().db, _portal().settings, _me(), procedure,
                             receiving_agency_code=receiving[0] if len(receiving) == 1 else None)
        return redirect(url_for("citizen.step", draft_id=draft["_id"],
                                step="nguoi-nop" if len(receiving) == 1 else "co-quan"))
    return render_template("citizen/start.html", procedure=procedure)


@bp.post("/ban-nhap/<string:draft_id>/xoa")
@page(APPLICANT)
def delete_draft(draft_id: str):
    drafts.delete(_portal().db, _me(), draft_id)
    session["flash"] = "Đã xóa bản nháp."
    return redirect(url_for("citizen.my_dossiers"))


@bp.route("/ban-nhap/<string:draft_id>/<string:step>", methods=["GET", "POST"])
@page(APPLICANT)
def step(draft_id: str, step: str):
    if step not in STEPS:
        abort(404)
    draft = _draft(draft_id)
    procedure = _procedure(draft["procedure_code"])
    handler = {"co-quan": _agency_step, "nguoi-nop": _applicant_step, "giay-to": _files_step,
               "nhan-ket-qua": _return_step, "kiem-tra": _check_step}[step]
    return handler(draft, procedure)


def _next(draft: dict, current: str):
    if request.form.get("luu") == "nhap":
        session["flash"] = "Đã lưu bản nháp. Anh/chị có thể tiếp tục bất cứ lúc nào từ trang Hồ sơ của tôi."
        return redirect(url_for("citizen.my_dossiers"))
    if request.args.get("quay_lai") == "kiem-tra":
        return redirect(url_for("citizen.step", draft_id=draft["_id"], step="kiem-tra"))
    return redirect(url_for("citizen.step", draft_id=draft["_id"], step=STEPS[STEPS.index(current) + 1]))


def _agency_step(draft, procedure):
    errors = {}
    options = [(code, code) for code in procedure["receiving_agency_codes"]]
    if request.method == "POST":
        chosen = request.form.get("receiving_agency_code", "")
        if chosen not in procedure["receiving_agency_codes"]:
            errors["receiving_agency_code"] = "Chọn nơi tiếp nhận hồ sơ."
        else:
            _save(draft, receiving_agency_code=chosen)
            return _next(draft, "co-quan")
    return render_template("citizen/step_agency.html", draft=draft, procedure=procedure, options=options,
                           errors=errors), (422 if errors else 200)


def _applicant_step(draft, procedure):
    errors, values = {}, {}
    if request.method == "POST":
        data, errors, values = forms.applicant(request.form)
        if not errors:
            _save(draft, **data)
            return _next(draft, "nguoi-nop")
    else:
        saved = draft["data"]
        user = session["user"]
        values = {**(saved.get("applicant") or {"kind": "citizen", "full_name": user["name"]}),
                  **(saved.get("contact") or {})}
    return render_template("citizen/step_applicant.html", draft=draft, procedure=procedure, values=values,
                           errors=errors), (422 if errors else 200)


def upload(file_storage) -> dict:
    """Sends one chosen file to intake (it decides the type by content and hashes it)."""
    return api.call("intake", "POST", "/uploads", files={
        "file": (file_storage.filename or "tep", file_storage.stream, file_storage.mimetype)})


def _files_step(draft, procedure):
    errors = {}
    attached = draft["data"].get("attachments", {})
    if request.method == "POST":
        for component in procedure["components"]:
            chosen = request.files.get(f"file-{component['code']}")
            if chosen is None or not chosen.filename:
                continue
            try:
                record = upload(chosen)
            except api.ApiError as exc:
                errors[f"file-{component['code']}"] = (api.field_errors(exc, ("files",)).get("file") or exc.message)
                continue
            attached[component["code"]] = {"file_id": record["id"], "file_name": record["file_name"],
                                           "size_bytes": record["size_bytes"], "media_type": record["media_type"],
                                           "copy_kind": "original" if component["originals"] else "copy"}
        for component in procedure["components"]:
            if component["required"] and component["code"] not in attached and \
                    f"file-{component['code']}" not in errors and request.form.get("luu") != "nhap":
                errors[f"file-{component['code']}"] = f"Tải lên {component['name'].lower()}."
        _save(draft, attachments=attached)
        if not errors:
            return _next(draft, "giay-to")
    return render_template("citizen/step_files.html", draft=draft, procedure=procedure, attached=attached,
                           errors=errors), (422 if errors else 200)


def _return_step(draft, procedure):
    errors, values = {}, {}
    if request.method == "POST":
        data, errors, values = forms.result_return(request.form, post_allowed=procedure["post_allowed"])
        if not errors:
            _save(draft, result_return=data)
            return _next(draft, "nhan-ket-qua")
    else:
        saved = draft["data"].get("result_return") or {}
        values = {"method": saved.get("method", ""), **(saved.get("address") or {}),
                  "recipient_name": saved.get("recipient_name", ""),
                  "recipient_phone": saved.get("recipient_phone", "")}
    return render_template("citizen/step_return.html", draft=draft, procedure=procedure, values=values,
                           errors=errors, provinces=PROVINCES), (422 if errors else 200)


def _body(draft, procedure) -> dict:
    data = draft["data"]
    names = {c["code"]: c["name"] for c in procedure["components"]}
    return {
        "procedure_code": procedure["code"], "receiving_agency_code": data.get("receiving_agency_code"),
        "applicant": data.get("applicant"), "contact": data.get("contact"),
        "result_return": data.get("result_return"),
        "attachments": [{"component": names.get(code, code), "component_code": code,
                         "copy_kind": item["copy_kind"], "file_id": item["file_id"]}
                        for code, item in (data.get("attachments") or {}).items()],
    }


def _check_step(draft, procedure):
    errors = {}
    missing = [s for s, key in (("co-quan", "receiving_agency_code"), ("nguoi-nop", "applicant"),
                                ("nhan-ket-qua", "result_return")) if not draft["data"].get(key)]
    if request.method == "POST" and not missing:
        try:
            filed = api.post("intake", "/dossiers", _body(draft, procedure),
                             headers={"Idempotency-Key": f"draft-{draft['_id']}"})
        except api.ApiError as exc:
            errors = api.field_errors(exc) or {"_schema": exc.message}
        else:
            drafts.delete(_portal().db, _me(), draft["_id"])
            return redirect(url_for("citizen.submitted", dossier_id=filed["id"]))
    elif missing:
        errors = {"_schema": "Chưa trả lời đủ các câu hỏi: hãy hoàn thành các mục còn thiếu."}
    return render_template("citizen/check.html", draft=draft, procedure=procedure, errors=errors,
                           missing=missing), (422 if errors and request.method == "POST" else 200)


@bp.get("/ho-so/<string:dossier_id>/da-nop")
@page(APPLICANT)
def submitted(dossier_id: str):
    dossier = api.get("intake", f"/dossiers/{dossier_id}")
    url = lookup_url(dossier["code"])
    qr = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    return render_template("citizen/submitted.html", dossier=dossier, qr=qr, url=url)


# -- the dossier ------------------------------------------------------------------------------------------------

@bp.get("/ho-so/<string:dossier_id>")
@page(APPLICANT)
def dossier(dossier_id: str):
    filed, workflow, timeline, shipments = api.together(
        api.prepare("intake", "GET", f"/dossiers/{dossier_id}"),
        api.prepare("workflow", "GET", f"/dossiers/{dossier_id}"),
        api.prepare("workflow", "GET", f"/dossiers/{dossier_id}/timeline"),
        api.prepare("postal", "GET", f"/dossiers/{dossier_id}/shipments"), keep_errors=True)
    if isinstance(filed, api.ApiError):
        raise filed
    for answer in (workflow, timeline):
        if isinstance(answer, api.ApiError) and answer.status != 404:
            raise answer
    if isinstance(workflow, api.ApiError) or isinstance(timeline, api.ApiError):
        workflow, timeline = None, {"entries": []}  # filed a moment ago: the workflow has not received it yet
    return render_template("citizen/dossier.html", filed=filed, workflow=workflow, timeline=timeline["entries"],
                           shipments=[] if isinstance(shipments, api.ApiError) else shipments,
                           form_names=FORM_NAMES, lookup=lookup_url(filed["code"]))


@bp.get("/ho-so/<string:dossier_id>/bieu-mau/<string:form>.pdf")
@page(APPLICANT)
def form_pdf(dossier_id: str, form: str):
    if form not in FORMS:
        abort(404)
    answer = api.call("workflow", "GET", f"/dossiers/{dossier_id}/forms/{form}", params={"format": "pdf"},
                      raw=True)
    return Response(answer.content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{form}.pdf"'})


@bp.get("/ho-so/<string:dossier_id>/tep/<string:file_id>")
@page(APPLICANT)
def attachment(dossier_id: str, file_id: str):
    answer = api.call("intake", "GET", f"/dossiers/{dossier_id}/files/{file_id}", raw=True)
    return Response(answer.content, mimetype=answer.headers.get("Content-Type", "application/octet-stream"),
                    headers={"Content-Disposition": answer.headers.get("Content-Disposition", "attachment")})


@bp.route("/ho-so/<string:dossier_id>/bo-sung", methods=["GET", "POST"])
@page(APPLICANT)
def supply(dossier_id: str):
    workflow = api.get("workflow", f"/dossiers/{dossier_id}")
    if workflow["status"]["code"] != 5:
        session["flash"] = "Hồ sơ không ở trạng thái chờ bổ sung."
        return redirect(url_for("citizen.dossier", dossier_id=dossier_id))
    request_ = workflow["supplementation"]["requests"][-1]
    errors, note = {}, request.form.get("note", "").strip()
    if request.method == "POST":
        attachments = []
        for index, item in enumerate(request_["items"]):
            chosen = request.files.get(f"file-{index}")
            if chosen is None or not chosen.filename:
                errors[f"file-{index}"] = f"Tải lên giấy tờ: {item['name']}."
                continue
            try:
                record = upload(chosen)
            except api.ApiError as exc:
                errors[f"file-{index}"] = api.field_errors(exc, ("files",)).get("file") or exc.message
                continue
            attachments.append({"component": item["name"], **({"component_code": item["component_code"]}
                                                             if item.get("component_code") else {}),
                                "file_name": record["file_name"], "media_type": record["media_type"],
                                "size_bytes": record["size_bytes"], "sha256": record["sha256"],
                                "copy_kind": "copy", "file_id": record["id"]})
        if not errors:
            try:
                api.post("workflow", f"/dossiers/{dossier_id}/supply",
                         {"note": note or None, "attachments": attachments},
                         headers={"If-Match": str(workflow["version"])})
            except api.ApiError as exc:
                errors = {"_schema": exc.message}
            else:
                session["flash"] = "Đã gửi giấy tờ bổ sung. Cơ quan sẽ tiếp tục giải quyết hồ sơ."
                return redirect(url_for("citizen.dossier", dossier_id=dossier_id))
    return render_template("citizen/supply.html", workflow=workflow, request_=request_, errors=errors,
                           note=note), (422 if errors else 200)


@bp.route("/ho-so/<string:dossier_id>/rut", methods=["GET", "POST"])
@page(APPLICANT)
def withdraw(dossier_id: str):
    workflow = api.get("workflow", f"/dossiers/{dossier_id}")
    errors, reason = {}, request.form.get("reason", "").strip()
    if request.method == "POST":
        if len(reason) < 3:
            errors["reason"] = "Nêu lý do rút hồ sơ (ít nhất 3 ký tự)."
        else:
            try:
                api.post("workflow", f"/dossiers/{dossier_id}/withdraw", {"reason": reason})
            except api.ApiError as exc:
                errors = {"reason": exc.message}
            else:
                session["flash"] = "Đã rút hồ sơ."
                return redirect(url_for("citizen.dossier", dossier_id=dossier_id))
    return render_template("citizen/withdraw.html", workflow=workflow, errors=errors, reason=reason), (
        422 if errors else 200)
