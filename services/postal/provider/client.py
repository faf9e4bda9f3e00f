"""The adapter for the postal provider's API (Vietnam Post's, in production; the simulator shipped in
``tools/simulators/postal_provider.py`` in development and tests). Small on purpose:

- ``create_shipment`` → ``POST /v1/shipments``: our shipment id is the provider's ``reference`` and is unique
  there, so registering again after a crash returns the first registration instead of a second order;
- ``cancel`` → ``POST /v1/shipments/<tracking code>/cancel``;
- ``get_status`` → ``GET /v1/shipments/<tracking code>``: the status and every update so far, the same
  updates the webhooks carry (the scheduler uses it to catch up on missed webhooks).

Status updates come back as signed webhooks (``provider/resources.py``).
"""

from __future__ import annotations

from typing import Any

import requests


class ProviderError(Exception):
    """The provider could not be reached or refused the request; ``permanent`` if retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class PostalProvider:
    def __init__(self, settings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self.base = settings.postal_provider_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {settings.postal_provider_api_key}"

    def create_shipment(self, shipment: dict[str, Any]) -> dict[str, Any]:
        """Registers the shipment; returns ``tracking_code``, ``slip_number``, ``post_office``, ``postage``."""
        order = {
            "reference": shipment["_id"],
            "service": "hcc",  # dịch vụ bưu chính công ích cho thủ tục hành chính
            "direction": shipment["direction"],
            "sender": shipment["sender"],
            "recipient": shipment["recipient"],
            "procedure": shipment["procedure"],
            "dossier_code": shipment["dossier_code"],
            "documents": shipment["documents"],
            "with_receipt": shipment["with_receipt"],
            "fees_to_collect": shipment["fees_to_collect"],
            "callback_url": self.settings.postal_webhook_url,
        }
        return self._call("post", "/v1/shipments", json=order)

    def cancel(self, tracking_code: str) -> dict[str, Any]:
        return self._call("post", f"/v1/shipments/{tracking_code}/cancel")

    def get_status(self, tracking_code: str) -> dict[str, Any]:
        return self._call("get", f"/v1/shipments/{tracking_code}")

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.session.request(method, f"{self.base}{path}", timeout=10, **kwargs)
        except requests.RequestException as exc:
            raise ProviderError(f"postal provider unreachable: {type(exc).__name__}: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            raise ProviderError(f"postal provider answered {response.status_code}: {body.get('error') or ''}",
                                permanent=400 <= response.status_code < 500 and response.status_code not in (408, 429))
        return body
