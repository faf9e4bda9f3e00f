"""Signing up, in and out. The password goes to intake once; the token it answers stays in the server-side
session."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from services.portal import api, sessions
from services.portal.access import PUBLIC, page

bp = Blueprint("account", __name__)


def _safe_next(target: str | None) -> str | None:
    return target if target and target.startswith("/") and not target.startswith("//") else None


def _home_of(account: dict) -> str:
    if account["kind"] != "officer":
        return url_for("citizen.my_dossiers")
    return url_for("admin.home") if account.get("roles") == ["admin"] else url_for("officer.queue")


@bp.route("/dang-nhap", methods=["GET", "POST"])
@page(PUBLIC)
def sign_in():
    errors, username = {}, ""
    target = _safe_next(request.values.get("tiep"))
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username:
            errors["username"] = "Nhập tên đăng nhập."
        if not password:
            errors["password"] = "Nhập mật khẩu."
        if not errors:
            try:
                answer = api.post("intake", "/auth/token", {"username": username, "password": password},
                                  anonymous=True)
            except api.ApiError as exc:
                errors["username"] = (exc.message if exc.status == 401 else
                                      "Tên đăng nhập hoặc mật khẩu không hợp lệ.")
            else:
                sessions.sign_in(answer["access_token"], answer["expires_in"], answer["account"])
                return redirect(target or _home_of(answer["account"]))
    return render_template("account/sign_in.html", errors=errors, username=username, target=target), (
        422 if errors else 200)


@bp.post("/dang-xuat")
@page(PUBLIC)
def sign_out():
    sessions.sign_out()
    return redirect(url_for("account.signed_out"))


@bp.get("/da-dang-xuat")
@page(PUBLIC)
def signed_out():
    return render_template("account/signed_out.html")


FIELDS = ("username", "password", "full_name", "id_number", "email", "phone")


@bp.route("/dang-ky", methods=["GET", "POST"])
@page(PUBLIC)
def sign_up():
    errors: dict[str, str] = {}
    values = {name: request.form.get(name, "").strip() for name in FIELDS} if request.method == "POST" else {}
    if request.method == "POST":
        if values["password"] != request.form.get("password_again", "").strip():
            errors["password_again"] = "Mật khẩu nhập lại không khớp."
        body = {k: v for k, v in values.items() if v}
        for required, message in (("username", "Nhập tên đăng nhập."), ("password", "Nhập mật khẩu."),
                                  ("full_name", "Nhập họ và tên.")):
            if not body.get(required):
                errors[required] = message
        if not errors:
            try:
                api.post("intake", "/accounts/applicants", body, anonymous=True)
                answer = api.post("intake", "/auth/token", {"username": body["username"],
                                                            "password": body["password"]}, anonymous=True)
            except api.ApiError as exc:
                errors = api.field_errors(exc) or {"username": exc.message}
                if exc.status == 409:
                    errors = {"username": exc.message}
            else:
                sessions.sign_in(answer["access_token"], answer["expires_in"], answer["account"])
                return redirect(url_for("citizen.my_dossiers"))
    values.pop("password", None)
    return render_template("account/sign_up.html", errors=errors, values=values), (422 if errors else 200)
