"""Administration: procedures (list, view, import a YAML/JSON file, a new draft version, publish it with its
validity window), calendar announcements (day swaps, make-up working Saturdays — the dossiers they move shown
before saving) and officer accounts (create with roles and a workplace, change roles, deactivate). Everything
through the workflow and intake APIs with the administrator's token."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from services.portal import api
from services.portal.access import ADMIN, page
from services.portal.admin import forms
from shared.auth.roles import VIETNAMESE_NAMES, Role

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")
ROLE_OPTIONS = [(r.value, VIETNAMESE_NAMES[r]) for r in Role if r is not Role.APPLICANT]
PREVIEW_SHOWN = 100


def _key() -> str:
    return request.form.get("form_key") or secrets.token_urlsafe(16)


@bp.get("")
@page(ADMIN)
def home():
    procedures, drafts, announcements = api.together(
        api.prepare("workflow", "GET", "/catalogue/procedures"), api.prepare("workflow", "GET", "/catalogue/drafts"),
        api.prepare("workflow", "GET", "/calendar/announcements"))
    return render_template("admin/home.html", procedures=procedures, drafts=drafts, announcements=announcements)


# -- procedures -------------------------------------------------------------------------------------------------

@bp.get("/thu-tuc")
@page(ADMIN)
def procedures():
    found, drafts = api.together(api.prepare("workflow", "GET", "/catalogue/procedures"),
                                 api.prepare("workflow", "GET", "/catalogue/drafts"))
    return render_template("admin/procedures.html", procedures=found, drafts=drafts)


@bp.get("/thu-tuc/<string:code>")
@page(ADMIN)
def procedure(code: str):
    versions = api.get("workflow", f"/catalogue/procedures/{code}/versions")
    return render_template("admin/procedure.html", code=code, versions=versions)


@bp.get("/thu-tuc/<string:code>/phien-ban/<int:version>")
@page(ADMIN)
def version(code: str, version: int):
    return _version_page(api.get("workflow", f"/catalogue/procedures/{code}/versions/{version}"), {}, {})


def _version_page(found: dict, errors: dict, values: dict, status: int = 200):
    return render_template("admin/version.html", p=found, errors=errors, values=values), status


@bp.post("/thu-tuc/<string:code>/phien-ban/<int:version>/cong-bo")
@page(ADMIN)
def publish(code: str, version: int):
    """Publishes a draft from a day (and until a day, if it ends); the API checks the internal process adds up
    to the time limit (Circular 01/2018 Art. 8)."""
    values = {"valid_from": request.form.get("valid_from", ""), "valid_until": request.form.get("valid_until", "")}
    body = {"valid_from": values["valid_from"] or None, "valid_until": values["valid_until"] or None}
    try:
        api.post("workflow", f"/catalogue/procedures/{code}/versions/{version}/publish", body)
    except api.ApiError as exc:
        errors = api.field_errors(exc) or {"valid_from": exc.message}
        found = api.get("workflow", f"/catalogue/procedures/{code}/versions/{version}")
        return _version_page(found, _publish_errors(errors, exc.message), values, exc.status)
    session["flash"] = f"Đã công bố phiên bản {version} của thủ tục {code}."
    return redirect(url_for("admin.version", code=code, version=version))


def _publish_errors(errors: dict, message: str) -> dict:
    kept = {k: v for k, v in errors.items() if k in ("valid_from", "valid_until")}
    others = [v for k, v in errors.items() if k not in kept]
    if others:
        kept["process"] = f"{message} {' '.join(others)}"
    return kept


@bp.route("/thu-tuc/moi", methods=["GET", "POST"])
@page(ADMIN)
def new_version():
    """A new draft: a new version of a procedure (its current version to edit) or a new procedure, as a
    YAML/JSON document typed or uploaded."""
    source = request.args.get("tu", "")
    key, problems = _key(), []
    text = request.form.get("document", "")
    if request.method == "GET" and source:
        versions = api.get("workflow", f"/catalogue/procedures/{source}/versions")
        text = forms.procedure_text(versions[-1])
    if request.method == "POST":
        chosen = request.files.get("file")
        if chosen is not None and chosen.filename:
            text, problem = forms.upload_text(chosen)
            problems += [problem] if problem else []
        document, problem = forms.parse_document(text) if not problems else (None, None)
        problems += [problem] if problem else []
        if not problems:
            try:
                draft = api.post("workflow", "/catalogue/procedures", document, headers={"Idempotency-Key": key})
            except api.ApiError as exc:
                problems = _document_problems(exc)
            else:
                session["flash"] = f"Đã tạo bản nháp phiên bản {draft['version']} của thủ tục {draft['code']}."
                return redirect(url_for("admin.version", code=draft["code"], version=draft["version"]))
    return render_template("admin/new_version.html", text=text, source=source, problems=problems,
                           form_key=key), (422 if problems else 200)


@bp.route("/thu-tuc/<string:code>/phien-ban/<int:version>/sua", methods=["GET", "POST"])
@page(ADMIN)
def edit_draft(code: str, version: int):
    found = api.get("workflow", f"/catalogue/procedures/{code}/versions/{version}")
    if found["status"] != "draft":
        abort(404)
    text, problems = request.form.get("document", forms.procedure_text(found)), []
    if request.method == "POST":
        document, problem = forms.parse_document(text)
        problems = [problem] if problem else []
        if not problems:
            try:
                api.put("workflow", f"/catalogue/procedures/{code}/versions/{version}", document)
            except api.ApiError as exc:
                problems = _document_problems(exc)
            else:
                session["flash"] = "Đã lưu bản nháp."
                return redirect(url_for("admin.version", code=code, version=version))
    return render_template("admin/edit_draft.html", p=found, text=text, problems=problems), (
        422 if problems else 200)


def _document_problems(exc: api.ApiError) -> list[str]:
    """The API's message, then each field it names, by its path in the document (what the administrator
    looks for in the YAML)."""
    return [exc.message, *(f"{path}: {message}" for path, message in api.field_errors(exc).items())]


@bp.route("/thu-tuc/nhap", methods=["GET", "POST"])
@page(ADMIN)
def import_file():
    """Agencies, procedures and announcements from a YAML or JSON file (the seed catalogue's format)."""
    report, problems = None, []
    if request.method == "POST":
        chosen = request.files.get("file")
        if chosen is None or not chosen.filename:
            problems = ["Chọn tệp YAML hoặc JSON để nhập."]
        else:
            text, problem = forms.upload_text(chosen)
            problem = problem or forms.parse_document(text)[1]
            problems = [problem] if problem else []
            if not problems:
                try:
                    report = api.call("workflow", "POST", "/catalogue/import", data=text.encode(), headers={
                        "Content-Type": forms.import_media_type(chosen.filename, text)})
                except api.ApiError as exc:
                    problems = _document_problems(exc)
    return render_template("admin/import.html", report=report, problems=problems), (422 if problems else 200)


# -- calendar announcements -------------------------------------------------------------------------------------

@bp.get("/lich")
@page(ADMIN)
def calendar():
    return _calendar_page({}, {})


def _calendar_page(values: dict, errors: dict, status: int = 200):
    return render_template("admin/calendar.html", announcements=api.get("workflow", "/calendar/announcements"),
                           values=values, errors=errors), status


@bp.post("/lich/xem-truoc")
@page(ADMIN)
def calendar_preview():
    """Before saving: the open dossiers the announcement would move, each due moment old and new (the workflow
    counts them as publishing would)."""
    body, errors = forms.announcement(request.form)
    values = {k: request.form.get(k, "") for k in ("id", "title", "reference", "days_off", "working_days")}
    if errors:
        return _calendar_page(values, errors, 422)
    try:
        preview = api.post("workflow", "/calendar/announcements/preview", body)
    except api.ApiError as exc:
        return _calendar_page(values, api.field_errors(exc) or {"id": exc.message}, exc.status)
    return render_template("admin/calendar_preview.html", announcement=body, values=values, preview=preview,
                           shown=preview["dossiers"][:PREVIEW_SHOWN], form_key=secrets.token_urlsafe(16))


@bp.post("/lich/luu")
@page(ADMIN)
def calendar_publish():
    body, errors = forms.announcement(request.form)
    values = {k: request.form.get(k, "") for k in ("id", "title", "reference", "days_off", "working_days")}
    if errors:
        return _calendar_page(values, errors, 422)
    try:
        api.post("workflow", "/calendar/announcements", body, headers={"Idempotency-Key": _key()})
    except api.ApiError as exc:
        return _calendar_page(values, api.field_errors(exc) or {"id": exc.message}, exc.status)
    session["flash"] = f"Đã lưu thông báo “{body['title']}”; hạn của các hồ sơ đang giải quyết đã được tính lại."
    return redirect(url_for("admin.calendar"))


# -- officer accounts -------------------------------------------------------------------------------------------

def _agency_options() -> list[tuple[str, str]]:
    return [(a["code"], a["name"]) for a in sorted(api.agencies().values(), key=lambda a: a["name"])
            if not a.get("valid_until")]


@bp.get("/tai-khoan")
@page(ADMIN)
def accounts():
    """An agency's (or post office's) officer accounts."""
    workplace = (request.args.get("buu_cuc") or request.args.get("co_quan") or "").strip()
    found, problem = None, None
    if workplace:
        cursor = request.args.get("sau")
        try:
            found = api.get("intake", "/accounts/officers", params={
                "agency_code": workplace, "limit": 50, **({"cursor": cursor} if cursor else {})})
        except api.ApiError as exc:
            problem = exc.message
    kept = {k: v for k, v in request.args.items() if k != "sau"}
    next_url = url_for("admin.accounts", **kept, sau=found["next_cursor"]) if found and found["next_cursor"] else None
    return render_template("admin/accounts.html", workplace=workplace, found=found, problem=problem,
                           agencies=_agency_options(), args=request.args, next_url=next_url)


@bp.route("/tai-khoan/moi", methods=["GET", "POST"])
@page(ADMIN)
def new_account():
    key, errors = _key(), {}
    values = {k: request.form.get(k, "") for k in ("username", "full_name", "email", "agency_code", "post_office",
                                                    "workplace")}
    values["workplace"] = values["workplace"] or "agency"
    values["agency_code"] = values["agency_code"] or request.args.get("co_quan", "")
    roles = request.form.getlist("roles")
    if request.method == "POST":
        body = forms.officer(request.form)
        if request.form.get("password") != request.form.get("password_again"):
            errors["password_again"] = "Mật khẩu nhập lại không khớp."
        else:
            try:
                made = api.post("intake", "/accounts/officers", body, headers={"Idempotency-Key": key})
            except api.ApiError as exc:
                errors = _account_errors(exc, values["workplace"])
            else:
                session["flash"] = f"Đã tạo tài khoản {made['username']}."
                return redirect(url_for("admin.account", account_id=made["id"]))
    return render_template("admin/new_account.html", values=values, roles=roles, errors=errors, form_key=key,
                           agencies=_agency_options(), role_options=ROLE_OPTIONS), (422 if errors else 200)


def _account_errors(exc: api.ApiError, workplace: str) -> dict[str, str]:
    found = api.field_errors(exc)
    if not found:
        return {"username": exc.message}
    if "agency_code" in found:
        found["post_office" if workplace == "post_office" else "agency_code"] = found.pop("agency_code")
    return {("roles" if k.startswith("roles") else k): v for k, v in found.items()}


@bp.get("/tai-khoan/<string:account_id>")
@page(ADMIN)
def account(account_id: str):
    return _account_page(api.get("intake", f"/accounts/officers/{account_id}"), {})


def _account_page(found: dict, errors: dict, status: int = 200):
    return render_template("admin/account.html", a=found, errors=errors, role_options=ROLE_OPTIONS), status


@bp.post("/tai-khoan/<string:account_id>/vai-tro")
@page(ADMIN)
def change_roles(account_id: str):
    try:
        api.put("intake", f"/accounts/officers/{account_id}/roles", {"roles": request.form.getlist("roles")})
    except api.ApiError as exc:
        found = api.get("intake", f"/accounts/officers/{account_id}")
        errors = api.field_errors(exc) or {"roles": exc.message}
        return _account_page(found, {("roles" if k.startswith("roles") else k): v for k, v in errors.items()},
                             exc.status)
    session["flash"] = "Đã đổi vai trò. Vai trò mới có hiệu lực từ lần đăng nhập sau của cán bộ."
    return redirect(url_for("admin.account", account_id=account_id))


@bp.post("/tai-khoan/<string:account_id>/khoa")
@page(ADMIN)
def deactivate(account_id: str):
    try:
        api.post("intake", f"/accounts/officers/{account_id}/deactivate")
    except api.ApiError as exc:
        return _account_page(api.get("intake", f"/accounts/officers/{account_id}"), {"deactivate": exc.message},
                             exc.status)
    session["flash"] = "Đã khóa tài khoản: cán bộ không đăng nhập được nữa."
    return redirect(url_for("admin.account", account_id=account_id))
