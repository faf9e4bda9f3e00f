"""The event envelope and payload schemas."""

from __future__ import annotations

import json

import pytest

from shared.events import Event, InvalidEvent, event_type, new_event
from tests.support import factories


def test_an_event_survives_the_wire_and_the_outbox_unchanged():
    event = factories.submitted_event()
    assert Event.from_json(event.to_json()) == event
    assert Event.from_document(event.to_document()) == event
    wire = json.loads(event.to_json())
    assert set(wire) == {"event_id", "type", "schema_version", "occurred_at", "dossier_id", "aggregate_id",
                         "producer", "correlation_id", "causation_id", "payload"}
    assert wire["occurred_at"].endswith("Z")
    assert "Nguyễn Thị Hoà" in event.to_json().decode()  # UTF-8 on the wire, not \\u escapes
    assert dict(event.headers()) == {"event_id": event.event_id.encode(), "type": b"dossier.submitted",
                                     "schema_version": b"1"}


def test_payloads_are_validated_when_the_event_is_made_and_when_it_is_read():
    event = factories.submitted_event()
    loaded = event_type("dossier.submitted").load(event.payload, 1)
    broken = {**loaded, "status": "mới"}
    with pytest.raises(InvalidEvent):
        new_event("dossier.submitted", event.dossier_id, broken, producer="intake")
    with pytest.raises(InvalidEvent):
        event_type("dossier.submitted").load({**event.payload, "status": "mới"}, 1)
    with pytest.raises(InvalidEvent):
        new_event("dossier.submitted", event.dossier_id, {**loaded, "submitted_at": "yesterday"}, producer="x")
    with pytest.raises(InvalidEvent, match="no schema version 9"):
        event_type("dossier.submitted").load(event.payload, 9)
    with pytest.raises(InvalidEvent, match="unknown event type"):
        event_type("dossier.vanished")
    # moments travel as ISO 8601 text with their offset and load back as the same aware datetime
    assert loaded["submitted_at"].tzinfo is not None
    assert loaded["submitted_at"].isoformat() == event.payload["submitted_at"]


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'{"type": "x"}', b"\xff\xfe"])
def test_what_is_not_an_envelope_is_an_invalid_event(raw):
    with pytest.raises(InvalidEvent):
        Event.from_json(raw)


def test_a_caused_event_keeps_the_correlation():
    first = factories.submitted_event()
    second = new_event("dossier.submitted", first.dossier_id, event_type(first.type).load(first.payload, 1),
                       producer="workflow", cause=first)
    assert second.correlation_id == first.event_id and second.causation_id == first.event_id
    third = new_event("dossier.submitted", first.dossier_id, event_type(first.type).load(first.payload, 1),
                      producer="notify", cause=second)
    assert third.correlation_id == first.event_id and third.causation_id == second.event_id
    assert second.event_id != first.event_id
