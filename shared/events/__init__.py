"""Events: the envelope, the topic registry and a marshmallow schema for every event type's payload."""

from shared.events.catalog import EVENT_TYPES, EventType, event_type
from shared.events.envelope import Event, InvalidEvent, new_event
from shared.events.topics import Topic, topic_names

__all__ = ["EVENT_TYPES", "Event", "EventType", "InvalidEvent", "Topic", "event_type", "new_event", "topic_names"]
