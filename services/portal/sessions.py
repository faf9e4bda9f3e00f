"""Server-side sessions: the browser holds only a random session id (HttpOnly, SameSite=Lax, Secure outside
development); the API token, the person and the CSRF token live in the portal's ``sessions`` collection under
the SHA-256 of that id. A signed-in session ends when the person signs out or when the token expires; an
anonymous one (a CSRF token for the sign-in form) after two hours."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, abort, request, session
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from services.portal.storage import SESSIONS

COOKIE = "motcua_phien"
ANONYMOUS_LIFETIME = timedelta(hours=2)
CSRF_FIELD = "csrf_token"


def _now() -> datetime:
    return datetime.now(UTC)  # sessions follow tokens, which use the real clock, not the business clock


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, data=None, sid: str | None = None):
        def on_update(self):
            self.modified = True

        super().__init__(data or {}, on_update)
        self.sid = sid
        self.modified = False


class MongoSessionInterface(SessionInterface):
    def __init__(self, db, secure: bool) -> None:
        self.db = db
        self.secure = secure

    def open_session(self, app, request):
        sid = request.cookies.get(COOKIE)
        if sid:
            found = self.db[SESSIONS].find_one({"_id": _key(sid)})
            if found and found["expires_at"].replace(tzinfo=UTC) > _now():
                return ServerSession(found["data"], sid)
        return ServerSession()

    def save_session(self, app, sess: ServerSession, response):
        if not sess.modified:
            return
        if not sess:
            if sess.sid:
                self.db[SESSIONS].delete_one({"_id": _key(sess.sid)})
                response.delete_cookie(COOKIE, path="/", secure=self.secure, httponly=True, samesite="Lax")
            return
        if not sess.sid or sess.pop("_rotate", False):
            if sess.sid:
                self.db[SESSIONS].delete_one({"_id": _key(sess.sid)})
            sess.sid = secrets.token_urlsafe(32)  # a new id at sign-in: no session fixation
        expires = (datetime.fromtimestamp(sess["token_expires_at"], UTC) if sess.get("token_expires_at")
                   else _now() + ANONYMOUS_LIFETIME)
        self.db[SESSIONS].replace_one({"_id": _key(sess.sid)}, {"_id": _key(sess.sid), "data": dict(sess),
                                                                "expires_at": expires}, upsert=True)
        response.set_cookie(COOKIE, sess.sid, path="/", secure=self.secure, httponly=True, samesite="Lax",
                            expires=expires)


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def install(app: Flask, db, secure: bool) -> None:
    app.session_interface = MongoSessionInterface(db, secure)
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.before_request
    def _csrf():
        if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint is None:
            return None
        expected = session.get("csrf")
        given = request.form.get(CSRF_FIELD, "")
        if not expected or not hmac.compare_digest(expected, given):
            abort(400, "csrf")
        return None

    @app.before_request
    def _token_expiry():
        expires = session.get("token_expires_at")
        if expires and expires <= _now().timestamp():
            session.clear()  # the API token expired: the session ends with it
            session["flash"] = "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."
        return None


def sign_in(token: str, expires_in: int, account: dict) -> None:
    session.clear()
    session.update({"_rotate": True, "token": token,
                    "token_expires_at": _now().timestamp() + max(expires_in - 30, 1),
                    "user": {"id": account["id"], "username": account["username"], "name": account["full_name"],
                             "kind": account["kind"], "roles": account.get("roles", []),
                             "agency_code": account.get("agency_code")}})
    csrf_token()


def sign_out() -> None:
    session.clear()
