"""Kafka clients configured the one way this system uses them.

Create producers and consumers inside the process that uses them (after gunicorn forks): they own threads.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.events.topics import topic_names

log = logging.getLogger(__name__)


def make_producer(settings, client_id: str) -> KafkaProducer:
    """A producer that loses nothing it acknowledged: every in-sync replica has the record (acks=all) and
    broker-side deduplication of retried sends (idempotence; kafka-python 2.x then keeps one request in
    flight per connection, which also preserves order per partition)."""
    return KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        retries=2**31 - 1,
        delivery_timeout_ms=120_000,
    )


def close_producer(producer: KafkaProducer, timeout: float = 10) -> None:
    """Closes a producer after it sent what it holds (up to ``timeout`` seconds).

    kafka-python 2.3.x (2.3.3 too) races with itself here: ``close`` stops the I/O thread, then wakes it; when that
    thread was awake already, it may close its network client between the wake-up's check and its send, and the
    wake-up fails with ``AttributeError`` on the socket it just lost, or with ``OSError`` EBADF when the socket was
    closed already (each seen once in CI). The close then stopped half-way; a second close finds the client closed,
    skips the wake-up and finishes the job (joins the thread, releases the rest). Any other failure, and a second
    one, propagates."""
    try:
        producer.close(timeout=timeout)
    except (AttributeError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno != errno.EBADF:
            raise
        log.debug("producer close raced with its I/O thread; closing again", exc_info=True)
        producer.close(timeout=timeout)


@contextmanager
def producing(settings, client_id: str, close_timeout: float = 10) -> Iterator[KafkaProducer]:
    """A producer for the length of a block (see ``make_producer``), closed safely however the block ends."""
    producer = make_producer(settings, client_id)
    try:
        yield producer
    finally:
        close_producer(producer, close_timeout)


def make_consumer(settings, *, group_id: str, topics: list[str], client_id: str,
                  max_poll_records: int = 100) -> KafkaConsumer:
    return KafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,      # offsets are committed after the handler succeeded
        auto_offset_reset="earliest",  # a new group starts from the oldest retained event, never skips
        max_poll_records=max_poll_records,
        # a fetch answer may carry up to fetch_max_bytes (50 MB by default): a smaller frame limit (kafka-python's
        # default is 1 MB) drops the connection on every large fetch ("Invalid frame length") and fetches again
        receive_message_max_bytes=64 * 1024 * 1024,
        session_timeout_ms=int(settings.consumer_session_timeout_seconds * 1000),
        heartbeat_interval_ms=int(settings.consumer_session_timeout_seconds * 1000 / 3),
        max_poll_interval_ms=int(settings.consumer_max_poll_interval_seconds * 1000),
    )


def ensure_topics(settings, timeout_seconds: float = 30.0) -> list[str]:
    """Creates every topic of the registry (companions included) that does not exist yet. Idempotent.
    Returns the names it created."""
    topics = topic_names(settings)
    names = topics.all()
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, client_id="motcua-topics")
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        missing = [name for name in names if name not in set(admin.list_topics())]
        created = []
        for name in missing:
            try:
                admin.create_topics([NewTopic(name, settings.kafka_topic_partitions,
                                              settings.kafka_replication_factor,
                                              topic_configs={"retention.ms": str(topics.retention_ms(name))})])
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        if created:
            log.info("created topics: %s", ", ".join(created))
        return created
    finally:
        admin.close()


class KafkaProbe:
    """Can this process reach the brokers and see our topics? Cached for ``ttl_seconds``. A metadata request
    to a dead broker can block for a long time: call it off request threads (:mod:`shared.api.readiness`)."""

    def __init__(self, settings, ttl_seconds: float = 3.0, timeout_seconds: float = 5.0) -> None:
        self.settings = settings
        self.ttl = ttl_seconds
        self.timeout_ms = int(timeout_seconds * 1000)
        self._lock = threading.Lock()
        self._consumer: KafkaConsumer | None = None
        self._checked_at = 0.0
        self._error: str | None = "not checked yet"

    def check(self) -> str | None:
        """None when Kafka is reachable and our topics exist, else what is wrong."""
        with self._lock:
            if time.monotonic() - self._checked_at < self.ttl:
                return self._error
            self._error = self._probe()
            self._checked_at = time.monotonic()
            return self._error

    def _probe(self) -> str | None:
        try:
            if self._consumer is None:
                self._consumer = KafkaConsumer(bootstrap_servers=self.settings.kafka_bootstrap_servers,
                                               client_id="motcua-readiness", request_timeout_ms=self.timeout_ms,
                                               api_version_auto_timeout_ms=self.timeout_ms,
                                               reconnect_backoff_max_ms=self.timeout_ms)
            topics = self._consumer.topics()
        except (KafkaError, OSError, ValueError) as exc:
            self._consumer = None
            return f"kafka unreachable: {exc}"
        missing = [name for name in topic_names(self.settings).all() if name not in topics]
        return f"missing topics: {', '.join(missing)}" if missing else None


def read_topic(settings, name: str, timeout_seconds: float = 30.0) -> list:
    """Every record currently in a topic (all partitions, oldest first per partition), read without a
    consumer group: for operators' tools and tests, never for processing."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                             client_id="motcua-topic-reader")
    try:
        partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or [])]
        if not partitions:
            raise KeyError(f"topic {name} does not exist")
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        records = []
        deadline = time.monotonic() + timeout_seconds
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {name} took longer than {timeout_seconds}s")
            for tp, batch in consumer.poll(timeout_ms=500).items():
                records.extend(r for r in batch if r.offset < end[tp])
        return records
    finally:
        consumer.close()
