"""Ratings and petitions (phản ánh, kiến nghị) in the portal: the page the rating link of the messages opens, the
counter officer recording a paper form or a rating device's answer, sending a petition (signed in or not),
following it and rating its answer, and the agency's officers handling it. The feedback API decides everything
with the person's own token (or the petition's access key); these pages only ask and show."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from services.portal import api
from services.portal.access import APPLICANT, PUBLIC, page
from services.portal.access import officer as officer_rule
from shared.auth.roles import Role
from shared.domain import evaluation as ev
from shared.domain.identifiers import is_dossier_code

bp = Blueprint("feedback", __name__)

DESK = officer_rule(Role.COUNTER_OFFICER)
HANDLERS = officer_rule(Role.COUNTER_OFFICER, Role.SPECIALIST, Role.AGENCY_HEAD, Role.CLERK, Role.MANAGER)
KEY = "X-Petition-Key"


def _answers(form) -> dict:
    return {"answers": {c.code: form.get(c.code) or None for c in ev.CRITERIA},
            "satisfied": {"1": True, "0": False}.get(form.get("satisfied", "")),
            "comment": form.get("comment") or None}


def _errors(exc: api.ApiError) -> dict[str, str]:
    found = api.field_errors(exc)
    flat = {k.removeprefix("answers."): v for k, v in found.items()}
    return flat or {"_schema": exc.message}


# -- rating a dossier --------------------------------------------------------------------------------------------

@bp.route("/danh-gia/<string:code>", methods=["GET", "POST"])
@page(PUBLIC)
def rating(code: str):
    """The rating link of the messages: it never answers 404. Rating needs the owner's account; the page says
    why it cannot be rated (not returned yet, already rated, window closed) or shows the form."""
    user = session.get("user")
    found, errors, status = None, {}, 200
    if user is None or user.get("kind") != "applicant" or not is_dossier_code(code):
        lookup = None
        if is_dossier_code(code):
            try:
                lookup = api.get("intake", f"/lookup/{code}", anonymous=True)
            except api.ApiError:
                lookup = None
        return render_template("feedback/rating_signed_out.html", code=code, dossier=lookup)
    if request.method == "POST":
        try:
            api.post("feedback", f"/dossiers/{code}/rating", _answers(request.form),
                     headers={"Idempotency-Key": request.form.get("key") or uuid.uuid4().hex})
            session["flash"] = "Cảm ơn Ông/Bà đã đánh giá. Kết quả đánh giá được dùng để cải thiện chất lượng phục vụ."
            return redirect(url_for("feedback.rating", code=code))
        except api.ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors, status = _errors(exc), exc.status
    try:
        found = api.get("feedback", f"/dossiers/{code}/rating")
    except api.ApiError as exc:
        if exc.status != 404:
            raise
    return render_template("feedback/rating.html", code=code, state=found, errors=errors, form=request.form,
                           criteria=ev.CRITERIA, key=uuid.uuid4().hex), status


@bp.route("/can-bo/danh-gia", methods=["GET", "POST"])
@page(DESK)
def record_rating():
    """The counter officer records a paper rating form or a rating device's answer for a returned dossier."""
    code = (request.values.get("ma") or "").strip()
    errors, state, status = {}, None, 200
    if request.method == "POST":
        body = {**_answers(request.form), "channel": request.form.get("channel") or None}
        try:
            api.post("feedback", f"/dossiers/{code}/rating", body,
                     headers={"Idempotency-Key": request.form.get("key") or uuid.uuid4().hex})
            session["flash"] = f"Đã ghi nhận đánh giá của hồ sơ {code}."
            return redirect(url_for("feedback.record_rating", ma=code))
        except api.ApiError as exc:
            if exc.status not in (403, 404, 409, 422):
                raise
            errors, status = _errors(exc), exc.status
    if code:
        try:
            state = api.get("feedback", f"/dossiers/{code}/rating")
        except api.ApiError as exc:
            errors, status = {"ma": exc.message}, exc.status if exc.status in (403, 404) else 400
    return render_template("feedback/record_rating.html", code=code, state=state, errors=errors, form=request.form,
                           criteria=ev.CRITERIA, channels=[(k, v) for k, v in ev.RATING_CHANNELS.items()
                                                           if k in ev.COUNTER_CHANNELS],
                           key=uuid.uuid4().hex), status


# -- petitions: sending, following, rating the answer ------------------------------------------------------------

@bp.route("/phan-anh", methods=["GET", "POST"])
@page(PUBLIC)
def send_petition():
    form, errors, status = request.form, {}, 200
    if request.method == "POST":
        body = {"subject": form.get("subject") or "", "agency_code": form.get("agency_code") or None,
                "procedure_code": form.get("procedure_code") or None, "dossier_code": form.get("dossier_code") or None,
                "officer_name": form.get("officer_name") or None, "title": form.get("title", ""),
                "content": form.get("content", ""), "follows_up": form.get("follows_up") or None,
                "sender": {"full_name": form.get("full_name", ""), "email": form.get("email") or None,
                           "phone": form.get("phone") or None}, "attachment_ids": []}
        try:
            sent = request.files.get("file")
            if sent is not None and sent.filename:
                uploaded = api.call("feedback", "POST", "/petitions/attachments",
                                    files={"file": (sent.filename, sent.read(), sent.mimetype)},
                                    headers={"Idempotency-Key": uuid.uuid4().hex})
                body["attachment_ids"] = [uploaded["id"]]
            made = api.post("feedback", "/petitions", body,
                            headers={"Idempotency-Key": form.get("key") or uuid.uuid4().hex})
            return render_template("feedback/petition_sent.html", petition=made), 201
        except api.ApiError as exc:
            if exc.status not in (413, 422):
                raise
            errors = {k.replace("sender.", ""): v for k, v in api.field_errors(exc).items()}
            errors.update({k: v for k, v in api.field_errors(exc, ("files",)).items() if k == "file"})
            errors = errors or {"_schema": exc.message}
            status = exc.status
    agencies = sorted(api.agencies().values(), key=lambda a: a["name"])
    return render_template("feedback/petition_form.html", form=form, errors=errors, subjects=ev.SUBJECTS,
                           agencies=agencies, key=uuid.uuid4().hex), status


def _key() -> str | None:
    return request.values.get("ma_bao_mat") or session.get("petition_keys", {}).get(request.view_args["code"])


def _petition(code: str):
    key = _key()
    return api.get("feedback", f"/petitions/{code}", headers={KEY: key} if key else None,
                   anonymous=bool(key) and session.get("user") is None)


@bp.route("/phan-anh/<string:code>", methods=["GET", "POST"])
@page(PUBLIC)
def petition(code: str):
    """The sender follows a petition (signed in, or with the access key shown when it was sent), gives the
    information asked for and rates the answer."""
    if request.method == "POST" and request.form.get("ma_bao_mat"):
        session["petition_keys"] = {**session.get("petition_keys", {}), code: request.form["ma_bao_mat"]}
        return redirect(url_for("feedback.petition", code=code))
    errors, status = {}, 200
    key = _key()
    headers = {KEY: key} if key else {}
    if request.method == "POST":
        action = request.form.get("action")
        body = ({"note": request.form.get("note", "")} if action == "supply-info" else
                {"satisfied": {"1": True, "0": False}.get(request.form.get("satisfied", "")),
                 "comment": request.form.get("comment") or None})
        path = "supply-info" if action == "supply-info" else "rating"
        try:
            api.post("feedback", f"/petitions/{code}/{path}", body, headers=headers,
                     anonymous=bool(key) and session.get("user") is None)
            session["flash"] = "Đã gửi." if action == "supply-info" else "Cảm ơn Ông/Bà đã đánh giá kết quả trả lời."
            return redirect(url_for("feedback.petition", code=code))
        except api.ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors, status = api.field_errors(exc) or {"_schema": exc.message}, exc.status
    try:
        found = _petition(code)
    except (api.ApiError, api.SessionEnded) as exc:
        if isinstance(exc, api.ApiError) and exc.status not in (401, 403, 404):
            raise
        return render_template("feedback/petition_key.html", code=code,
                               wrong=bool(key)), 200 if not key else 403
    return render_template("feedback/petition.html", p=found, errors=errors, statuses=ev.PETITION_STATUSES,
                           conclusions=ev.CONCLUSIONS, subjects=ev.SUBJECTS), status


@bp.get("/phan-anh-cua-toi")
@page(APPLICANT)
def my_petitions():
    found = api.get("feedback", "/petitions/mine", params={"limit": 50})
    return render_template("feedback/my_petitions.html", items=found["items"], statuses=ev.PETITION_STATUSES)


# -- petitions: the agency's officers ------------------------------------------------------------------------------

@bp.get("/can-bo/phan-anh")
@page(HANDLERS)
def agency_petitions():
    state = request.args.get("trang_thai", "open")
    params = {"limit": 50, **({"state": state} if state in ("open", "closed") else {})}
    found = api.get("feedback", f"/agencies/{session['user']['agency_code']}/petitions", params=params)
    return render_template("feedback/agency_petitions.html", items=found["items"], state=state,
                           statuses=ev.PETITION_STATUSES)


ACTIONS = {"accept": "Đã tiếp nhận xử lý.", "refuse": "Đã từ chối xử lý và báo cho người gửi.",
           "request-info": "Đã đề nghị người gửi bổ sung thông tin.", "answer": "Đã gửi trả lời cho người gửi.",
           "publish": "Đã công khai kết quả trả lời."}


@bp.route("/can-bo/phan-anh/<string:code>", methods=["GET", "POST"])
@page(HANDLERS)
def handle_petition(code: str):
    errors, status, action = {}, 200, None
    if request.method == "POST":
        action = request.form.get("action", "")
        if action not in ACTIONS:
            abort(404)
        form = request.form
        body = {"refuse": {"reason": form.get("reason", "")}, "request-info": {"request": form.get("request", "")},
                "answer": {"answer": form.get("answer", ""), "conclusion": form.get("conclusion", ""),
                           "publish": form.get("publish") == "1"}}.get(action, {})
        try:
            api.post("feedback", f"/petitions/{code}/{action}", body,
                     headers={"If-Match": form.get("version", "")})
            session["flash"] = ACTIONS[action]
            return redirect(url_for("feedback.handle_petition", code=code))
        except api.ApiError as exc:
            if exc.status not in (403, 409, 422):
                raise
            errors, status = {f"{action}.{k}": v for k, v in api.field_errors(exc).items()} or {
                action: exc.message}, exc.status
    found = api.get("feedback", f"/petitions/{code}")
    return render_template("feedback/handle_petition.html", p=found, errors=errors, action=action,
                           statuses=ev.PETITION_STATUSES, conclusions=ev.CONCLUSIONS, subjects=ev.SUBJECTS,
                           stages=ev.STAGES), status
