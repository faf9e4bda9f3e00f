"""One error shape for every service, with messages people can read (Vietnamese):

    {"code": 422, "status": "Unprocessable Entity", "message": "Dữ liệu không hợp lệ. ...",
     "errors": {"json": {"contact": {"email": ["Địa chỉ thư điện tử không hợp lệ."]}}},
     "request_id": "..."}

Unexpected failures never leak a stack trace or an HTML page: they are logged with the request id and
answered with a JSON 500; an unreachable database answers 503, which clients may retry.
"""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import g
from flask_smorest import Api
from flask_smorest.error_handler import ErrorSchema
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from shared.domain.errors import DomainError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Vui lòng đăng nhập.",
    403: "Không có quyền truy cập.",
    404: "Không tìm thấy.",
    405: "Phương thức không được hỗ trợ.",
    406: "Không hỗ trợ định dạng được yêu cầu.",
    409: "Xung đột dữ liệu: nội dung vừa được thay đổi. Vui lòng tải lại và thử lại.",
    413: "Dữ liệu gửi lên quá lớn.",
    414: "Địa chỉ yêu cầu quá dài.",
    415: "Kiểu dữ liệu không được hỗ trợ; hãy gửi JSON.",
    417: "Yêu cầu không được hỗ trợ.",
    431: "Phần đầu (header) của yêu cầu quá lớn.",
    422: "Dữ liệu không hợp lệ. Vui lòng kiểm tra các trường được nêu.",
    429: "Quá nhiều yêu cầu. Vui lòng thử lại sau.",
    500: "Lỗi hệ thống. Vui lòng thử lại sau.",
    501: "Chức năng không được hỗ trợ.",
    503: "Hệ thống tạm thời không sẵn sàng. Vui lòng thử lại sau.",
}

# webargs' own messages for bodies it cannot parse at all
_WEBARGS = {
    "Invalid JSON body.": "Nội dung gửi lên không phải JSON hợp lệ.",
}


class ServiceErrorSchema(ErrorSchema):
    request_id = ma.fields.String(metadata={"description": "quote it when reporting a problem"})


class ServiceApi(Api):
    ERROR_SCHEMA = ServiceErrorSchema

    def handle_http_exception(self, error: HTTPException):
        code = error.code or 500
        payload: dict = {"code": code, "status": error.name}
        headers: dict = {}
        data = getattr(error, "data", None) or {}
        custom = error.description if error.description != type(error).description else None
        payload["message"] = data.get("message") or custom or MESSAGES.get(code, error.name)
        errors = data.get("errors", data.get("messages"))
        if errors:
            payload["errors"] = _translate(errors)
        headers.update(data.get("headers") or {})
        if code == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="motcua"')
        if code == 405 and getattr(error, "valid_methods", None):
            headers.setdefault("Allow", ", ".join(sorted(error.valid_methods)))
        if g.get("request_id"):
            payload["request_id"] = g.request_id
        return payload, code, headers


def _translate(errors):
    if isinstance(errors, dict):
        return {key: _translate(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [_WEBARGS.get(item, item) if isinstance(item, str) else _translate(item) for item in errors]
    return errors


def install(app, api: ServiceApi) -> None:
    def domain_error(exc: DomainError):
        error = HTTPException(description=exc.message)
        error.code = exc.status  # `name` follows from the code
        error.data = {"message": exc.message, **({"errors": exc.errors} if exc.errors else {})}
        return api.handle_http_exception(error)

    def database_unavailable(exc: Exception):
        log.error("database unavailable: %s", exc)
        return api.handle_http_exception(ServiceUnavailable())

    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return api.handle_http_exception(exc)
        log.exception("unhandled error")
        return api.handle_http_exception(InternalServerError())

    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(ServerSelectionTimeoutError, database_unavailable)
    app.register_error_handler(ConnectionFailure, database_unavailable)
    app.register_error_handler(Exception, unexpected)
