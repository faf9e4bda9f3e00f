"""The officer console: the agency's queue with counts and due badges; counter filing for a walk-in applicant
(scanned uploads and the components checklist); a dossier with the actions open to the officer — reception,
assignment, steps, consultations and their answers, verification, the financial obligation and its payment,
extension, result, return — and its postal status; printing forms; the officer's inbox.

Views parse the form, call the API with the officer's token and render: the API decides, and its legal guard
messages (with their article) are shown as it words them. Which forms a page offers follows the dossier's
steps only to spare the officer buttons that cannot apply to them."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict

from services.portal import api
from services.portal.access import officer as officer_rule
from services.portal.access import page
from services.portal.citizen import forms as citizen_forms
from services.portal.officer import forms
from services.portal.places import PROVINCES
from shared.auth.roles import Role

bp = Blueprint("officer", __name__, url_prefix="/can-bo")
OFFICERS = officer_rule()
DESK = officer_rule(Role.COUNTER_OFFICER)
PRINTABLE = ("receipt", "supplement_request", "refusal", "apology", "stop_notice", "control_slip")
QUEUE_ARGS = {"trang_thai": "status", "thu_tuc": "procedure", "han": "due_state", "sau": "cursor"}
DUE_STATES = ("late", "due_soon", "on_time")
QUEUE_PAGE = 50
ACTIONS = ("accept", "request-supplement", "refuse", "assign", "complete-step", "record-payment", "consult",
           "answer-consultation", "schedule-verification", "extend", "notify-early-return", "return-result", "stop")
DONE = {"accept": "Đã tiếp nhận hồ sơ. In Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01) để giao cho người nộp.",
        "request-supplement": "Đã gửi yêu cầu bổ sung (Mẫu 02) cho người nộp.",
        "refuse": "Đã từ chối tiếp nhận (Mẫu 03).", "assign": "Đã phân công xử lý.",
        "complete-step": "Đã hoàn thành bước và chuyển tiếp.",
        "record-payment": "Đã ghi nhận việc thực hiện nghĩa vụ tài chính; hồ sơ tiếp tục được giải quyết.",
        "consult": "Đã gửi đề nghị cho ý kiến.", "answer-consultation": "Đã gửi ý kiến trả lời.",
        "schedule-verification": "Đã hẹn xác minh.", "extend": "Đã gia hạn và xin lỗi (Mẫu 04).",
        "notify-early-return": "Đã thông báo trả kết quả sớm.", "return-result": "Đã trả kết quả.",
        "stop": "Đã dừng xử lý hồ sơ."}
PRESENTED_KEPT = 20  # counter filings whose paper checklist the session remembers until acceptance


def _user() -> dict:
    return session["user"]


def _agency() -> str:
    return _user()["agency_code"]


# -- the queue --------------------------------------------------------------------------------------------------

@bp.get("")
@page(OFFICERS)
def home():
    return redirect(url_for("officer.queue"))


@bp.get("/ho-so")
@page(OFFICERS)
def queue():
    params = {api_name: request.args[name] for name, api_name in QUEUE_ARGS.items() if request.args.get(name)}
    if params.get("due_state") not in (None, *DUE_STATES):
        params.pop("due_state")
    agency = _agency()
    page_, counts = api.together(  # one round trip's time: the page and its counts at once
        api.prepare("workflow", "GET", f"/agencies/{agency}/queue", params={"limit": QUEUE_PAGE, **params}),
        api.prepare("workflow", "GET", f"/agencies/{agency}/queue/counts"))
    kept = {k: v for k, v in request.args.items() if k != "sau"}
    next_url = url_for("officer.queue", **kept, sau=page_["next_cursor"]) if page_["next_cursor"] else None
    return render_template("officer/queue.html", items=page_["items"], next_url=next_url,
                           counts=counts, args=request.args, procedures=api.procedures())


# -- a dossier --------------------------------------------------------------------------------------------------

@bp.get("/ho-so/<string:dossier_id>")
@page(OFFICERS)
def dossier(dossier_id: str):
    return _page(dossier_id, {}, None)


def _components(code: str) -> list[dict]:
    try:
        return api.cached("intake", f"/procedures/{code}")["components"]
    except api.ApiError:
        return []


def _page(dossier_id: str, errors: dict, action: str | None, status: int = 200, form=None):
    d, timeline, shipments = api.together(
        api.prepare("workflow", "GET", f"/dossiers/{dossier_id}"),
        api.prepare("workflow", "GET", f"/dossiers/{dossier_id}/timeline"),
        api.prepare("postal", "GET", f"/dossiers/{dossier_id}/shipments"), keep_errors=True)
    if isinstance(d, api.ApiError):
        if d.status == 404:
            return _arriving(dossier_id)
        raise d
    user = _user()
    mine = [s for s in d["steps"] if s["state"] == "active" and s["agency"] == user["agency_code"]
            and s["role"] in user["roles"]]
    officers = _colleagues() if any(s["kind"] == "assignment" for s in mine) else []
    presented = session.get("presented", {}).get(dossier_id, [])
    return render_template(
        "officer/dossier.html", d=d, timeline=[] if isinstance(timeline, api.ApiError) else timeline["entries"],
        shipments=[] if isinstance(shipments, api.ApiError) else shipments, errors=errors, action=action,
        form=form if form is not None else MultiDict(), components=_components(d["procedure"]["code"]),
        attached={a.get("component_code") for a in d["attachments"]}, presented=presented, mine=mine,
        officers=officers, agencies=[(a["code"], a["name"]) for a in sorted(
            api.agencies().values(), key=lambda a: a["name"]) if a["code"] != user["agency_code"]
            and not a.get("valid_until")],
        printable=[f for f in PRINTABLE if f in d["forms"] or f == "control_slip"]), status


def _colleagues() -> list[dict]:
    """The agency's active officers, for the head to assign one (intake lists them for the agency's head)."""
    try:
        found = api.get("intake", "/accounts/officers", params={"agency_code": _agency(), "limit": 200})
    except api.ApiError:
        return []
    return [a for a in found["items"] if a["active"] and Role.POSTAL_STAFF.value not in a["roles"]]


def _arriving(dossier_id: str):
    """A dossier filed a moment ago, not yet at the workflow (the event is on its way): what intake holds."""
    filed = api.get("intake", f"/dossiers/{dossier_id}")
    return render_template("officer/arriving.html", filed=filed)


@bp.post("/ho-so/<string:dossier_id>/<string:action>")
@page(OFFICERS)
def act(dossier_id: str, action: str):
    if action not in ACTIONS:
        abort(404)
    version = request.form.get("version", "")
    components = _components(request.form.get("procedure", "")) if action == "request-supplement" else []
    body = forms.action_body(action, request.form, components)
    if action == "assign" and not body["assignee_name"]:  # chosen from the list: the timeline names the person
        body["assignee_name"] = next((a["full_name"] for a in _colleagues() if a["id"] == body["assignee"]), None)
    try:
        api.post("workflow", f"/dossiers/{dossier_id}/{action}", body,
                 headers={"If-Match": version} if version.isdigit() else None)
    except api.ApiError as exc:
        # The API's message first — a legal guard as the API words it, with its article — then its field errors.
        errors = {action: exc.message, **{f"{action}.{k}": v for k, v in api.field_errors(exc).items()}}
        return _page(dossier_id, errors, action, exc.status if exc.status in (403, 409, 422) else 400,
                     form=request.form)
    if action == "accept":
        session.get("presented", {}).pop(dossier_id, None)
        session.modified = True
    session["flash"] = DONE[action]
    return redirect(url_for("officer.dossier", dossier_id=dossier_id))


@bp.get("/ho-so/<string:dossier_id>/in/<string:form>.pdf")
@page(OFFICERS)
def print_form(dossier_id: str, form: str):
    if form not in PRINTABLE:
        abort(404)
    answer = api.call("workflow", "GET", f"/dossiers/{dossier_id}/forms/{form}", params={"format": "pdf"}, raw=True)
    return Response(answer.content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{form}.pdf"'})


@bp.get("/ho-so/<string:dossier_id>/tep/<string:file_id>")
@page(OFFICERS)
def attachment(dossier_id: str, file_id: str):
    answer = api.call("intake", "GET", f"/dossiers/{dossier_id}/files/{file_id}", raw=True)
    return Response(answer.content, mimetype=answer.headers.get("Content-Type", "application/octet-stream"),
                    headers={"Content-Disposition": answer.headers.get("Content-Disposition", "attachment")})


# -- counter filing ---------------------------------------------------------------------------------------------

@bp.get("/tiep-nhan")
@page(DESK)
def counter_start():
    return render_template("officer/counter.html", procedures=[
        p for p in api.procedures() if _agency() in p["receiving_agency_codes"]])


@bp.route("/tiep-nhan/<string:code>", methods=["GET", "POST"])
@page(DESK)
def counter_file(code: str):
    """A walk-in applicant's dossier (channel counter): who applies and who hands it in, the scans of the
    papers (uploaded to intake as the officer) and the checklist of what was presented on paper, how the
    result is returned. Filed through the intake counter API; the reception decision follows on the dossier."""
    procedure = api.get("intake", f"/procedures/{code}", anonymous=True)
    form = request.form
    key = form.get("form_key") or secrets.token_urlsafe(16)
    errors: dict[str, str] = {}
    values: dict = {}
    attached = _kept_uploads(form, procedure)
    if request.method == "POST":
        data, errors, values = citizen_forms.applicant(form)
        who, who_errors, who_values = forms.submitter(form, data["applicant"])
        result_return, return_errors, return_values = citizen_forms.result_return(
            form, post_allowed=procedure["post_allowed"])
        errors.update(who_errors)
        errors.update(return_errors)
        values.update({f"submitter_{k}": v for k, v in who_values.items()}, **return_values)
        errors.update(_upload_scans(form, procedure, key, attached))
        if not errors:
            body = forms.counter_submission(procedure, _agency(), data["applicant"], data["contact"], who,
                                            result_return, attached)
            try:
                filed = api.post("intake", "/counter/dossiers", body, headers={"Idempotency-Key": f"quay-{key}"})
            except api.ApiError as exc:
                errors = _counter_errors(exc)
            else:
                _remember_presented(filed["id"], form.getlist("presented"))
                return redirect(url_for("officer.counter_filed", dossier_id=filed["id"]))
    return render_template("officer/counter_file.html", procedure=procedure, values=values, errors=errors,
                           attached=attached, presented=form.getlist("presented"), form_key=key,
                           provinces=PROVINCES), (422 if errors else 200)


def _kept_uploads(form, procedure: dict) -> dict[str, dict]:
    """Scans uploaded by an earlier try of the same form (kept in hidden fields: a browser never refills a
    file field)."""
    kept = {}
    for c in procedure["components"]:
        file_id = form.get(f"uploaded-{c['code']}")
        if file_id:
            kept[c["code"]] = {"file_id": file_id, "file_name": form.get(f"uploaded-name-{c['code']}", ""),
                               "copy_kind": "original" if c["originals"] else "copy"}
    return kept


def _upload_scans(form, procedure: dict, key: str, attached: dict[str, dict]) -> dict[str, str]:
    errors = {}
    for c in procedure["components"]:
        chosen = request.files.get(f"file-{c['code']}")
        if chosen is None or not chosen.filename:
            continue
        try:
            record = api.call("intake", "POST", "/uploads", files={
                "file": (chosen.filename, chosen.stream, chosen.mimetype)})
        except api.ApiError as exc:
            errors[f"file-{c['code']}"] = api.field_errors(exc, ("files",)).get("file") or exc.message
            continue
        attached[c["code"]] = {"file_id": record["id"], "file_name": record["file_name"],
                               "copy_kind": "original" if c["originals"] else "copy"}
    return errors


COUNTER_FIELDS = {"applicant.full_name": "full_name", "applicant.id_number": "id_number", "contact.phone": "phone",
                  "contact.email": "email", "contact._schema": "phone", "submitter.id_number": "submitter_id_number",
                  "submitter.full_name": "submitter_full_name", "submitter.authorisation": "submitter_authorisation",
                  "result_return.recipient_phone": "recipient_phone"}


def _counter_errors(exc: api.ApiError) -> dict[str, str]:
    fields = api.field_errors(exc)
    if not fields:
        return {"_schema": exc.message}
    return {COUNTER_FIELDS.get(k, "_schema" if k.startswith(("procedure", "receiving", "attachments")) else k): v
            for k, v in fields.items()}


def _remember_presented(dossier_id: str, codes: list[str]) -> None:
    kept = dict(list(session.get("presented", {}).items())[-(PRESENTED_KEPT - 1):])
    kept[dossier_id] = codes
    session["presented"] = kept


@bp.get("/tiep-nhan/da-nop/<string:dossier_id>")
@page(DESK)
def counter_filed(dossier_id: str):
    return render_template("officer/counter_filed.html", filed=api.get("intake", f"/dossiers/{dossier_id}"))


# -- the inbox --------------------------------------------------------------------------------------------------

@bp.get("/thong-bao")
@page(OFFICERS)
def inbox():
    """Messages to the officer and their agency (a consultation asked of the agency, supplied papers, alerts),
    each with its dossier."""
    cursor = request.args.get("sau")
    found = api.get("notify", "/inbox", params={"limit": 30, **({"cursor": cursor} if cursor else {})})
    return render_template("officer/inbox.html", items=found["items"], unread=found.get("unread", 0),
                           next_cursor=found["next_cursor"])
