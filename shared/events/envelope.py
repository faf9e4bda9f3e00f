"""The event envelope every service publishes and consumes.

On the wire an event is UTF-8 JSON, keyed by ``dossier_id`` (so a dossier's events stay in order), with
``event_id``, ``type`` and ``schema_version`` repeated in Kafka headers so tooling can route and filter
without parsing the body. Events about something other than a dossier (a procedure, an agency, a calendar
announcement) carry ``aggregate_id`` instead, which is then the key. Inside an outbox the same envelope is
stored as a document (``occurred_at`` as a BSON date).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from shared.clock import as_utc, utc_now


class InvalidEvent(ValueError):
    """A record that is not a valid event of a known type and version. Retrying cannot fix it."""


@dataclass(frozen=True)
class Event:
    type: str
    dossier_id: str | None
    payload: dict[str, Any]
    producer: str
    schema_version: int = 1
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=utc_now)
    correlation_id: str | None = None
    causation_id: str | None = None
    aggregate_id: str | None = None

    def __post_init__(self) -> None:
        if not (self.dossier_id or self.aggregate_id):
            raise InvalidEvent("an event is about a dossier (dossier_id) or another aggregate (aggregate_id)")

    @property
    def key(self) -> bytes:
        return (self.dossier_id or self.aggregate_id).encode()

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            ("event_id", self.event_id.encode()),
            ("type", self.type.encode()),
            ("schema_version", str(self.schema_version).encode()),
        ]

    def to_document(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.type,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at,
            "dossier_id": self.dossier_id,
            "aggregate_id": self.aggregate_id,
            "producer": self.producer,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "payload": self.payload,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Event:
        return cls(
            event_id=doc["event_id"],
            type=doc["type"],
            schema_version=doc["schema_version"],
            occurred_at=as_utc(doc["occurred_at"]),
            dossier_id=doc.get("dossier_id"),
            aggregate_id=doc.get("aggregate_id"),
            producer=doc["producer"],
            correlation_id=doc.get("correlation_id"),
            causation_id=doc.get("causation_id"),
            payload=doc["payload"],
        )

    def to_json(self) -> bytes:
        doc = self.to_document()
        doc["occurred_at"] = as_utc(self.occurred_at).isoformat().replace("+00:00", "Z")
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Event:
        try:
            doc = _ENVELOPE.loads(raw.decode())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidEvent(f"not a JSON event: {exc}") from exc
        except ValidationError as exc:
            raise InvalidEvent(f"invalid envelope: {exc.messages}") from exc
        try:
            return cls(**{**doc, "event_id": str(doc["event_id"])})
        except InvalidEvent:
            raise
        except (TypeError, ValueError) as exc:
            raise InvalidEvent(f"invalid envelope: {exc}") from exc


class _EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    schema_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=None)
    dossier_id = fields.String(allow_none=True, load_default=None, validate=validate.Length(min=1, max=100))
    aggregate_id = fields.String(allow_none=True, load_default=None, validate=validate.Length(min=1, max=200))
    producer = fields.String(required=True)
    correlation_id = fields.String(allow_none=True, load_default=None)
    causation_id = fields.String(allow_none=True, load_default=None)
    payload = fields.Dict(required=True)

    class Meta:
        unknown = "raise"


_ENVELOPE = _EnvelopeSchema()
