"""The broker the project assembles from Maven Central behaves as the design relies on: a lean classpath with
one logging binding, idempotent produce and group consume with kafka-python, and transactions honoured by
read_committed consumers."""

from __future__ import annotations

import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from shared.bus.kafka import close_producer
from tools.devstack.paths import KAFKA_LIBS


def _topic(stack) -> str:
    name = f"verify.{uuid.uuid4().hex[:10]}"
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka.bootstrap)
    try:
        admin.create_topics([NewTopic(name, 1, 1)])
    finally:
        admin.close()
    return name


def _read_all(stack, topic: str, **config) -> list[bytes]:
    consumer = KafkaConsumer(bootstrap_servers=stack.kafka.bootstrap, group_id=f"verify-{uuid.uuid4().hex[:8]}",
                             auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=3000,
                             **config)
    try:
        consumer.assign([TopicPartition(topic, 0)])
        return [record.value for record in consumer]
    finally:
        consumer.close()


def test_the_classpath_is_the_broker_alone_with_one_slf4j_binding():
    jars = sorted(p.name for p in KAFKA_LIBS.glob("*.jar"))
    assert 40 <= len(jars) <= 60, jars
    assert not [j for j in jars if j.startswith(("connect-", "kafka-streams", "jetty-"))]
    bindings = [j for j in jars if j.startswith(("log4j-slf4j", "slf4j-reload4j", "slf4j-simple", "logback-classic"))]
    assert len(bindings) == 1, bindings


def test_idempotent_produce_and_group_consume_round_trip(stack):
    topic = _topic(stack)
    producer = KafkaProducer(bootstrap_servers=stack.kafka.bootstrap, acks="all", enable_idempotence=True)
    try:
        for n in range(5):
            producer.send(topic, key=b"dossier", value=f"event-{n}".encode()).get(10)
    finally:
        close_producer(producer)
    assert _read_all(stack, topic) == [f"event-{n}".encode() for n in range(5)]


def test_read_committed_consumers_never_see_an_aborted_transaction(stack):
    topic = _topic(stack)
    producer = KafkaProducer(bootstrap_servers=stack.kafka.bootstrap, transactional_id=f"verify-{uuid.uuid4()}")
    try:
        producer.init_transactions()
        producer.begin_transaction()
        producer.send(topic, value=b"kept")
        producer.commit_transaction()
        producer.begin_transaction()
        producer.send(topic, value=b"aborted")
        producer.flush()
        producer.abort_transaction()
    finally:
        close_producer(producer)
    assert _read_all(stack, topic, isolation_level="read_committed") == [b"kept"]
    assert b"aborted" in _read_all(stack, topic, isolation_level="read_uncommitted")
