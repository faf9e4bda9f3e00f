"""The postal provider simulator: a real HTTP server speaking the provider API the postal service's adapter
uses (``services/postal/provider/client.py``), started by `make run` and by the tests. It registers
shipments, then drives each through a scripted scenario, calling the shipment's webhook with signed status
updates (HMAC of timestamp and body, the shared secret).

    python -m tools.simulators.postal_provider serve --port 8091 --api-key K --webhook-secret S
    python -m tools.simulators.postal_provider list --url http://127.0.0.1:8091

Provider API: ``POST /v1/shipments`` (Bearer key; our shipment id as ``reference``, unique: a repeated
registration returns the first, 200) → ``201 {tracking_code, slip_number, post_office, postage}``;
``POST /v1/shipments/<tracking>/cancel``; ``GET /v1/shipments/<tracking>`` → status and every update so far.

Scenarios (the applicant's phone number picks one, see ``/_control``; otherwise the defaults):

- results: ``normal`` (picked up, in transit, delivered J+1), ``one_failed_attempt`` (delivered at the second
  attempt, two working days after the first), ``returned`` (two failed attempts, back to the agency),
  ``lost``, ``late`` (delivered J+9), ``duplicate_callbacks`` (every update sent twice), ``out_of_order``
  (the in-transit update arrives after the delivery);
- dossiers: ``awaiting_handover`` (picked up and in transit; the hand-over is signed at the agency in
  motcua — the default), ``normal`` (the provider reports the hand-over too), ``lost``, ``late``.

Times: each update is stamped on the scenario's own timeline — working days (national calendar) after the
pickup — starting ``start_offset_hours`` from now, and never later than now. Tests start timelines weeks in
the past so J+n and the two-working-day rule can be checked on real dates; with the default offset of 0, a
scenario's later updates are all stamped "now".

Test controls: ``POST /_control`` with any of ``{"reset": true}``, ``{"default_scenario": "normal"}``,
``{"default_pickup_scenario": "awaiting_handover"}``, ``{"scenario_for": {"0912345678": "returned"}}``,
``{"step_delay_ms": 100}``, ``{"start_offset_hours": -720}``, ``{"webhooks": false}`` (record updates but do
not call back: for the look-up path), ``{"fail_create_next": 2}``; ``GET /_shipments``, ``GET /_stats``.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

import requests

from shared.auth.policy import sign
from shared.calendar import calendar_for
from shared.clock import VN_TZ, utc_now
from shared.config import Settings
from tools.simulators.common import SimulatorClient, command_line, serve_until_stopped

log = logging.getLogger("postal-provider")

CALENDAR = calendar_for(Settings())
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)

# Each step: (provider status, working days after the pickup day, when, extra fields), where "when" is a local
# time ("10:00") on that working day, or a number of hours after the pickup moment.
Step = tuple[str, int, Any, dict[str, Any]]
RESULT_SCENARIOS: dict[str, list[Step]] = {
    "normal": [("picked_up", 0, 0, {}), ("in_transit", 0, 2, {}), ("delivered", 1, "10:00", {})],
    "one_failed_attempt": [("picked_up", 0, 0, {}), ("in_transit", 0, 2, {}),
                           ("delivery_failed", 1, "10:00", {"attempt": 1, "note": "Người nhận vắng nhà"}),
                           ("delivered", 3, "10:00", {})],
    "returned": [("picked_up", 0, 0, {}), ("in_transit", 0, 2, {}),
                 ("delivery_failed", 1, "10:00", {"attempt": 1, "note": "Người nhận vắng nhà"}),
                 ("delivery_failed", 3, "10:00", {"attempt": 2, "note": "Người nhận vắng nhà lần 2"}),
                 ("returned", 4, "09:00", {"note": "Chuyển hoàn về cơ quan sau hai lần phát không thành công"})],
    "lost": [("picked_up", 0, 0, {}), ("in_transit", 0, 2, {}), ("lost", 3, "16:00", {"note": "Thất lạc"})],
    "late": [("picked_up", 0, 0, {}), ("in_transit", 0, 2, {}), ("delivered", 9, "10:00", {})],
    "duplicate_callbacks": [("picked_up", 0, 0, {}), ("in_transit", 0, 2, {}), ("delivered", 1, "10:00", {})],
    "out_of_order": [("picked_up", 0, 0, {}), ("in_transit", 0, 2, {}), ("delivered", 1, "10:00", {})],
}
PICKUP_SCENARIOS: dict[str, list[Step]] = {
    "awaiting_handover": [("picked_up", 0, 0, {}), ("in_transit", 0, 2, {})],
    "normal": [("picked_up", 0, 0, {}), ("in_transit", 0, 2, {}), ("delivered", 1, "09:30", {"handover": True})],
    "late": [("picked_up", 0, 0, {}), ("in_transit", 0, 2, {}), ("delivered", 9, "09:30", {"handover": True})],
    "lost": [("picked_up", 0, 0, {}), ("lost", 2, "16:00", {"note": "Thất lạc"})],
}


def s10_tracking_code(serial: int, prefix: str = "EB", country: str = "VN") -> str:
    """A UPU S10 item identifier: two letters, eight digits, a check digit, the country (EB123456785VN)."""
    digits = f"{serial % 100_000_000:08d}"
    check = 11 - sum(int(d) * w for d, w in zip(digits, S10_WEIGHTS, strict=True)) % 11
    check = {10: 0, 11: 5}.get(check, check)
    return f"{prefix}{digits}{check}{country}"


def post_office_for(province_code: str | None) -> str:
    """The post office serving an agency: the province's main office (Hồ Chí Minh City 700000, Hà Nội 100000)."""
    return {"79": "700000", "01": "100000"}.get(province_code or "", f"{province_code or '00'}0000")


def postage_for(sender: dict[str, Any], recipient: dict[str, Any], with_receipt: bool) -> int:
    same_province = (sender.get("address") or {}).get("province_code") == \
        (recipient.get("address") or {}).get("province_code")
    return (25_000 if same_province else 38_000) + (12_000 if with_receipt else 0)


@dataclass
class Shipment:
    tracking_code: str
    reference: str
    direction: str
    slip_number: str
    post_office: str
    postage: int
    callback_url: str | None
    phone: str
    scenario: str
    status: str = "registered"
    events: list[dict[str, Any]] = field(default_factory=list)
    webhooks_sent: int = 0
    cancelled: bool = False


@dataclass
class Behaviour:
    default_scenario: str = "normal"
    default_pickup_scenario: str = "awaiting_handover"
    scenario_for: dict[str, str] = field(default_factory=dict)
    step_delay_ms: int = 150
    start_offset_hours: float = 0.0
    webhooks: bool = True
    fail_create_next: int = 0


@dataclass
class State:
    api_key: str
    webhook_secret: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    shipments: dict[str, Shipment] = field(default_factory=dict)
    by_reference: dict[str, Shipment] = field(default_factory=dict)
    serial: itertools.count = field(default_factory=lambda: itertools.count(random.randint(10**7, 5 * 10**7)))
    stats: dict[str, int] = field(default_factory=lambda: {
        "registered": 0, "repeated_registrations": 0, "injected_failures": 0, "webhooks_sent": 0,
        "webhook_failures": 0, "cancelled": 0})
    lock: threading.Lock = field(default_factory=threading.Lock)


def timeline(steps: list[Step], start: datetime) -> list[tuple[datetime, str, dict[str, Any]]]:
    """The moments of a scenario's updates, from the pickup moment ``start``."""
    pickup_day = start.astimezone(VN_TZ).date()
    out = []
    for status, working_days, when, extra in steps:
        if isinstance(when, int):
            at = start + timedelta(hours=when)
        else:
            day = CALENDAR.working_days_after(pickup_day, working_days)[0] if working_days else pickup_day
            at = datetime.combine(day, clock_time.fromisoformat(when), VN_TZ).astimezone(UTC)
        out.append((at, status, extra))
    return out


class Driver:
    """Plays a shipment's scenario: records each update, then posts it to the webhook (retrying)."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.session = requests.Session()

    def start(self, shipment: Shipment) -> None:
        threading.Thread(target=self._play, args=(shipment,), daemon=True,
                         name=f"play-{shipment.tracking_code}").start()

    def _play(self, shipment: Shipment) -> None:
        behaviour = self.state.behaviour
        scenarios = PICKUP_SCENARIOS if shipment.direction == "dossier_pickup" else RESULT_SCENARIOS
        steps = scenarios.get(shipment.scenario) or scenarios["normal"]
        start = utc_now() + timedelta(hours=behaviour.start_offset_hours)
        updates = []
        for at, status, extra in timeline(steps, start):
            at = min(at, utc_now())
            update = {"event_id": f"{shipment.tracking_code}-{len(updates) + 1}",
                      "tracking_code": shipment.tracking_code, "status": status, "at": at.isoformat(),
                      "attempt": extra.get("attempt"), "note": extra.get("note"), "post_office": shipment.post_office}
            if status == "delivered" and shipment.direction == "result_delivery":
                update.update(recipient_check={"document_type": "CCCD", "document_number": "001203004567",
                                               "name": "Người nhận"}, recovered_papers=[], fees_collected=0)
            if extra.get("handover"):
                update["handover"] = {"record_number": f"BBGN-{shipment.slip_number}", "receiver_name":
                                      "Cán bộ Bộ phận Một cửa", "postal_staff_name": "Nhân viên bưu chính",
                                      "signed_at": at.isoformat(), "documents_complete": True}
            updates.append(update)
        order = list(range(len(updates)))
        if shipment.scenario == "out_of_order" and len(order) >= 3:
            order = [0, 2, 1]  # the delivery overtakes the in-transit update
        for index in order:
            time.sleep(behaviour.step_delay_ms / 1000)
            with self.state.lock:
                if shipment.cancelled:
                    return
                shipment.events.append(updates[index])
                shipment.status = updates[index]["status"]
            if behaviour.webhooks and shipment.callback_url:
                copies = 2 if shipment.scenario == "duplicate_callbacks" else 1
                for copy in range(copies):
                    if copy:
                        time.sleep(1.05)  # a new timestamp: a new signature, as a provider's retry would have
                    self._post(shipment, updates[index])

    def _post(self, shipment: Shipment, update: dict[str, Any]) -> None:
        body = json.dumps(update, ensure_ascii=False).encode()
        for attempt in range(12):
            try:
                response = self.session.post(shipment.callback_url, data=body, timeout=10, headers={
                    "Content-Type": "application/json", "X-Signature": sign(body, self.state.webhook_secret)})
                ok = response.status_code < 300 or response.status_code == 422
            except requests.RequestException:
                ok = False
            with self.state.lock:
                self.state.stats["webhooks_sent" if ok else "webhook_failures"] += 1
                shipment.webhooks_sent += ok
            if ok:
                return
            time.sleep(min(0.2 * 2 ** attempt, 5))


class Handler(BaseHTTPRequestHandler):
    state: State
    driver: Driver
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug(fmt, *args)

    def _answer(self, status: int, body: Any) -> None:
        payload = json.dumps(body, ensure_ascii=False, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            value = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _authorised(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {self.state.api_key}"

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        path = urlparse(self.path).path
        body = self._body()
        if path == "/_control":
            return self._control(body)
        if not self._authorised():
            return self._answer(401, {"error": "invalid_api_key"})
        if path == "/v1/shipments":
            return self._create(body)
        if path.startswith("/v1/shipments/") and path.endswith("/cancel"):
            tracking = path.split("/")[3]
            with self.state.lock:
                shipment = self.state.shipments.get(tracking)
                if shipment is None:
                    return self._answer(404, {"error": "unknown_shipment"})
                if shipment.events:
                    return self._answer(409, {"error": "already_picked_up"})
                shipment.cancelled, shipment.status = True, "cancelled"
                self.state.stats["cancelled"] += 1
            return self._answer(200, {"tracking_code": tracking, "status": "cancelled"})
        return self._answer(404, {"error": "not_found"})

    def _create(self, order: dict[str, Any]) -> None:
        required = ("reference", "direction", "sender", "recipient")
        if any(not order.get(name) for name in required):
            return self._answer(400, {"error": "missing " + ", ".join(n for n in required if not order.get(n))})
        with self.state.lock:
            behaviour = self.state.behaviour
            if behaviour.fail_create_next > 0:
                behaviour.fail_create_next -= 1
                self.state.stats["injected_failures"] += 1
                return self._answer(503, {"error": "service_unavailable"})
            existing = self.state.by_reference.get(order["reference"])
            if existing is not None:
                self.state.stats["repeated_registrations"] += 1
                return self._answer(200, self._registration(existing))
            pickup = order["direction"] == "dossier_pickup"
            agency_side = order["recipient"] if pickup else order["sender"]
            applicant_side = order["sender"] if pickup else order["recipient"]
            phone = str(applicant_side.get("phone") or "")
            default = behaviour.default_pickup_scenario if pickup else behaviour.default_scenario
            serial = next(self.state.serial)
            shipment = Shipment(
                tracking_code=s10_tracking_code(serial), reference=order["reference"], direction=order["direction"],
                slip_number=f"PG{utc_now().astimezone(VN_TZ):%y%m%d}{serial % 10**6:06d}",
                post_office=post_office_for((agency_side.get("address") or {}).get("province_code")),
                postage=postage_for(order["sender"], order["recipient"], bool(order.get("with_receipt"))),
                callback_url=order.get("callback_url"), phone=phone,
                scenario=behaviour.scenario_for.get(phone, default))
            self.state.shipments[shipment.tracking_code] = shipment
            self.state.by_reference[shipment.reference] = shipment
            self.state.stats["registered"] += 1
        self.driver.start(shipment)
        return self._answer(201, self._registration(shipment))

    @staticmethod
    def _registration(shipment: Shipment) -> dict[str, Any]:
        return {"tracking_code": shipment.tracking_code, "slip_number": shipment.slip_number,
                "post_office": shipment.post_office, "postage": shipment.postage}

    def _control(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            if body.get("reset"):
                self.state.behaviour = Behaviour()
            behaviour = self.state.behaviour
            for name in ("default_scenario", "default_pickup_scenario"):
                if name in body:
                    setattr(behaviour, name, str(body[name]))
            for name in ("step_delay_ms", "fail_create_next"):
                if name in body:
                    setattr(behaviour, name, int(body[name]))
            if "start_offset_hours" in body:
                behaviour.start_offset_hours = float(body["start_offset_hours"])
            if "webhooks" in body:
                behaviour.webhooks = bool(body["webhooks"])
            for phone, scenario in (body.get("scenario_for") or {}).items():
                behaviour.scenario_for[str(phone)] = str(scenario)
            return self._answer(200, asdict(behaviour))

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        path = urlparse(self.path).path
        if path == "/healthz":
            return self._answer(200, {"status": "ok"})
        if path == "/_stats":
            with self.state.lock:
                return self._answer(200, dict(self.state.stats))
        if path == "/_shipments":
            with self.state.lock:
                return self._answer(200, [asdict(s) for s in self.state.shipments.values()])
        if path.startswith("/v1/shipments/"):
            if not self._authorised():
                return self._answer(401, {"error": "invalid_api_key"})
            with self.state.lock:
                shipment = self.state.shipments.get(path.split("/")[3])
                if shipment is None:
                    return self._answer(404, {"error": "unknown_shipment"})
                return self._answer(200, {"tracking_code": shipment.tracking_code, "reference": shipment.reference,
                                          "status": shipment.status, "events": list(shipment.events)})
        return self._answer(404, {"error": "not_found"})


def make_server(port: int, api_key: str, webhook_secret: str) -> ThreadingHTTPServer:
    state = State(api_key=api_key, webhook_secret=webhook_secret)
    handler = type("BoundHandler", (Handler,), {"state": state, "driver": Driver(state)})
    server = ThreadingHTTPServer((Settings.from_env().bind_host, port), handler)  # BIND_HOST: 0.0.0.0 in compose
    server.daemon_threads = True
    return server


class PostalProviderClient(SimulatorClient):
    """Reads the simulator back and steers it (tests, `make postal`)."""

    def shipments(self) -> list[dict[str, Any]]:
        return requests.get(f"{self.url}/_shipments", timeout=5).json()

    def shipment(self, reference: str) -> dict[str, Any] | None:
        return next((s for s in self.shipments() if s["reference"] == reference), None)


def serve(port: int, api_key: str, webhook_secret: str) -> None:
    serve_until_stopped(make_server(port, api_key, webhook_secret), "postal-provider", port)


def _listing(url: str) -> tuple[list[str], str]:
    shipments = PostalProviderClient(url).shipments()
    return ([f"{s['tracking_code']}\t{s['direction']}\t{s['scenario']}\t{s['status']}\t{s['reference']}"
             for s in shipments], f"{len(shipments)} bưu gửi")


main = command_line("postal-provider", port=8091, listing=_listing,
                    options={"--api-key": ("dev-postal-key", "the API key the postal service sends"),
                             "--webhook-secret": ("dev-postal-webhook-secret", "the key signing the webhooks")},
                    serve=lambda args: serve(args.port, args.api_key, args.webhook_secret))

if __name__ == "__main__":
    raise SystemExit(main())
