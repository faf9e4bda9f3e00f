"""The event envelope and payload schemas."""

from __future__ import annotations

import json

import pytest

from shared.clock import utc_now
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
                                     "schema_version": b"2"}


def test_payloads_are_validated_when_the_event_is_made_and_when_it_is_read():
    event = factories.submitted_event()
    loaded = event_type("dossier.submitted").load(event.payload, event.schema_version)
    broken = {**loaded, "status": "mới"}
    with pytest.raises(InvalidEvent):
        new_event("dossier.submitted", event.dossier_id, broken, producer="intake")
    with pytest.raises(InvalidEvent):
        event_type("dossier.submitted").load({**event.payload, "status": "mới"}, event.schema_version)
    with pytest.raises(InvalidEvent):
        new_event("dossier.submitted", event.dossier_id, {**loaded, "submitted_at": "yesterday"}, producer="x")
    with pytest.raises(InvalidEvent, match="no schema version 9"):
        event_type("dossier.submitted").load(event.payload, 9)
    with pytest.raises(InvalidEvent, match="unknown event type"):
        event_type("dossier.vanished")
    # moments travel as ISO 8601 text with their offset and load back as the same aware datetime
    assert loaded["submitted_at"].tzinfo is not None
    assert loaded["submitted_at"].isoformat() == event.payload["submitted_at"]


def test_an_older_version_is_still_read_and_a_newer_field_is_not_smuggled_into_it():
    """v2 of the dossier events adds the agencies' names; events already published as v1 (without them) are read
    by every consumer, with the names as None; a v1 event carrying them is refused (v1 never had them)."""
    event = factories.submitted_event()
    v1 = {k: v for k, v in event.payload.items() if k not in ("receiving_agency_name", "competent_agency_name")}
    loaded = event_type("dossier.submitted").load(v1, 1)
    assert loaded["code"] == event.payload["code"] and "receiving_agency_name" not in loaded
    with pytest.raises(InvalidEvent):
        event_type("dossier.submitted").load(event.payload, 1)
    now = utc_now()
    change = factories.dossier_event("accepted", {"received_at": now, "appointment_due": now, "receipt": True})
    assert change.schema_version == 2 and change.payload["competent_agency_name"] == factories.HEALTH_DEPARTMENT
    old = {k: v for k, v in change.payload.items() if k not in ("receiving_agency_name", "competent_agency_name")}
    assert event_type(change.type).load(old, 1)["details"]["receipt"] is True


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'{"type": "x"}', b"\xff\xfe"])
def test_what_is_not_an_envelope_is_an_invalid_event(raw):
    with pytest.raises(InvalidEvent):
        Event.from_json(raw)


def test_a_caused_event_keeps_the_correlation():
    first = factories.submitted_event()
    payload = event_type(first.type).load(first.payload, first.schema_version)
    second = new_event("dossier.submitted", first.dossier_id, payload, producer="workflow", cause=first)
    assert second.correlation_id == first.event_id and second.causation_id == first.event_id
    third = new_event("dossier.submitted", first.dossier_id, payload, producer="notify", cause=second)
    assert third.correlation_id == first.event_id and third.causation_id == second.event_id
    assert second.event_id != first.event_id
