"""The portal app: citizen pages, the officer console and administration, assembled with the same habits as
the APIs (every page declares who may see it; the app refuses to start otherwise)."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, redirect, render_template, request, send_from_directory, session, url_for
from pymongo.database import Database
from pymongo.errors import PyMongoError
from werkzeug.exceptions import HTTPException

from services.portal import SERVICE, access, api, formatting, sessions
from services.portal.access import PUBLIC, page
from shared.api.app import behind_proxies
from shared.config import Settings, get_settings
from shared.logging import start_context
from shared.storage.mongo import connect, ping
from tools.devstack.paths import CACHE

log = logging.getLogger(__name__)

FONTS_DIR = CACHE / "npm" / "node_modules" / "@fontsource" / "noto-sans" / "files"
FONTS = frozenset(f"noto-sans-{subset}-{weight}-normal.woff2" for subset in ("latin", "vietnamese")
                  for weight in (400, 700))
def content_security_policy(settings: Settings) -> str:
    """Nothing from elsewhere; forms post to the portal, whose pay button answers with a redirect to the payment
    gateway's page, which the browser follows only if ``form-action`` names the gateway too."""
    gateway = urlsplit(settings.payment_gateway_url)
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            f"connect-src 'self'; form-action 'self' {gateway.scheme}://{gateway.netloc}; frame-ancestors 'none'; "
            "base-uri 'none'; object-src 'none'")


ERROR_TITLES = {400: "Yêu cầu không hợp lệ", 403: "Không có quyền truy cập", 404: "Không tìm thấy trang",
                405: "Không thực hiện được", 413: "Tệp quá lớn", 500: "Hệ thống đang gặp sự cố",
                503: "Dịch vụ tạm thời gián đoạn"}


@dataclass
class PortalContext:
    settings: Settings
    db: Database


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    here = Path(__file__).parent
    app = Flask(f"motcua.{SERVICE}", root_path=str(here), static_folder=str(here / "static"),
                static_url_path="/static", template_folder=str(here / "templates"))
    behind_proxies(app, settings)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.upload_max_dossier_bytes + 2 * 1_048_576,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.jinja_env.autoescape = True
    db = connect(settings, SERVICE)
    app.extensions["portal"] = PortalContext(settings, db)

    access.install(app)
    sessions.install(app, db, secure=settings.env != "development")
    formatting.install(app)
    _install_hooks(app, content_security_policy(settings))
    _install_errors(app)

    from services.portal.account.views import bp as account_bp
    from services.portal.admin.views import bp as admin_bp
    from services.portal.citizen.views import bp as citizen_bp
    from services.portal.feedback.views import bp as feedback_bp
    from services.portal.manager.views import bp as manager_bp
    from services.portal.officer.views import bp as officer_bp
    from services.portal.payments.views import bp as payments_bp
    from services.portal.public.views import bp as public_bp

    for blueprint in (public_bp, account_bp, citizen_bp, officer_bp, admin_bp, feedback_bp, manager_bp,
                      payments_bp):
        app.register_blueprint(blueprint)
    _install_system_routes(app)
    access.declare(app, "static", PUBLIC)
    access.check_complete(app)
    return app


def _install_system_routes(app: Flask) -> None:
    @app.get("/static/fonts/<string:name>")
    @page(PUBLIC)
    def font(name: str):
        if name not in FONTS:
            return render_error(404)
        response = send_from_directory(FONTS_DIR, name, max_age=31_536_000)
        return response

    @app.get("/healthz")
    @page(PUBLIC)
    def healthz():
        return {"status": "ok", "service": SERVICE}

    @app.get("/readyz")
    @page(PUBLIC)
    def readyz():
        checks = {"mongo": "ok", "fonts": "ok" if FONTS_DIR.is_dir() else "missing: run make node-assets"}
        try:
            ping(app.extensions["portal"].db)
        except PyMongoError as exc:
            checks["mongo"] = f"unreachable: {exc.__class__.__name__}"
        ready = all(v == "ok" for v in checks.values())
        return {"status": "ready" if ready else "unavailable", "service": SERVICE, "checks": checks}, (
            200 if ready else 503)


def _install_hooks(app: Flask, csp: str) -> None:
    @app.before_request
    def _start():
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        g.started = time.perf_counter()
        start_context(request_id=g.request_id)

    @app.context_processor
    def _globals():
        flash = session.pop("flash", None) if "flash" in session else None
        return {"user": access.current_user(), "flash": flash, "service_name": "Dịch vụ công một cửa"}

    @app.after_request
    def _headers(response):
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        elapsed = round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1)
        timing = api.server_timing()
        response.headers["Server-Timing"] = f"app;dur={elapsed}" + (f", {timing}" if timing else "")
        if request.path not in ("/healthz", "/readyz"):
            log.info("%s %s %s", request.method, request.path, response.status_code,
                     extra={"status": response.status_code, "duration_ms": elapsed})
        return response


def render_error(code: int, message: str | None = None):
    return render_template("errors/error.html", code=code, title=ERROR_TITLES.get(code, "Có lỗi xảy ra"),
                           message=message), code


def _install_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        if code == 400 and exc.description == "csrf":
            return render_error(400, "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.")
        return render_error(code if code in ERROR_TITLES else 400)

    @app.errorhandler(api.SessionEnded)
    def _ended(exc):
        sessions.sign_out()
        session["flash"] = "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."
        return redirect(url_for("account.sign_in"))

    @app.errorhandler(api.ApiUnavailable)
    def _unavailable(exc):
        log.error("API unavailable: %s", exc)
        return render_error(503)

    @app.errorhandler(api.ApiError)
    def _api_error(exc: api.ApiError):
        if exc.status in (403, 404):
            return render_error(exc.status, exc.message)
        return render_error(400, exc.message)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error")
        return render_error(500)
