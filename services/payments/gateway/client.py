"""The adapter for the payment gateway (the national payment platform or a lawful Vietnamese gateway in
production; ``tools/simulators/payment_gateway.py`` in development and tests). Every request carries the
merchant code and an HMAC-SHA512 over its parameters sorted by name (``signature``; the secret never travels),
and every answer is checked the same way before it is believed:

- ``create_order`` → ``POST /api/v1/orders``: amount (VND), our order id (dossier, charge, attempt: unique at
  the gateway, so creating it again after a lost answer returns the same order), description, the agency that
  receives the money (``beneficiary``), where the payer comes back (``return_url``) and where the notice goes
  (``ipn_url``), the expiry; answers the page to send the payer to;
- ``query`` → ``POST /api/v1/query``: what became of an order (reconciliation, and the payer's return — whose
  own parameters are never trusted alone);
- ``refund`` → ``POST /api/v1/refunds``, idempotent by our refund id;
- ``statement`` → ``POST /api/v1/statements``: the day's transactions with their beneficiary (đối soát).

Payment notices (IPN) come back as signed form parameters (``resources.py``; verified by the
``signed_parameters`` policy) and are read with :func:`read_notice`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import requests

from shared.auth.policy import sign_parameters, verify_parameters
from shared.clock import VN_TZ, as_utc, vn_datetime

TIMEOUT_SECONDS = 10


class GatewayError(Exception):
    """The gateway could not be reached, refused the request or answered something unsigned; ``permanent``
    when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def gateway_time(moment: datetime) -> str:
    """``yyyyMMddHHmmss`` in Hà Nội time, as the gateways write dates."""
    return vn_datetime(moment).strftime("%Y%m%d%H%M%S")


def parse_gateway_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return as_utc(datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ))


def read_notice(params: dict[str, Any]) -> dict[str, Any]:
    """A notice's (or a query answer's) parameters as the charge rules read them."""
    return {"order_id": params["order_id"], "amount": int(params["amount"]),
            "result_code": params.get("result_code") or "", "transaction_no": params.get("transaction_no") or None,
            "paid_at": parse_gateway_time(params.get("pay_date")), "bank_code": params.get("bank_code") or None}


class PaymentGateway:
    def __init__(self, settings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.secret = settings.secret("payment_gateway_secret")
        self.merchant = settings.payment_merchant_code
        self.base = settings.payment_gateway_url.rstrip("/")
        self.session = session or requests.Session()

    def create_order(self, *, order_id: str, amount: int, description: str, beneficiary: str, expires_at: datetime,
                     payer_ref: str | None) -> dict[str, Any]:
        return self._call("/api/v1/orders", {
            "order_id": order_id, "amount": str(amount), "currency": "VND", "description": description,
            "beneficiary": beneficiary, "return_url": self.settings.payment_return_url,
            "ipn_url": self.settings.payment_ipn_url, "expires_at": gateway_time(expires_at),
            "payer_ref": payer_ref or "", "locale": "vn"})

    def query(self, order_id: str) -> dict[str, Any]:
        """``status``: pending, paid, cancelled, expired, failed or refunded, with the notice's fields."""
        answer = self._call("/api/v1/query", {"order_id": order_id})
        return {**read_notice({**answer, "amount": answer.get("amount") or 0}), "status": answer["status"]}

    def refund(self, *, order_id: str, refund_id: str, amount: int, transaction_no: str | None,
               reason: str) -> dict[str, Any]:
        return self._call("/api/v1/refunds", {"order_id": order_id, "refund_id": refund_id, "amount": str(amount),
                                              "transaction_no": transaction_no or "", "reason": reason})

    def statement(self, day: date) -> dict[str, Any]:
        answer = self._call("/api/v1/statements", {"date": day.isoformat()}, flat=True)
        if len(answer.get("transactions", [])) != int(answer.get("count", -1)):
            raise GatewayError("the gateway's statement does not hold what it counts")
        return answer

    def _call(self, path: str, params: dict[str, Any], *, flat: bool = False) -> dict[str, Any]:
        signed = {**params, "merchant_code": self.merchant}
        signed["signature"] = sign_parameters(signed, self.secret)
        try:
            response = self.session.post(f"{self.base}{path}", json=signed, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise GatewayError(f"payment gateway unreachable: {type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            raise GatewayError(f"payment gateway answered {response.status_code}: {body.get('error') or ''}",
                               permanent=response.status_code in (400, 401, 404, 409))
        checked = {k: v for k, v in body.items() if not isinstance(v, list | dict)} if flat else body
        if not isinstance(body, dict) or not verify_parameters(checked, self.secret):
            raise GatewayError("the payment gateway's answer is not signed with the shared secret", permanent=True)
        return body
