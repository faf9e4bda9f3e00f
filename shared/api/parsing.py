"""How every API reads a request: one parser for every endpoint (:class:`Blueprint` uses it).

A JSON body is read defensively, before any schema sees it, so no input reaches a 500:

- a body whose ``Content-Type`` is not JSON, on an endpoint that takes JSON, is a 415 that says so (a plain
  ``curl -d`` used to be read as an empty body, every field then reported missing);
- bytes that are not UTF-8 JSON, nesting deeper than :data:`MAX_DEPTH`, integers longer than
  :data:`MAX_DIGITS` digits (Python refuses to convert 4,300 and more), ``NaN``/``Infinity`` and lone UTF-16
  surrogates (``"\\ud800"``: valid JSON, but no valid text, and MongoDB refuses to store it) are a 400 with a
  Vietnamese message;
- only then do the marshmallow schemas validate the fields (422, field by field).

A body whose fields are all optional may be left out (it is read as ``{}``); the OpenAPI documents say so
(``requestBody.required`` is false exactly then), so what they promise is what the API does.
"""

from __future__ import annotations

import json
from typing import Any

import flask_smorest
from flask import request
from flask_smorest import abort
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from shared.domain.errors import Rejected
from shared.domain.media import too_large

MAX_DEPTH = 32
MAX_DIGITS = 30

NOT_JSON = "Nội dung gửi lên không phải JSON hợp lệ."
WRONG_TYPE = "Nội dung phải là JSON (Content-Type: application/json)."


class RequestRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def depth_of(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped), in one pass."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise RequestRefused(f"Số quá lớn (tối đa {MAX_DIGITS} chữ số).")
    return int(text)


def _constant(name: str) -> Any:
    raise RequestRefused(f"Giá trị {name} không được hỗ trợ.")


def parse_json(raw: bytes) -> Any:
    """The JSON document in ``raw``, or :class:`RequestRefused` saying in Vietnamese what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRefused(NOT_JSON) from None
    if depth_of(text) > MAX_DEPTH:
        raise RequestRefused(f"Dữ liệu lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp).")
    try:
        value = json.loads(text, parse_int=_integer, parse_constant=_constant)
    except RequestRefused:
        raise
    except ValueError:
        raise RequestRefused(NOT_JSON) from None
    if "\\u" in text.lower():  # lone surrogates only arrive as escapes: look for them only then
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise RequestRefused("Chuỗi ký tự không hợp lệ (ký tự UTF-16 đơn lẻ).") from None
    return value


class ServiceParser(FlaskParser):
    def _raw_load_json(self, req) -> Any:
        data = req.get_data(cache=True)
        if not is_json_request(req):
            if data:
                abort(415, message=WRONG_TYPE, errors={"headers": {"Content-Type": [WRONG_TYPE]}})
            return core.missing
        if not data:
            return core.missing
        try:
            return parse_json(data)
        except RequestRefused as refused:
            unreadable(refused.message)


def unreadable(message: str, location: str = "json") -> None:
    """Answers 400: the body cannot be read at all (as opposed to 422: read, but its fields are wrong)."""
    abort(400, message=message, errors={location: [message]})


def _has_required_field(schema) -> bool:
    instance = schema() if isinstance(schema, type) else schema
    return any(field.required for field in getattr(instance, "fields", {}).values())


class Blueprint(flask_smorest.Blueprint):
    """Every service's blueprints: flask-smorest's, reading requests with :class:`ServiceParser`."""

    ARGUMENTS_PARSER = ServiceParser()

    def arguments(self, schema, *, location="json", required=None, **kwargs):
        """As flask-smorest's, but a body is required exactly when one of its fields is: a missing body is read
        as ``{}``, so one with no required field may be left out, and the document must not say otherwise."""
        if required is None:
            required = location != "json" or _has_required_field(schema)
        return super().arguments(schema, location=location, required=required, **kwargs)


def uploaded_file(max_file_bytes: int, field: str = "file") -> FileStorage:
    """The one file of a multipart upload (intake's uploads, feedback's petition attachments): over the limit
    (plus room for the multipart envelope) a 413 before the body is read, none a 422 naming the field."""
    request.max_content_length = max_file_bytes + 64 * 1024
    try:
        sent = request.files.get(field)
    except RequestEntityTooLarge:
        raise too_large(max_file_bytes) from None
    if sent is None:
        raise Rejected("Thiếu tệp.", {"files": {field: ["Hãy chọn một tệp để tải lên."]}})
    return sent
