"""The one idempotency convention of every creating endpoint.

A client that may retry a ``POST`` that creates something (a dossier, a postal filing, a notification, an
account…) sends an ``Idempotency-Key`` header: 1 to 100 printable ASCII characters without spaces, unique per
caller. The first request with a key creates the resource and answers ``201 Created``; any later request from
the same caller with the same key creates nothing and answers ``200 OK`` with the resource first created and
the header ``Idempotent-Replayed: true``. Keys are scoped to the caller (``<subject>:<key>``), so two callers
can never see each other's resources through a key. Without the header a request is not deduplicated.

Views take the key with ``@blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)`` and answer with
:func:`created`; the service stores :func:`shared.domain.idempotency.scoped` in a unique ``idempotency_key``
field.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema

from shared.domain import fields as f

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


class IdempotencyKey(Schema):
    """The ``Idempotency-Key`` request header (the other headers are not this schema's business)."""

    class Meta:
        unknown = EXCLUDE

    idempotency_key = f.String(data_key=HEADER, load_default=None, validate=f.matches(
        r"^[\x21-\x7e]{1,100}$", "Từ 1 đến 100 ký tự ASCII in được, không có khoảng trắng."), metadata={
        "description": "retry-safe creation: the same key (per caller) creates one resource only; a repeat answers "
                       "200 with the resource first created and Idempotent-Replayed: true"})


def created(resource: dict[str, Any], new: bool, location: str | None = None) -> tuple[dict[str, Any], int, dict]:
    """The answer of a creating endpoint: 201 when created now, 200 and ``Idempotent-Replayed`` on a replay."""
    headers = {"Location": location} if location else {}
    if not new:
        headers[REPLAYED] = "true"
    return resource, (201 if new else 200), headers
