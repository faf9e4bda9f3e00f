"""Publishing events to the real broker as their producing service's relay would."""

from __future__ import annotations

from shared.bus.kafka import make_producer
from shared.events import Event, event_type, topic_names


def publish(settings, *events: Event) -> None:
    """Sends each event to its topic (keyed by its dossier), waiting for the broker's acknowledgement."""
    producer = make_producer(settings, client_id="test-publisher")
    names = topic_names(settings)
    try:
        for event in events:
            topic = names.main(event_type(event.type).topic)
            producer.send(topic, key=event.key, value=event.to_json(), headers=event.headers()).get(10)
    finally:
        producer.close(timeout=5)


def outbox_events(db, collection: str) -> list[dict]:
    """The events waiting in the embedded outboxes of a collection (no relay runs in in-process tests)."""
    return [event for doc in db[collection].find({}, {"outbox": 1}) for event in doc.get("outbox", [])]
