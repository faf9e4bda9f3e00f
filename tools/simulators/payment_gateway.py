"""The payment gateway simulator: a real HTTP server speaking the gateway API the payments service's adapter uses
(``services/payments/gateway/client.py``), in the style of the national payment platform and the Vietnamese
gateways (VNPay, its ``vnp_SecureHash``): every request and answer is signed with an HMAC-SHA512 over its
parameters sorted by name (``shared.auth.policy.canonical_parameters``), the shared secret never travels.
Started by `make run` and by the tests.

    python -m tools.simulators.payment_gateway serve --port 8092 --merchant MOTCUA01 --secret S
    python -m tools.simulators.payment_gateway list --url http://127.0.0.1:8092

Gateway API (JSON bodies of flat parameters, each with ``signature``):

- ``POST /api/v1/orders`` ``{merchant_code, order_id, amount, currency, description, beneficiary, return_url,
  ipn_url, expires_at, payer_ref}`` → ``201 {order_id, gateway_ref, pay_url, amount, expires_at}``; the same
  order id again with the same amount answers ``200`` with the same order (a retry after a lost answer), with
  another amount ``409``;
- ``GET /pay/<gateway_ref>`` — the pay page (Vietnamese, no script): **Thanh toán** or **Hủy giao dịch**; the
  form posts back here, the outcome is recorded, the payment notice (IPN) is posted to ``ipn_url`` (form
  parameters, signed; retried on 5xx and timeouts, never on 4xx) and the browser is sent to ``return_url`` with
  the outcome as signed query parameters;
- ``POST /api/v1/query`` ``{merchant_code, order_id}`` → the order's status (``pending``, ``paid``,
  ``cancelled``, ``expired``, ``failed``, ``refunded``), amount, transaction number, pay date, bank;
- ``POST /api/v1/refunds`` ``{merchant_code, order_id, refund_id, amount, transaction_no, reason}`` → ``{refund_id,
  status: success, refund_transaction_no, refunded_at}``; idempotent by ``refund_id``;
- ``POST /api/v1/statements`` ``{merchant_code, date}`` → the day's transactions (payments and refunds, Hà Nội
  date) with their beneficiary agency, for reconciliation (đối soát), and a signed checksum of them.

Result codes (as VNPay's ``vnp_ResponseCode``): ``00`` paid, ``24`` cancelled by the payer, ``11`` expired,
``51`` failed. Pay dates ``yyyyMMddHHmmss`` in Hà Nội time.

Scenarios, chosen when the order is created by its amount (``scenario_for_amount``) or by the payer reference
(``scenario_for_payer``), else ``default_scenario``:

- ``paid`` — the notice follows the payment at once;
- ``cancelled`` — whatever the payer clicks, the payment is cancelled (24);
- ``expired`` — the order has expired when the payer arrives (11);
- ``delayed`` — paid, the notice comes ``callback_delay_ms`` later;
- ``no_callback`` — paid, the notice never comes (reconciliation must find it);
- ``duplicated`` — paid, the same notice is posted three times;
- ``forged`` — nothing is paid, but a notice claiming payment, signed with the wrong key, is posted and the
  browser comes back with the same forged parameters;
- ``amount_mismatch`` — paid 1,000 VND less than ordered; the notice is validly signed.

Any merchant code is accepted (one shared secret): several deployments can share the simulator, each seeing
only its own transactions on a statement.

Test controls: ``POST /_control`` with any of ``{"reset": true}``, ``{"default_scenario": "paid"}``,
``{"scenario_for_amount": {"200000": "delayed"}}``, ``{"scenario_for_payer": {"<ref>": "forged"}}``,
``{"callback_delay_ms": 3000}``, ``{"fail_next": 2}`` (the next API calls answer 503);
``GET /_orders``, ``GET /_callbacks`` (every notice posted, with its parameters and the answer), ``GET /_stats``;
``POST /_pay/<order_id>`` ``{"action": "pay", "merchant_code": "…"}`` does what the pay page's button does,
without a browser.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import logging
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from shared.auth.policy import sign_parameters, verify_parameters
from shared.clock import VN_TZ, utc_now, vn_datetime
from shared.config import Settings
from tools.simulators.common import SimulatorClient, command_line, serve_until_stopped

log = logging.getLogger("payment-gateway")

PAID, CANCELLED, EXPIRED, FAILED = "00", "24", "11", "51"
SCENARIOS = ("paid", "cancelled", "expired", "delayed", "no_callback", "duplicated", "forged", "amount_mismatch")
FORGED_KEY = "not-the-shared-secret"
BANKS = ("NCB", "VCB", "BIDV", "VTB")


def pay_date(moment: datetime) -> str:
    return vn_datetime(moment).strftime("%Y%m%d%H%M%S")


@dataclass
class Order:
    order_id: str
    gateway_ref: str
    merchant_code: str
    amount: int
    description: str
    beneficiary: str
    return_url: str
    ipn_url: str
    expires_at: str
    payer_ref: str
    scenario: str
    created_at: str
    status: str = "pending"            # pending, paid, cancelled, expired, failed, refunded
    result_code: str | None = None
    transaction_no: str | None = None
    paid_amount: int | None = None
    paid_at: str | None = None          # yyyyMMddHHmmss, Hà Nội
    bank_code: str | None = None
    refunds: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Behaviour:
    default_scenario: str = "paid"
    scenario_for_amount: dict[str, str] = field(default_factory=dict)
    scenario_for_payer: dict[str, str] = field(default_factory=dict)
    callback_delay_ms: int = 4000
    fail_next: int = 0


@dataclass
class State:
    merchant_code: str
    secret: str
    public_url: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    orders: dict[tuple[str, str], Order] = field(default_factory=dict)   # (merchant code, order id)
    by_ref: dict[str, Order] = field(default_factory=dict)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)   # what a statement lists: payments and refunds
    serial: itertools.count = field(default_factory=lambda: itertools.count(random.randint(10**7, 5 * 10**7)))
    stats: dict[str, int] = field(default_factory=lambda: {
        "orders": 0, "repeated_orders": 0, "paid": 0, "cancelled": 0, "expired": 0, "refunds": 0,
        "callbacks_sent": 0, "callbacks_refused": 0, "callback_failures": 0, "queries": 0, "statements": 0,
        "injected_failures": 0, "bad_signatures": 0})
    lock: threading.Lock = field(default_factory=threading.Lock)


class Notifier:
    """Posts payment notices to the merchant's IPN URL: form parameters, retried on 5xx and connection errors
    (with backoff, up to ten times), never on a 4xx (the merchant refused it: a person must look)."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.session = requests.Session()

    def later(self, url: str, params: dict[str, str], *, delay: float = 0.0, copies: int = 1) -> None:
        threading.Thread(target=self._send, args=(url, params, delay, copies), daemon=True).start()

    def _send(self, url: str, params: dict[str, str], delay: float, copies: int) -> None:
        time.sleep(delay)
        for copy in range(copies):
            if copy:
                time.sleep(0.3)
            self._post(url, params)

    def _post(self, url: str, params: dict[str, str]) -> None:
        for attempt in range(10):
            try:
                response = self.session.post(url, data=params, timeout=10)
                status, body = response.status_code, _json(response)
            except requests.RequestException as exc:
                status, body = 0, {"error": type(exc).__name__}
            with self.state.lock:
                self.state.callbacks.append({"order_id": params.get("order_id"),
                                             "merchant_code": params.get("merchant_code"), "params": dict(params),
                                             "status": status, "answer": body, "at": utc_now().isoformat()})
                key = "callbacks_sent" if 200 <= status < 300 else "callbacks_refused" if 400 <= status < 500 \
                    else "callback_failures"
                self.state.stats[key] += 1
            if 200 <= status < 500:
                return
            time.sleep(min(0.2 * 2 ** attempt, 5))


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}


class Handler(BaseHTTPRequestHandler):
    state: State
    notifier: Notifier
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug(fmt, *args)

    # -- plumbing --------------------------------------------------------------------------------------------

    def _answer(self, status: int, body: Any, *, signed: bool = False) -> None:
        if signed and isinstance(body, dict):
            body = {**body, "signature": sign_parameters(_flat(body), self.state.secret)}
        payload = json.dumps(body, ensure_ascii=False, default=str).encode()
        self._send(status, payload, "application/json; charset=utf-8")

    def _send(self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _raw_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _body(self) -> dict[str, Any]:
        try:
            value = json.loads(self._raw_body() or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _signed(self, body: dict[str, Any]) -> bool:
        # Any merchant code, one secret: several motcua deployments (the tests' own) share this simulator, each
        # under its own merchant code, and see only their own transactions on a statement.
        if body.get("merchant_code") and verify_parameters(body, self.state.secret):
            return True
        with self.state.lock:
            self.state.stats["bad_signatures"] += 1
        self._answer(401, {"error": "invalid_signature"})
        return False

    def _injected_failure(self) -> bool:
        with self.state.lock:
            if self.state.behaviour.fail_next > 0:
                self.state.behaviour.fail_next -= 1
                self.state.stats["injected_failures"] += 1
                failing = True
            else:
                failing = False
        if failing:
            self._answer(503, {"error": "service_unavailable"})
        return failing

    # -- routes ----------------------------------------------------------------------------------------------

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        path = urlparse(self.path).path
        if path.startswith("/pay/"):
            return self._pay_form(path.split("/")[2])
        body = self._body()
        if path == "/_control":
            return self._control(body)
        if path.startswith("/_pay/"):
            return self._test_pay(path.split("/")[2], body)
        api = {"/api/v1/orders": self._create, "/api/v1/query": self._query, "/api/v1/refunds": self._refund,
               "/api/v1/statements": self._statement}.get(path)
        if api is None:
            return self._answer(404, {"error": "not_found"})
        if self._injected_failure() or not self._signed(body):
            return None
        return api(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        path = urlparse(self.path).path
        if path == "/healthz":
            return self._answer(200, {"status": "ok"})
        if path.startswith("/pay/"):
            return self._pay_page(path.split("/")[2])
        with self.state.lock:
            if path == "/_stats":
                return self._answer(200, dict(self.state.stats))
            if path == "/_orders":
                return self._answer(200, [asdict(o) for o in self.state.orders.values()])
            if path == "/_callbacks":
                return self._answer(200, list(self.state.callbacks))
        return self._answer(404, {"error": "not_found"})

    # -- the API ---------------------------------------------------------------------------------------------

    def _create(self, body: dict[str, Any]) -> None:
        missing = [n for n in ("order_id", "amount", "return_url", "ipn_url", "expires_at") if not body.get(n)]
        if missing:
            return self._answer(400, {"error": "missing " + ", ".join(missing)})
        try:
            amount = int(body["amount"])
        except ValueError:
            return self._answer(400, {"error": "amount"})
        with self.state.lock:
            existing = self.state.orders.get((body["merchant_code"], body["order_id"]))
            if existing is not None:
                if existing.amount != amount:
                    return self._answer(409, {"error": "order_id_reused"})
                self.state.stats["repeated_orders"] += 1
                return self._answer(200, self._order_answer(existing), signed=True)
            behaviour = self.state.behaviour
            payer = str(body.get("payer_ref") or "")
            scenario = behaviour.scenario_for_amount.get(str(amount)) or behaviour.scenario_for_payer.get(payer) \
                or behaviour.default_scenario
            order = Order(order_id=body["order_id"], gateway_ref=f"GW{next(self.state.serial)}",
                          merchant_code=body["merchant_code"], amount=amount,
                          description=str(body.get("description") or ""),
                          beneficiary=str(body.get("beneficiary") or ""),
                          return_url=body["return_url"], ipn_url=body["ipn_url"], expires_at=str(body["expires_at"]),
                          payer_ref=payer, scenario=scenario, created_at=utc_now().isoformat())
            self.state.orders[(order.merchant_code, order.order_id)] = order
            self.state.by_ref[order.gateway_ref] = order
            self.state.stats["orders"] += 1
        return self._answer(201, self._order_answer(order), signed=True)

    def _order_answer(self, order: Order) -> dict[str, Any]:
        return {"order_id": order.order_id, "gateway_ref": order.gateway_ref, "amount": order.amount,
                "expires_at": order.expires_at, "pay_url": f"{self.state.public_url}/pay/{order.gateway_ref}"}

    def _query(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.stats["queries"] += 1
            order = self.state.orders.get((body["merchant_code"], str(body.get("order_id"))))
            if order is None:
                return self._answer(404, {"error": "unknown_order"})
            _expire_if_due(order)
            return self._answer(200, _status_of(order), signed=True)

    def _refund(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            order = self.state.orders.get((body["merchant_code"], str(body.get("order_id"))))
            if order is None:
                return self._answer(404, {"error": "unknown_order"})
            done = next((r for r in order.refunds if r["refund_id"] == body.get("refund_id")), None)
            if done is None:
                if order.status != "paid" or int(body.get("amount") or 0) != order.paid_amount:
                    return self._answer(409, {"error": "not_refundable", "status": order.status})
                now = utc_now()
                done = {"refund_id": str(body["refund_id"]), "status": "success", "amount": order.paid_amount,
                        "refund_transaction_no": str(next(self.state.serial)), "refunded_at": pay_date(now)}
                order.refunds.append(done)
                order.status = "refunded"
                self.state.ledger.append({"kind": "refund", "order_id": order.order_id,
                                          "merchant_code": order.merchant_code,
                                          "transaction_no": done["refund_transaction_no"], "amount": order.paid_amount,
                                          "at": now.isoformat(), "beneficiary": order.beneficiary})
                self.state.stats["refunds"] += 1
            return self._answer(200, {"order_id": order.order_id, **done}, signed=True)

    def _statement(self, body: dict[str, Any]) -> None:
        day = str(body.get("date") or "")
        with self.state.lock:
            self.state.stats["statements"] += 1
            lines = [line for line in self.state.ledger if line["merchant_code"] == body["merchant_code"]
                     and vn_datetime(datetime.fromisoformat(line["at"])).date().isoformat() == day]
        checksum = hashlib.sha256(json.dumps(lines, sort_keys=True).encode()).hexdigest()
        summary = {"merchant_code": body["merchant_code"], "date": day, "count": len(lines),
                   "total": sum(line["amount"] if line["kind"] == "payment" else -line["amount"] for line in lines),
                   "checksum": checksum}
        signature = sign_parameters(summary, self.state.secret)
        return self._answer(200, {**summary, "transactions": lines, "signature": signature})

    # -- the payer's side ------------------------------------------------------------------------------------

    def _pay_page(self, ref: str) -> None:
        with self.state.lock:
            order = self.state.by_ref.get(ref)
            if order is not None:
                _expire_if_due(order)
        if order is None:
            return self._send(404, _page("Không tìm thấy giao dịch", "<p>Đường dẫn thanh toán không hợp lệ.</p>"),
                              "text/html; charset=utf-8")
        money = f"{order.amount:,}".replace(",", ".")
        if order.status != "pending":
            body = f"<p>Giao dịch {html.escape(order.order_id)} đã kết thúc ({html.escape(order.status)}).</p>"
        else:
            body = (f"<dl><dt>Đơn vị thụ hưởng</dt><dd>{html.escape(order.beneficiary)}</dd>"
                    f"<dt>Mã giao dịch</dt><dd>{html.escape(order.order_id)}</dd>"
                    f"<dt>Nội dung</dt><dd>{html.escape(order.description)}</dd>"
                    f"<dt>Số tiền</dt><dd id=\"so-tien\">{money} đồng</dd></dl>"
                    f'<form method="post" action="/pay/{html.escape(ref)}">'
                    '<button type="submit" name="action" value="pay">Thanh toán</button> '
                    '<button type="submit" name="action" value="cancel">Hủy giao dịch</button></form>')
        return self._send(200, _page("Cổng thanh toán (mô phỏng)", body), "text/html; charset=utf-8")

    def _pay_form(self, ref: str) -> None:
        action = parse_qs(self._raw_body().decode()).get("action", ["pay"])[0]
        with self.state.lock:
            order = self.state.by_ref.get(ref)
        if order is None:
            return self._send(404, _page("Không tìm thấy giao dịch", ""), "text/html; charset=utf-8")
        back = self.settle(order, action)
        return self._send(303, b"", "text/plain", {"Location": back})

    def _test_pay(self, order_id: str, body: dict[str, Any]) -> None:
        with self.state.lock:
            order = self.state.orders.get((str(body.get("merchant_code")), order_id))
        if order is None:
            return self._answer(404, {"error": "unknown_order"})
        back = self.settle(order, str(body.get("action") or "pay"))
        return self._answer(200, {"return_url": back, "status": order.status})

    def settle(self, order: Order, action: str) -> str:
        """What the payer's click does under the order's scenario; returns where the browser goes back to."""
        with self.state.lock:
            _expire_if_due(order)
            scenario = order.scenario
            if order.status != "pending":
                code = order.result_code or FAILED
            elif scenario == "forged":
                code = None
            elif scenario == "expired":
                code = _finish(order, "expired", EXPIRED, self.state)
            elif action == "cancel" or scenario == "cancelled":
                code = _finish(order, "cancelled", CANCELLED, self.state)
            else:
                code = _finish(order, "paid", PAID, self.state,
                               amount=order.amount - 1000 if scenario == "amount_mismatch" else order.amount)
            notice = self._notice(order, code)
        if scenario == "forged":
            forged = {**notice, "signature": sign_parameters(notice, FORGED_KEY)}
            self.notifier.later(order.ipn_url, forged)
            return f"{order.return_url}?{urlencode(forged)}"
        if scenario == "delayed":
            self.notifier.later(order.ipn_url, notice, delay=self.state.behaviour.callback_delay_ms / 1000)
        elif scenario == "duplicated":
            self.notifier.later(order.ipn_url, notice, copies=3)
        elif scenario != "no_callback":
            self.notifier.later(order.ipn_url, notice, delay=0.05)
        return f"{order.return_url}?{urlencode(notice)}"

    def _notice(self, order: Order, code: str | None) -> dict[str, str]:
        """The signed parameters of a payment notice (IPN) and of the browser's return."""
        params = {"merchant_code": order.merchant_code, "order_id": order.order_id,
                  "amount": str(order.paid_amount if order.paid_amount is not None else order.amount),
                  "result_code": code or PAID, "transaction_no": order.transaction_no or f"F{order.gateway_ref}",
                  "pay_date": order.paid_at or pay_date(utc_now()), "bank_code": order.bank_code or "NCB",
                  "gateway_ref": order.gateway_ref}
        return {**params, "signature": sign_parameters(params, self.state.secret)}

    # -- controls --------------------------------------------------------------------------------------------

    def _control(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            if body.get("reset"):
                self.state.behaviour = Behaviour()
            behaviour = self.state.behaviour
            if "default_scenario" in body:
                behaviour.default_scenario = str(body["default_scenario"])
            for name in ("callback_delay_ms", "fail_next"):
                if name in body:
                    setattr(behaviour, name, int(body[name]))
            for amount, scenario in (body.get("scenario_for_amount") or {}).items():
                behaviour.scenario_for_amount[str(amount)] = str(scenario)
            for payer, scenario in (body.get("scenario_for_payer") or {}).items():
                behaviour.scenario_for_payer[str(payer)] = str(scenario)
            return self._answer(200, asdict(behaviour))


def _flat(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if not isinstance(v, list | dict)}


def _expire_if_due(order: Order) -> None:
    if order.status == "pending":
        try:
            expires = datetime.strptime(order.expires_at, "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ)
        except ValueError:
            return
        if utc_now() > expires:
            order.status, order.result_code = "expired", EXPIRED


def _finish(order: Order, status: str, code: str, state: State, amount: int | None = None) -> str:
    order.status, order.result_code = status, code
    state.stats[status] += 1
    if status == "paid":
        now = utc_now()
        order.transaction_no = str(next(state.serial))
        order.paid_amount = amount
        order.paid_at = pay_date(now)
        order.bank_code = random.choice(BANKS)
        state.ledger.append({"kind": "payment", "order_id": order.order_id, "merchant_code": order.merchant_code,
                             "transaction_no": order.transaction_no,
                             "amount": amount, "at": now.isoformat(), "beneficiary": order.beneficiary})
    return code


def _status_of(order: Order) -> dict[str, Any]:
    return {"order_id": order.order_id, "status": order.status, "result_code": order.result_code or "",
            "amount": order.paid_amount if order.paid_amount is not None else order.amount,
            "transaction_no": order.transaction_no or "", "pay_date": order.paid_at or "",
            "bank_code": order.bank_code or ""}


def _page(title: str, body: str) -> bytes:
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>").encode()


def make_server(port: int, merchant: str, secret: str, public_url: str | None = None) -> ThreadingHTTPServer:
    state = State(merchant_code=merchant, secret=secret, public_url=public_url or f"http://127.0.0.1:{port}")
    handler = type("BoundHandler", (Handler,), {"state": state, "notifier": Notifier(state)})
    server = ThreadingHTTPServer((Settings.from_env().bind_host, port), handler)  # BIND_HOST: 0.0.0.0 in compose
    server.daemon_threads = True
    return server


class PaymentGatewayClient(SimulatorClient):
    """Reads the simulator back and steers it (tests, `make payments`)."""

    def orders(self) -> list[dict[str, Any]]:
        return requests.get(f"{self.url}/_orders", timeout=5).json()

    def order(self, merchant: str, order_id: str) -> dict[str, Any] | None:
        return next((o for o in self.orders() if o["order_id"] == order_id and o["merchant_code"] == merchant), None)

    def callbacks(self, merchant: str, order_id: str | None = None) -> list[dict[str, Any]]:
        found = requests.get(f"{self.url}/_callbacks", timeout=5).json()
        return [c for c in found if c["merchant_code"] == merchant and order_id in (None, c["order_id"])]

    def pay(self, merchant: str, order_id: str, action: str = "pay") -> dict[str, Any]:
        """What the payer's click on the pay page does (without a browser)."""
        return requests.post(f"{self.url}/_pay/{order_id}", json={"action": action, "merchant_code": merchant},
                             timeout=10).json()


def serve(port: int, merchant: str, secret: str, public_url: str | None) -> None:
    serve_until_stopped(make_server(port, merchant, secret, public_url), "payment-gateway", port)


def _listing(url: str) -> tuple[list[str], str]:
    orders = PaymentGatewayClient(url).orders()
    return ([f"{o['order_id']}\t{o['amount']}\t{o['scenario']}\t{o['status']}\t{o['beneficiary']}" for o in orders],
            f"{len(orders)} giao dịch")


main = command_line("payment-gateway", port=8092, listing=_listing,
                    options={"--public-url": (None, "base URL of the pay pages (default: 127.0.0.1:port)"),
                             "--merchant": ("MOTCUA01", "the merchant code of the one-stop system"),
                             "--secret": ("dev-payment-secret", "the HMAC key shared with the merchant")},
                    serve=lambda args: serve(args.port, args.merchant, args.secret, args.public_url))

if __name__ == "__main__":
    raise SystemExit(main())
