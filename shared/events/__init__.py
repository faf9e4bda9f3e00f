"""Events: the envelope, the topic registry and a marshmallow schema for every event type's payload."""

from shared.events.envelope import Event, InvalidEvent
from shared.events.topics import Topic, topic_names
from shared.events.types import EVENT_TYPES, EventType, event_type, new_event

__all__ = ["EVENT_TYPES", "Event", "EventType", "InvalidEvent", "Topic", "event_type", "new_event", "topic_names"]
