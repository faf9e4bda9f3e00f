"""Clients of the four APIs. Every call carries the signed-in person's token from the server-side session, so
each API decides with its own policies what the person may see and do; the portal decides nothing itself.

Errors come back as :class:`ApiError` with the API's Vietnamese message and field errors (422) for the forms;
a 401 with a token means the token is no longer valid: the session ends (:class:`SessionEnded`).

A page that needs several answers asks for them at once (:func:`together`), so it waits for the slowest API
call, not for their sum; every call's duration is reported to the browser in ``Server-Timing`` (what the
portal benchmark reads to show the API time underneath a page).

Connections are kept alive, one pool per thread and API. An API closes a connection idle for its keep-alive
(``keepalive`` in shared/gunicorn_conf.py, 5 s); a request sent on it at that moment meets the close and fails
with no answer. So a connection idle for :data:`IDLE_SECONDS` is not reused, and a request that still fails to
connect or gets no answer at all is sent once more on a new connection when sending it twice cannot do anything
twice: a GET, HEAD or OPTIONS, or a request with an ``Idempotency-Key`` (the rule of Go's HTTP client)."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import current_app, g, has_request_context, request, session

from shared.api.idempotency import HEADER as IDEMPOTENCY_KEY

_local = threading.local()
_cache: dict[tuple, tuple[float, Any]] = {}
_cache_lock = threading.Lock()
_refreshing: set[tuple] = set()
log = logging.getLogger(__name__)
_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="portal-api")
IDLE_SECONDS = 2.0   # well below the APIs' keep-alive (5 s)
REPLAYABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or {}


class SessionEnded(Exception):
    pass


class ApiUnavailable(Exception):
    pass


@dataclass
class _Connections:
    """This thread's kept-alive connections to one API, and when they were last given back."""

    session: requests.Session = field(default_factory=requests.Session)
    used: float = 0.0


def _connections(service: str, *, fresh: bool = False) -> _Connections:
    held: dict[str, _Connections] = _local.__dict__.setdefault("apis", {})
    current = held.get(service)
    if current is not None and (fresh or time.monotonic() - current.used >= IDLE_SECONDS):
        current.session.close()
        current = None
    if current is None:
        current = held[service] = _Connections()
    return current


def _replayable(prepared: Call) -> bool:
    """Whether sending ``prepared`` twice does nothing twice: a safe method, or an idempotency key the API keeps."""
    return prepared.method in REPLAYABLE_METHODS or IDEMPOTENCY_KEY in prepared.kwargs["headers"]


def base_url(service: str) -> str:
    return getattr(current_app.extensions["portal"].settings, f"{service}_url").rstrip("/")


@dataclass
class Call:
    """One API request, prepared in the page's request (its token, its URL), sendable from any thread."""

    service: str
    method: str
    url: str
    path: str
    token: str | None
    timeout: float
    kwargs: dict[str, Any] = field(default_factory=dict)
    raw: bool = False


def prepare(service: str, method: str, path: str, *, json: Any = None, params: dict | None = None,
            files: dict | None = None, data: bytes | None = None, raw: bool = False, anonymous: bool = False,
            headers: dict | None = None) -> Call:
    settings = current_app.extensions["portal"].settings
    token = None if anonymous else session.get("token")
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    if request.remote_addr:   # the person's address, for the API's throttle and audit (PROXY_HOPS there)
        sent["X-Forwarded-For"] = request.remote_addr
    return Call(service, method, f"{base_url(service)}{path}", path, token, settings.portal_api_timeout_seconds,
                {"json": json, "params": params, "files": files, "data": data, "headers": sent}, raw)


def call(service: str, method: str, path: str, **kwargs):
    return send(prepare(service, method, path, **kwargs))


def together(*calls: Call | None, keep_errors: bool = False) -> list:
    """The answers of ``calls`` (None: skipped, answers None), sent at the same time. The first error is raised as
    :func:`call` would, or with ``keep_errors`` an :class:`ApiError` (403, 404, 409, 422) takes its answer's
    place."""
    sent = [c for c in calls if c is not None]
    timings = _timings()
    if len(sent) == 1:
        results = [_send(sent[0])]
    else:
        results = [future.result() for future in [_pool.submit(_send, c) for c in sent]]
    by_call = {}
    for prepared, (answer, took) in zip(sent, results, strict=True):
        timings.append(took)
        by_call[id(prepared)] = answer
    answers = []
    for prepared in calls:
        if prepared is None:
            answers.append(None)
            continue
        try:
            answers.append(_answer(prepared, by_call[id(prepared)]))
        except ApiError as exc:
            if not keep_errors:
                raise
            answers.append(exc)
    return answers


def send(prepared: Call):
    answer, took = _send(prepared)
    _timings().append(took)
    return _answer(prepared, answer)


def _timings() -> list:
    if not has_request_context():
        return []
    if "api_timings" not in g:
        g.api_timings = []
    return g.api_timings


def server_timing() -> str | None:
    """The ``Server-Timing`` header of the page: each API call (service, path, milliseconds)."""
    timings = g.get("api_timings") or []
    return ", ".join(f'api{n};dur={ms:.1f};desc="{service} {path}"'
                     for n, (service, path, ms) in enumerate(timings)) or None


def _send(prepared: Call) -> tuple[requests.Response | Exception, tuple[str, str, float]]:
    started = time.perf_counter()
    path = prepared.path.split("?")[0]
    answer = _request(prepared)
    if _unanswered(answer) and _replayable(prepared):
        log.warning("%s %s %s: %s; sent again on a new connection", prepared.service, prepared.method, path,
                    answer.__class__.__name__)
        answer = _request(prepared, fresh=True)
    took = (prepared.service, path, (time.perf_counter() - started) * 1000)
    return answer, took


def _request(prepared: Call, *, fresh: bool = False) -> requests.Response | Exception:
    connections = _connections(prepared.service, fresh=fresh)
    try:
        return connections.session.request(prepared.method, prepared.url, timeout=prepared.timeout,
                                           **prepared.kwargs)
    except requests.RequestException as exc:
        return exc
    finally:
        connections.used = time.monotonic()


def _unanswered(answer: requests.Response | Exception) -> bool:
    """Refused or closed without an answer; not a timeout (the API may still be working on it, and waiting
    twice as long helps nobody)."""
    return isinstance(answer, requests.ConnectionError) and not isinstance(answer, requests.Timeout)


def _answer(prepared: Call, response: requests.Response | Exception):
    service, token, raw = prepared.service, prepared.token, prepared.raw
    if isinstance(response, Exception):
        raise ApiUnavailable(f"{service}: {response.__class__.__name__}") from None
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


def put(service: str, path: str, body: Any = None, **kwargs):
    return call(service, "PUT", path, json=body if body is not None else {}, **kwargs)


def post(service: str, path: str, body: Any = None, **kwargs):
    return call(service, "POST", path, json=body if body is not None else {}, **kwargs)


def cached(service: str, path: str, seconds: float = 60.0):
    """Public reference data (agencies, procedures) read often and changed rarely. Past ``seconds`` the copy in
    hand still answers while a fresh one is fetched behind the page, so no page waits for reference data
    except the very first."""
    key = (base_url(service), path)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        stale = hit is not None and now - hit[0] >= seconds
        refresh = stale and key not in _refreshing
        if refresh:
            _refreshing.add(key)
    if hit is not None:
        if refresh:
            _pool.submit(_refresh, key, prepare(service, "GET", path, anonymous=True))
        return hit[1]
    value = get(service, path, anonymous=True)
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def _refresh(key: tuple, prepared: Call) -> None:
    try:
        value = _answer(prepared, _send(prepared)[0])
        with _cache_lock:
            _cache[key] = (time.monotonic(), value)
    except Exception:  # the copy in hand stays; the next page tries again
        log.warning("could not refresh %s %s", prepared.service, prepared.path)
    finally:
        with _cache_lock:
            _refreshing.discard(key)


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
