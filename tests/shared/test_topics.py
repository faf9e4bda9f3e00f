"""The registries hold together: every event type has a topic and a schema, every topic is consumed by some
service process and produced by some relay, and every consumed event type has a handler somewhere."""

from __future__ import annotations

from shared.events import EVENT_TYPES, Topic, topic_names
from shared.events.types import event_type
from tools.devstack.stack import SERVICES, service_processes


def _subscriptions(settings, mongo_client):
    return [service_processes(service).consumer_runner(mongo_client[settings.database_name(service)], settings)
            for service in SERVICES if service_processes(service).consumer]


def test_every_topic_is_consumed_and_every_event_type_handled(settings, mongo_client):
    names = topic_names(settings)
    runners = _subscriptions(settings, mongo_client)
    consumed_topics = {topic for runner in runners for topic in runner.handlers}
    handled_types = set()
    for runner in runners:
        for topic, handlers in runner.handlers.items():
            # "*": every event of the topic (the reporting read model folds whole streams)
            every = {name for name, kind in EVENT_TYPES.items() if kind.topic is names.logical(topic)}
            handled_types |= every if "*" in handlers else set(handlers)
    assert consumed_topics == {names.main(topic) for topic in Topic}
    assert handled_types == set(EVENT_TYPES)


def test_every_event_type_is_published_by_a_service_with_a_relay():
    relaying = {service for service in SERVICES if service_processes(service).relay_collections}
    for kind in EVENT_TYPES.values():
        assert kind.topic.value.split(".")[0] in relaying, kind.name
        assert kind.schemas and kind.version == max(kind.schemas)
        assert event_type(kind.name) is kind


def test_every_topic_has_retry_and_dead_letter_companions(settings):
    names = topic_names(settings)
    for topic in Topic:
        assert {names.main(topic), names.retry(topic), names.dlq(topic)} <= set(names.all())
        assert names.logical(names.dlq(topic)) is topic
