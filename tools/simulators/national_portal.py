"""The National Public Service Portal simulator (Cổng Dịch vụ công quốc gia): a real HTTP server speaking the
dossier-sync API the sync service's adapter uses (``services/sync/portal/client.py``), shaped after the observed
national sync fields (domain.md §5.3). It stores what it receives, checks it as the portal would, can be told
to fail, time out, throttle or answer out of order, and lists what it holds. Started by `make run` and by the
tests; `make portal-sync` lists what it holds.

    python -m tools.simulators.national_portal serve --port 8093 --client-id motcua-dev --client-secret S
    python -m tools.simulators.national_portal list --url http://127.0.0.1:8093

API (a typical ministry integration sequence: token, create the dossier, push process steps, push status):

- ``POST /oauth2/token`` (form: ``grant_type=client_credentials``, ``client_id``, ``client_secret``) →
  ``{access_token, token_type: Bearer, expires_in}``; every other call needs ``Authorization: Bearer``;
- ``POST /api/v1/hoso/tao`` ``{"data": [HoSo, …]}`` — create dossiers (``MaHoSo`` unique: a dossier created
  again answers ``exists``, nothing doubled);
- ``POST /api/v1/hoso/quatrinh`` ``{"data": [{MaHoSo, QuaTrinhXuLy: [{STT, …}]}]}`` — process steps, numbered
  from 1 in order: a step held already is ignored (counted as a duplicate), a step after a gap is refused;
- ``POST /api/v1/hoso/trangthai`` ``{"data": [{MaHoSo, PhienBan, TrangThai, NgayTiepNhan, NgayHenTra,
  NgayKetThucXuLy, …}]}`` — the status and the fields that change; an update whose ``PhienBan`` is not newer
  than the one held is ``stale`` and changes nothing: a dossier never goes backwards;
- ``POST /api/v1/hoso/tracuu`` ``{"MaHoSo": [...]}`` — what is held (version, status, steps), for reconciliation.

Each call answers ``{"results": [{"MaHoSo", "KetQua": created|exists|ok|stale|error, "Loi"?, …}]}``, one per
item (matched by ``MaHoSo``: the order of the answers is not the order of the items). Fields outside the
§5.3 list in the applicant blocks are counted as ``unexpected_personal_fields`` (the portal gets only what the
field list requires).

Test controls: ``POST /_control`` with any of ``{"reset": true}`` (behaviour only), ``{"wipe": true}`` (forget
everything held), ``{"down": true}`` (every call 503 until ``{"down": false}``), ``{"fail_next": 3}`` (503),
``{"timeout_next": 2}`` (answer after ``timeout_seconds``), ``{"timeout_seconds": 12}``, ``{"throttle_next": 2}``
(429 with ``Retry-After: 1``), ``{"out_of_order": true}`` (answers shuffled and delayed at random),
``{"forget": ["<MaHoSo>"], "client_id": "…"}``, ``{"reject": ["<MaHoSo>"]}`` (refused for good: 400 per item),
``{"expire_tokens": true}``; ``GET /_dossiers``, ``GET /_dossiers/<MaHoSo>`` (``?client_id=`` to see one client's),
``GET /_stats``. Any client id is accepted with the one secret: deployments sharing the simulator (the tests') each
see only what they sent.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

import requests

from shared.clock import utc_now
from shared.config import Settings
from tools.simulators.common import SimulatorClient, command_line, serve_until_stopped

log = logging.getLogger("national-portal")

TOKEN_SECONDS = 300
REQUIRED = ("MaHoSo", "MaTTHC", "NgayNop", "KenhThucHien", "TrangThai", "MaCoQuan", "PhienBan")
# The applicant block of the observed field list (domain.md §5.3): ID number, birth date, phone, e-mail,
# province/commune codes, address — for the owner and for the submitter.
APPLICANT_FIELDS = frozenset({"LoaiDoiTuong", "SoDinhDanh", "NgaySinh", "SoDienThoai", "Email", "MaTinh", "MaXa",
                              "DiaChi"})
STATUS_FIELDS = ("TrangThai", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "MaKetQua", "DuongDanTepTinKetQua",
                 "DanhSachPhiLePhi", "DuocThanhToanTrucTuyen")


@dataclass
class Held:
    MaHoSo: str
    dossier: dict[str, Any]
    PhienBan: int
    TrangThai: int
    steps: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)   # every accepted status update, in order
    duplicates: int = 0
    stale: int = 0
    created_at: str = ""


@dataclass
class Behaviour:
    down: bool = False
    fail_next: int = 0
    timeout_next: int = 0
    timeout_seconds: float = 12.0
    throttle_next: int = 0
    out_of_order: bool = False
    reject: list[str] = field(default_factory=list)


@dataclass
class State:
    client_id: str
    client_secret: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)   # token -> (client id, valid until)
    held: dict[tuple[str, str], Held] = field(default_factory=dict)       # (client id, MaHoSo)
    stats: dict[str, int] = field(default_factory=lambda: {
        "tokens": 0, "calls": 0, "created": 0, "exists": 0, "steps": 0, "duplicate_steps": 0, "gaps": 0,
        "status_updates": 0, "stale_updates": 0, "errors": 0, "throttled": 0, "failed": 0, "timed_out": 0,
        "unauthorised": 0, "unexpected_personal_fields": 0, "queries": 0})
    lock: threading.Lock = field(default_factory=threading.Lock)


class Handler(BaseHTTPRequestHandler):
    state: State
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug(fmt, *args)

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body, ensure_ascii=False, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _raw(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    # -- routes ----------------------------------------------------------------------------------------------

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        path = urlparse(self.path).path
        raw = self._raw()
        if path == "/_control":
            return self._control(_loads(raw))
        if path == "/oauth2/token":
            return self._token(parse_qs(raw.decode()))
        api = {"/api/v1/hoso/tao": self._create, "/api/v1/hoso/quatrinh": self._steps,
               "/api/v1/hoso/trangthai": self._status, "/api/v1/hoso/tracuu": self._query}.get(path)
        if api is None:
            return self._answer(404, {"error": "not_found"})
        if self._misbehaving():
            return None
        client = self._authorised()
        if client is None:
            return None
        body = _loads(raw)
        if path == "/api/v1/hoso/tracuu":
            return api(client, body)
        items = body.get("data")
        if not isinstance(items, list):
            return self._answer(400, {"error": "data must be a list"})
        with self.state.lock:
            self.state.stats["calls"] += 1
            results = [self._item(api, client, item) for item in items]
            shuffle = self.state.behaviour.out_of_order
        if shuffle:
            random.shuffle(results)
            time.sleep(random.uniform(0, 0.2))
        return self._answer(200, {"results": results})

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        path = urlparse(self.path).path
        if path == "/healthz":
            return self._answer(200, {"status": "ok"})
        with self.state.lock:
            if path == "/_stats":
                return self._answer(200, {**self.state.stats, "held": len(self.state.held)})
            client = parse_qs(urlparse(self.path).query).get("client_id", [None])[0]
            if path == "/_dossiers":
                return self._answer(200, [_view(k[0], h) for k, h in self.state.held.items()
                                          if client in (None, k[0])])
            if path.startswith("/_dossiers/"):
                code = unquote(path.split("/", 2)[2])
                found = [(k[0], h) for k, h in self.state.held.items() if k[1] == code and client in (None, k[0])]
                return self._answer(200, _view(*found[0])) if found else self._answer(404, {"error": "unknown"})
        return self._answer(404, {"error": "not_found"})

    # -- access and failures ---------------------------------------------------------------------------------

    def _token(self, form: dict[str, list[str]]) -> None:
        if self._misbehaving():
            return None
        # Any client id, one secret: several motcua deployments (the tests' own) share this simulator, each under
        # its own client id, and each sees only the dossiers it sent.
        client, secret = form.get("client_id", [""])[0], form.get("client_secret", [""])[0]
        if not client or secret != self.state.client_secret:
            return self._answer(401, {"error": "invalid_client"})
        token = secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.tokens[token] = (client, time.monotonic() + TOKEN_SECONDS)
            self.state.stats["tokens"] += 1
        return self._answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS})

    def _authorised(self) -> str | None:
        """The caller's client id, or None (answered 401)."""
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        with self.state.lock:
            client, until = self.state.tokens.get(token, ("", 0.0))
            valid = scheme == "Bearer" and until > time.monotonic()
            if not valid:
                self.state.stats["unauthorised"] += 1
        if not valid:
            self._answer(401, {"error": "invalid_token"})
            return None
        return client

    def _misbehaving(self) -> bool:
        """Answers as a portal having a bad moment, when told to; True if it did."""
        with self.state.lock:
            b = self.state.behaviour
            if b.down or b.fail_next > 0:
                b.fail_next = max(0, b.fail_next - 1)
                self.state.stats["failed"] += 1
                kind = "fail"
            elif b.throttle_next > 0:
                b.throttle_next -= 1
                self.state.stats["throttled"] += 1
                kind = "throttle"
            elif b.timeout_next > 0:
                b.timeout_next -= 1
                self.state.stats["timed_out"] += 1
                kind = "timeout"
            else:
                return False
            wait = b.timeout_seconds
        if kind == "fail":
            self._answer(503, {"error": "service_unavailable"})
        elif kind == "throttle":
            self._answer(429, {"error": "too_many_requests"}, {"Retry-After": "1"})
        else:
            time.sleep(wait)  # the client gave up long ago; what it sent is not applied
            self._answer(504, {"error": "gateway_timeout"})
        return True

    # -- the dossiers ----------------------------------------------------------------------------------------

    def _item(self, api, client: str, item: Any) -> dict[str, Any]:
        if not isinstance(item, dict) or not item.get("MaHoSo"):
            self.state.stats["errors"] += 1
            return {"MaHoSo": None, "KetQua": "error", "Loi": "Thiếu MaHoSo"}
        if item["MaHoSo"] in self.state.behaviour.reject:
            self.state.stats["errors"] += 1
            return {"MaHoSo": item["MaHoSo"], "KetQua": "error", "MaLoi": 400,
                    "Loi": "Hồ sơ không hợp lệ theo danh mục dùng chung (mô phỏng)"}
        return api(client, item)

    def _create(self, client: str, item: dict[str, Any]) -> dict[str, Any]:
        code = item["MaHoSo"]
        missing = [name for name in REQUIRED if item.get(name) in (None, "")]
        if missing:
            self.state.stats["errors"] += 1
            return {"MaHoSo": code, "KetQua": "error", "MaLoi": 400, "Loi": "Thiếu trường: " + ", ".join(missing)}
        for block in ("ChuHoSo", "NguoiNop"):
            extra = set(item.get(block) or {}) - APPLICANT_FIELDS
            self.state.stats["unexpected_personal_fields"] += len(extra)
        held = self.state.held.get((client, code))
        if held is not None:
            self.state.stats["exists"] += 1
            return {"MaHoSo": code, "KetQua": "exists", "PhienBan": held.PhienBan, "SoBuoc": len(held.steps)}
        dossier = {k: v for k, v in item.items() if k != "QuaTrinhXuLy"}
        held = Held(MaHoSo=code, dossier=dossier, PhienBan=int(item["PhienBan"]), TrangThai=int(item["TrangThai"]),
                    created_at=utc_now().isoformat())
        held.statuses.append({"PhienBan": held.PhienBan, "TrangThai": held.TrangThai, "at": held.created_at})
        self.state.held[(client, code)] = held
        self.state.stats["created"] += 1
        return {"MaHoSo": code, "KetQua": "created", "PhienBan": held.PhienBan, "SoBuoc": 0}

    def _steps(self, client: str, item: dict[str, Any]) -> dict[str, Any]:
        code = item["MaHoSo"]
        held = self.state.held.get((client, code))
        if held is None:
            self.state.stats["errors"] += 1
            return {"MaHoSo": code, "KetQua": "error", "MaLoi": 404, "Loi": "Hồ sơ chưa được tạo"}
        for step in sorted(item.get("QuaTrinhXuLy") or [], key=lambda s: int(s.get("STT") or 0)):
            number = int(step.get("STT") or 0)
            if number in held.steps:
                held.duplicates += 1
                self.state.stats["duplicate_steps"] += 1
            elif number != len(held.steps) + 1:
                self.state.stats["gaps"] += 1
                return {"MaHoSo": code, "KetQua": "error", "MaLoi": 409, "SoBuoc": len(held.steps),
                        "Loi": f"Bước {number} đến trước bước {len(held.steps) + 1}"}
            else:
                held.steps[number] = step
                self.state.stats["steps"] += 1
        return {"MaHoSo": code, "KetQua": "ok", "SoBuoc": len(held.steps)}

    def _status(self, client: str, item: dict[str, Any]) -> dict[str, Any]:
        code = item["MaHoSo"]
        held = self.state.held.get((client, code))
        if held is None:
            self.state.stats["errors"] += 1
            return {"MaHoSo": code, "KetQua": "error", "MaLoi": 404, "Loi": "Hồ sơ chưa được tạo"}
        version = int(item.get("PhienBan") or 0)
        if version <= held.PhienBan:
            held.stale += 1
            self.state.stats["stale_updates"] += 1
            return {"MaHoSo": code, "KetQua": "stale", "PhienBan": held.PhienBan, "TrangThai": held.TrangThai}
        held.PhienBan, held.TrangThai = version, int(item["TrangThai"])
        held.dossier.update({k: item[k] for k in STATUS_FIELDS if k in item})
        held.dossier["PhienBan"] = version
        held.statuses.append({"PhienBan": version, "TrangThai": held.TrangThai, "at": utc_now().isoformat()})
        self.state.stats["status_updates"] += 1
        return {"MaHoSo": code, "KetQua": "ok", "PhienBan": version, "TrangThai": held.TrangThai}

    def _query(self, client: str, body: dict[str, Any]) -> None:
        codes = body.get("MaHoSo") or []
        with self.state.lock:
            self.state.stats["queries"] += 1
            found = [{"MaHoSo": h.MaHoSo, "PhienBan": h.PhienBan, "TrangThai": h.TrangThai, "SoBuoc": len(h.steps),
                      "NgayTiepNhan": h.dossier.get("NgayTiepNhan")}
                     for code in codes if (h := self.state.held.get((client, code)))]
        return self._answer(200, {"results": found})

    def _control(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            if body.get("reset"):
                self.state.behaviour = Behaviour()
            if body.get("wipe"):
                self.state.held.clear()
            b = self.state.behaviour
            for name in ("down", "out_of_order"):
                if name in body:
                    setattr(b, name, bool(body[name]))
            for name in ("fail_next", "timeout_next", "throttle_next"):
                if name in body:
                    setattr(b, name, int(body[name]))
            if "timeout_seconds" in body:
                b.timeout_seconds = float(body["timeout_seconds"])
            b.reject.extend(str(code) for code in body.get("reject") or [])
            for code in body.get("forget") or []:
                for key in [k for k in self.state.held if k[1] == str(code)
                            and body.get("client_id") in (None, k[0])]:
                    del self.state.held[key]
            if body.get("expire_tokens"):
                self.state.tokens.clear()
            return self._answer(200, asdict(b))


def _loads(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _view(client: str, held: Held) -> dict[str, Any]:
    return {"client_id": client, "MaHoSo": held.MaHoSo, "PhienBan": held.PhienBan, "TrangThai": held.TrangThai,
            "dossier": held.dossier, "steps": [held.steps[n] for n in sorted(held.steps)],
            "statuses": held.statuses, "duplicates": held.duplicates, "stale": held.stale,
            "created_at": held.created_at}


def make_server(port: int, client_id: str, client_secret: str) -> ThreadingHTTPServer:
    state = State(client_id=client_id, client_secret=client_secret)
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer((Settings.from_env().bind_host, port), handler)  # BIND_HOST: 0.0.0.0 in compose
    server.daemon_threads = True
    return server


class NationalPortalClient(SimulatorClient):
    """Reads the simulator back and steers it (tests, `make portal-sync`)."""

    def dossiers(self, client_id: str | None = None) -> list[dict[str, Any]]:
        params = {"client_id": client_id} if client_id else {}
        return requests.get(f"{self.url}/_dossiers", params=params, timeout=30).json()

    def dossier(self, code: str, client_id: str | None = None) -> dict[str, Any] | None:
        params = {"client_id": client_id} if client_id else {}
        answer = requests.get(f"{self.url}/_dossiers/{quote(code, safe='')}", params=params, timeout=5)
        return answer.json() if answer.status_code == 200 else None


def serve(port: int, client_id: str, client_secret: str) -> None:
    serve_until_stopped(make_server(port, client_id, client_secret), "national-portal", port)


def _listing(url: str) -> tuple[list[str], str]:
    held = NationalPortalClient(url).dossiers()
    return ([f"{h['MaHoSo']}\tTrangThai {h['TrangThai']}\tPhienBan {h['PhienBan']}\t{len(h['steps'])} bước"
             for h in held], f"{len(held)} hồ sơ")


main = command_line("national-portal", port=8093, listing=_listing,
                    options={"--client-id": ("motcua-dev", "the client id of the one-stop system"),
                             "--client-secret": ("dev-portal-secret", "its client secret")},
                    serve=lambda args: serve(args.port, args.client_id, args.client_secret))

if __name__ == "__main__":
    raise SystemExit(main())
