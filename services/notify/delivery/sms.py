"""The SMS channel: an adapter for an HTTP SMS gateway (brand-name SMS, as Vietnamese carriers' aggregators
offer it). The same small API is served by the simulator shipped in ``tools/simulators/sms_gateway.py``:

- ``POST /v1/messages`` with ``Authorization: Bearer <key>`` and ``{"from", "to", "text", "encoding",
  "reference", "callback_url"}`` → ``202 {"id", "status": "accepted", "segments"}``. ``reference`` is ours
  (notification id and attempt number) and the gateway keeps it unique: sending it again returns the first
  message instead of a second SMS. ``400`` refuses the number for good; ``401``, ``429`` and ``5xx`` are
  worth another attempt later.
- ``GET /v1/messages/by-reference/<reference>`` → ``200 {"id", "status", "error_code"}`` or ``404``: lets the
  sweeper find out whether an attempt interrupted by a crash reached the gateway before sending it again.
- Delivery receipts are POSTed to ``callback_url``, signed like every webhook here (``X-Signature:
  t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">``); see ``delivery/receipts.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from services.notify.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError
from services.notify.delivery.sms_text import SmsBody, prepare


def international(phone: str) -> str:
    """``0912345678`` or ``+84912345678`` → ``84912345678``, the form gateways take."""
    digits = phone.strip().replace(" ", "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("0"):
        digits = "84" + digits[1:]
    return digits


@dataclass(frozen=True)
class SmsAccepted:
    message_id: str
    body: SmsBody


class SmsGateway:
    def __init__(self, settings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.base = settings.sms_gateway_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {settings.sms_gateway_api_key}"

    def send(self, *, reference: str, to: str, text: str) -> SmsAccepted:
        body = prepare(text, unicode=self.settings.sms_unicode)
        request = {"from": self.settings.sms_sender_name, "to": international(to), "text": body.text,
                   "encoding": body.encoding, "reference": reference, "callback_url": self.settings.sms_callback_url}
        try:
            response = self.session.post(f"{self.base}/v1/messages", json=request, timeout=10)
        except requests.RequestException as exc:
            raise TemporaryDeliveryError(f"SMS gateway unreachable: {type(exc).__name__}: {exc}") from exc
        answer = _json(response)
        if response.status_code in (200, 201, 202):
            return SmsAccepted(str(answer["id"]), body)
        detail = f"SMS gateway answered {response.status_code}: {answer.get('error') or response.text[:200]}"
        if response.status_code == 400:
            raise PermanentDeliveryError(detail)
        raise TemporaryDeliveryError(detail)

    def lookup(self, reference: str) -> dict[str, Any] | None:
        """What the gateway knows of a reference, or None if it never received it. Raises
        :class:`TemporaryDeliveryError` when it cannot tell (unreachable): then nothing may be resent."""
        try:
            response = self.session.get(f"{self.base}/v1/messages/by-reference/{reference}", timeout=10)
        except requests.RequestException as exc:
            raise TemporaryDeliveryError(f"SMS gateway unreachable: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise TemporaryDeliveryError(f"SMS gateway answered {response.status_code} to a look-up")
        return _json(response)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
