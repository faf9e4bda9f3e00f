"""Clients of the four APIs. Every call carries the signed-in person's token from the server-side session, so
each API decides with its own policies what the person may see and do; the portal decides nothing itself.

Errors come back as :class:`ApiError` with the API's Vietnamese message and field errors (422) for the forms;
a 401 with a token means the token is no longer valid: the session ends (:class:`SessionEnded`)."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from flask import current_app, session

_local = threading.local()
_cache: dict[tuple, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or {}


class SessionEnded(Exception):
    pass


class ApiUnavailable(Exception):
    pass


def _http() -> requests.Session:
    if getattr(_local, "http", None) is None:
        _local.http = requests.Session()
    return _local.http


def base_url(service: str) -> str:
    return getattr(current_app.extensions["portal"].settings, f"{service}_url").rstrip("/")


def call(service: str, method: str, path: str, *, json: Any = None, params: dict | None = None,
         files: dict | None = None, raw: bool = False, anonymous: bool = False, headers: dict | None = None):
    settings = current_app.extensions["portal"].settings
    sent = dict(headers or {})
    token = None if anonymous else session.get("token")
    if token:
        sent["Authorization"] = f"Bearer {token}"
    try:
        response = _http().request(method, f"{base_url(service)}{path}", json=json, params=params, files=files,
                                   headers=sent, timeout=settings.portal_api_timeout_seconds)
    except requests.RequestException as exc:
        raise ApiUnavailable(f"{service}: {exc.__class__.__name__}") from None
    if response.status_code == 401 and token:
        raise SessionEnded()
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 500:
            raise ApiUnavailable(f"{service} {response.status_code}")
        raise ApiError(response.status_code, body.get("message") or "Yêu cầu không thực hiện được.",
                       body.get("errors"))
    if raw:
        return response
    return response.json() if response.content else None


def get(service: str, path: str, **kwargs):
    return call(service, "GET", path, **kwargs)


def post(service: str, path: str, body: Any = None, **kwargs):
    return call(service, "POST", path, json=body if body is not None else {}, **kwargs)


def cached(service: str, path: str, seconds: float = 60.0):
    """Public reference data (agencies, procedures) read often and changed rarely."""
    key = (base_url(service), path)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and now - hit[0] < seconds:
            return hit[1]
    value = get(service, path, anonymous=True)
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def agencies() -> dict[str, dict]:
    return {a["code"]: a for a in cached("workflow", "/catalogue/agencies")}


def procedures() -> list[dict]:
    return cached("intake", "/procedures")


def field_errors(error: ApiError, prefix: tuple[str, ...] = ("json",)) -> dict[str, str]:
    """The API's 422 field errors flattened to ``a.b.c -> first message`` (what the form shows next to each
    field)."""
    found: dict[str, str] = {}
    errors = error.errors
    for part in prefix:
        if isinstance(errors, dict) and part in errors:
            errors = errors[part]

    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, (*path, str(key)))
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            found[".".join(path) or "_schema"] = value[0]
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, (*path, str(index)))
        elif isinstance(value, str):
            found[".".join(path) or "_schema"] = value

    walk(errors, ())
    return found
