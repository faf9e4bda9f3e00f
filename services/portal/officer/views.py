"""The officer console: the agency's queue with counts and due badges, a dossier with the actions the
officer's role allows (the API decides and explains refusals, with their article), printing forms."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for

from services.portal import api
from services.portal.access import officer as officer_rule
from services.portal.access import page
from shared.auth.roles import Role

bp = Blueprint("officer", __name__, url_prefix="/can-bo")
OFFICERS = officer_rule()
PRINTABLE = ("receipt", "supplement_request", "refusal", "apology", "stop_notice", "control_slip")
QUEUE_ARGS = {"trang_thai": "status", "thu_tuc": "procedure", "han": "due_state", "sau": "cursor"}


def _agency() -> str:
    return session["user"]["agency_code"]


@bp.get("")
@page(OFFICERS)
def home():
    return redirect(url_for("officer.queue"))


@bp.get("/ho-so")
@page(OFFICERS)
def queue():
    params = {api_name: request.args[name] for name, api_name in QUEUE_ARGS.items() if request.args.get(name)}
    if params.get("due_state") not in (None, "late", "due_soon", "on_time"):
        params.pop("due_state")
    page_ = api.get("workflow", f"/agencies/{_agency()}/queue", params={"limit": 50, **params})
    counts = api.get("workflow", f"/agencies/{_agency()}/queue/counts")
    kept = {k: v for k, v in request.args.items() if k != "sau"}
    next_url = url_for("officer.queue", **kept, sau=page_["next_cursor"]) if page_["next_cursor"] else None
    return render_template("officer/queue.html", items=page_["items"], next_url=next_url,
                           counts=counts, args=request.args, procedures=api.procedures())


@bp.get("/ho-so/<string:dossier_id>")
@page(OFFICERS)
def dossier(dossier_id: str):
    return _page(api.get("workflow", f"/dossiers/{dossier_id}"), {}, None)


def _components(d: dict) -> list[dict]:
    try:
        return api.get("intake", f"/procedures/{d['procedure']['code']}", anonymous=True)["components"]
    except api.ApiError:
        return []


def _page(d: dict, errors: dict, action: str | None, status: int = 200):
    timeline = api.get("workflow", f"/dossiers/{d['id']}/timeline")["entries"]
    attached = {a.get("component_code") for a in d["attachments"]}
    return render_template("officer/dossier.html", d=d, timeline=timeline, errors=errors, action=action,
                           components=_components(d), attached=attached,
                           printable=[f for f in PRINTABLE if f in d["forms"] or f == "control_slip"]), status


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _body(action: str, form, d: dict) -> dict:  # noqa: C901 - one small branch per command
    if action == "accept":
        return {"presented": form.getlist("presented"), "note": form.get("note") or None}
    if action == "request-supplement":
        names = {c["code"]: c["name"] for c in _components(d)}
        items = [{"component_code": code, "name": names.get(code, code),
                  "reason": form.get(f"reason-{code}") or form.get("reason") or "Cần bổ sung theo quy định."}
                 for code in form.getlist("missing")]
        items += [{"name": line, "reason": form.get("reason") or "Cần bổ sung theo quy định."}
                  for line in _lines(form.get("other"))]
        return {"items": items}
    if action == "refuse":
        return {"reasons": _lines(form.get("reasons"))}
    if action == "assign":
        return {"assignee": form.get("assignee", ""), "assignee_name": form.get("assignee_name") or None}
    if action == "complete-step":
        body = {"note": form.get("note") or None}
        if form.get("result_number"):
            body["result"] = {"number": form["result_number"], "signer": form.get("result_signer", ""),
                              "signed_at": form.get("result_signed_at", ""), "title": form.get("result_title") or None}
        return body
    if action in ("notify-early-return",):
        return {"note": form.get("note") or None}
    if action == "return-result":
        return {"method": form.get("method", "counter"), "recipient": form.get("recipient") or None}
    if action in ("stop",):
        return {"reason": form.get("reason", "")}
    if action == "extend":
        return {"reason": form.get("reason", ""), "new_due": form.get("new_due", "")}
    if action == "consult":
        return {"agency_code": form.get("agency_code", ""), "question": form.get("question", ""),
                "limit": {"value": form.get("limit_value", "1"), "unit": "working_days"}}
    if action == "schedule-verification":
        return {"at": form.get("at", ""), "place": form.get("place", ""),
                "participants": _lines(form.get("participants")), "content": form.get("content", "")}
    abort(404)


ACTIONS = ("accept", "request-supplement", "refuse", "assign", "complete-step", "notify-early-return",
           "return-result", "stop", "extend", "consult", "schedule-verification")
DONE = {"accept": "Đã tiếp nhận hồ sơ. In Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01) để giao cho người nộp.",
        "request-supplement": "Đã gửi yêu cầu bổ sung (Mẫu 02) cho người nộp.",
        "refuse": "Đã từ chối tiếp nhận (Mẫu 03).", "assign": "Đã phân công xử lý.",
        "complete-step": "Đã hoàn thành bước và chuyển tiếp.", "notify-early-return": "Đã thông báo trả kết quả sớm.",
        "return-result": "Đã trả kết quả.", "stop": "Đã dừng xử lý hồ sơ.", "extend": "Đã gia hạn và xin lỗi (Mẫu 04).",
        "consult": "Đã gửi lấy ý kiến.", "schedule-verification": "Đã hẹn xác minh."}


@bp.post("/ho-so/<string:dossier_id>/<string:action>")
@page(OFFICERS)
def act(dossier_id: str, action: str):
    if action not in ACTIONS:
        abort(404)
    d = api.get("workflow", f"/dossiers/{dossier_id}")
    try:
        api.post("workflow", f"/dossiers/{dossier_id}/{action}", _body(action, request.form, d),
                 headers={"If-Match": request.form.get("version", str(d["version"]))})
    except api.ApiError as exc:
        errors = {f"{action}.{k}": v for k, v in api.field_errors(exc).items()} or {action: exc.message}
        if exc.status != 422:
            errors = {action: exc.message}  # the legal guard, as the API words it (with its article)
        return _page(d, errors, action, exc.status if exc.status in (409, 422, 403) else 400)
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


@bp.get("/tiep-nhan")
@page(officer_rule(Role.COUNTER_OFFICER))
def counter_start():
    return render_template("officer/counter.html", procedures=[
        p for p in api.procedures() if _agency() in p["receiving_agency_codes"]])
