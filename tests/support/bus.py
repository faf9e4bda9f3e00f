"""Publishing events to the real broker as their producing service's relay would."""

from __future__ import annotations

from shared.bus.kafka import producing
from shared.events import Event, Topic, event_type, topic_names


def publish(settings, *events: Event) -> None:
    """Sends each event to its topic (keyed by its dossier), waiting for the broker's acknowledgement."""
    names = topic_names(settings)
    with producing(settings, client_id="test-publisher", close_timeout=5) as producer:
        for event in events:
            topic = names.main(event_type(event.type).topic)
            producer.send(topic, key=event.key, value=event.to_json(), headers=event.headers()).get(10)


def publish_raw(settings, topic: Topic, value: bytes, key: bytes = b"garbage") -> None:
    """Sends bytes that are not an event (what a broken producer might send) to ``topic``."""
    with producing(settings, client_id="test-publisher", close_timeout=5) as producer:
        producer.send(topic_names(settings).main(topic), key=key, value=value).get(10)


def outbox_events(db, collection: str) -> list[dict]:
    """The events waiting in the embedded outboxes of a collection (no relay runs in in-process tests)."""
    return [event for doc in db[collection].find({}, {"outbox": 1}) for event in doc.get("outbox", [])]
