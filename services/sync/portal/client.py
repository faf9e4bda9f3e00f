"""The adapter for the National Public Service Portal's dossier-sync API (the portal through the national data
sharing platform in production; ``tools/simulators/national_portal.py`` in development and tests), shaped after
the typical ministry integration sequence (domain.md §5.3): get a token, create the dossier, push the process
steps, push the status.

- ``token`` → ``POST /oauth2/token`` (client credentials), kept until shortly before it expires and fetched
  again when the portal says it is no longer valid (401);
- ``create`` → ``POST /api/v1/hoso/tao``: dossiers in the national field list (``MaHoSo`` is unique at the
  portal: creating again answers ``exists`` with what it holds);
- ``push_steps`` → ``POST /api/v1/hoso/quatrinh``: process-log lines numbered from 1 (``STT``), in order;
- ``push_status`` → ``POST /api/v1/hoso/trangthai``: the status and the fields that change, with the content
  revision ``PhienBan`` (the portal keeps the newest: a dossier never goes backwards);
- ``held`` → ``POST /api/v1/hoso/tracuu``: what the portal holds (reconciliation).

Each call takes many dossiers and answers one result per dossier, matched by ``MaHoSo`` (never by position).
A whole call that fails raises :class:`PortalError`: ``retry_after`` when the portal throttles (429),
``permanent`` when retrying cannot help. Nothing sent is logged: the payloads carry the applicant block.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

TOKEN_MARGIN_SECONDS = 30


class PortalError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class NationalPortal:
    def __init__(self, settings, session: requests.Session | None = None) -> None:
        self.base = settings.national_portal_url.rstrip("/")
        self.client_id = settings.national_portal_client_id
        self.client_secret = settings.secret("national_portal_client_secret")
        self.timeout = settings.national_portal_timeout_seconds
        self.session = session or requests.Session()
        self._token: str | None = None
        self._token_until = 0.0
        self._lock = threading.Lock()

    # -- the calls ---------------------------------------------------------------------------------------------

    def create(self, dossiers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return self._items("/api/v1/hoso/tao", dossiers)

    def push_steps(self, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return self._items("/api/v1/hoso/quatrinh", items)

    def push_status(self, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return self._items("/api/v1/hoso/trangthai", items)

    def held(self, codes: list[str]) -> dict[str, dict[str, Any]]:
        body = self._call("/api/v1/hoso/tracuu", {"MaHoSo": codes})
        return {r["MaHoSo"]: r for r in body.get("results", [])}

    # -- plumbing ----------------------------------------------------------------------------------------------

    def token(self, *, fresh: bool = False) -> str:
        with self._lock:
            if fresh or self._token is None or time.monotonic() > self._token_until:
                answer = self._post("/oauth2/token", data={"grant_type": "client_credentials",
                                                           "client_id": self.client_id,
                                                           "client_secret": self.client_secret})
                self._token = answer["access_token"]
                self._token_until = time.monotonic() + float(answer.get("expires_in", 300)) - TOKEN_MARGIN_SECONDS
            return self._token

    def _items(self, path: str, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        if not items:
            return {}
        body = self._call(path, {"data": items})
        return {r["MaHoSo"]: r for r in body.get("results", []) if r.get("MaHoSo")}

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._post(path, json=body, headers={"Authorization": f"Bearer {self.token()}"})
        except PortalError as exc:
            if str(exc) != "401":
                raise
        return self._post(path, json=body, headers={"Authorization": f"Bearer {self.token(fresh=True)}"})

    def _post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.session.post(f"{self.base}{path}", timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise PortalError("national portal timed out") from exc
        except requests.RequestException as exc:
            raise PortalError(f"national portal unreachable: {type(exc).__name__}") from exc
        if response.status_code == 401:
            raise PortalError("401")
        if response.status_code == 429:
            raise PortalError("national portal throttled the call (429)",
                              retry_after=_seconds(response.headers.get("Retry-After")))
        if response.status_code >= 500:
            raise PortalError(f"national portal answered {response.status_code}")
        if response.status_code >= 400:
            raise PortalError(f"national portal refused the call ({response.status_code})", permanent=True)
        try:
            return response.json()
        except ValueError as exc:
            raise PortalError("national portal answered something that is not JSON") from exc


def _seconds(value: str | None) -> float:
    try:
        return max(0.1, float(value or 1))
    except ValueError:
        return 1.0
