"""Test infrastructure: one real Kafka broker, one real FerretDB and one SMTP server for the whole run, started
here on free ports in a temporary directory (nothing is mocked; see README, "Tests").

Isolation without restarting anything:
- in-process tests share ``settings`` (their own database and topic prefix) and use fresh agency codes,
  usernames and e-mail addresses, so their data never collides;
- tests that consume from Kafka take ``fresh_settings``: new topics, consumer groups and databases;
- tests that run the services' real processes take a ``deployment``: the same servers, its own prefixes,
  ports and logs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import threading
import uuid
from collections.abc import Iterator

import pymongo
import pytest

from shared.bus.consumer import ConsumerRunner
from shared.bus.kafka import ensure_topics
from shared.config import Settings
from shared.storage.documents import check_all
from tests.support.clock import BusinessClock
from tests.support.service_logs import errors_since
from tools.devstack.servers import KafkaServer
from tools.devstack.stack import PORTAL, SERVICES, Ports, Stack, service_processes

FAST = {
    # Tests wait for retries and relays; production defaults are seconds, not tenths.
    "relay_poll_interval_seconds": 0.05,
    "relay_sweep_interval_seconds": 1.0,
    "relay_lease_seconds": 5.0,
    "consumer_retry_delay_seconds": 0.3,
    "consumer_local_attempts": 2,
    "consumer_max_retries": 2,
    # a SIGKILLed consumer keeps its partitions until its session times out: kill tests wait for that each time
    "consumer_session_timeout_seconds": 3.0,
    "gunicorn_workers": 1,
    "notify_poll_interval_seconds": 0.05,
    "notify_retry_base_seconds": 0.2,
    "notify_lease_seconds": 3.0,
    "notify_sweep_interval_seconds": 0.5,
    "postal_dispatch_interval_seconds": 0.2,
    "postal_reconcile_after_seconds": 3.0,
    "payment_interval_seconds": 0.2,
    "payment_reconcile_after_seconds": 3.0,
    "sync_push_interval_seconds": 0.1,
    "sync_retry_max_seconds": 2.0,
    "sync_reconcile_interval_seconds": 2.0,
    "sync_failing_after": 3,
    "national_portal_timeout_seconds": 2.0,
}


def pytest_collection_modifyitems(items) -> None:
    """A test that no fixture of starts the infrastructure is a unit test (``make test-unit`` runs only
    those, in seconds, with no Kafka or FerretDB)."""
    for item in items:
        if "stack" not in item.fixturenames:
            item.add_marker(pytest.mark.unit)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that ran the services' processes shows what they logged as errors meanwhile (CI keeps
    nothing else of a run)."""
    report = yield
    if report.failed and call.when in ("setup", "call"):
        roots = {value.root for value in getattr(item, "funcargs", {}).values() if isinstance(value, Stack)}
        lines = [line for root in sorted(roots) for line in errors_since(root / "logs", call.start - 1)]
        if lines:
            report.sections.append(("errors the services logged meanwhile", "\n".join(lines)))
    return report


def _prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


# The run's business clock (tests/support/clock.py), pinned when this file is imported — before any test module
# is, so data made at import time is on it too. Every process of the run agrees on "now", and no test depends on
# the machine's date, hour or weekday.
BUSINESS_CLOCK = BusinessClock()
BUSINESS_CLOCK.pin()


@pytest.fixture(scope="session")
def business_clock() -> BusinessClock:
    return BUSINESS_CLOCK


@pytest.fixture(scope="session")
def stack(tmp_path_factory, business_clock) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("stack")
    prefix = _prefix()
    infra = Stack(root, ports=Ports.free(), db_prefix=prefix, topic_prefix=f"{prefix}.", env="test")
    try:
        infra.start_infrastructure()
        yield infra
        check_every_document(infra.mongo.uri)
    finally:
        infra.stop()


def check_every_document(uri: str) -> None:
    """At the end of the run, every document of every collection a service declares, in every database the run
    made, must have its declared shape (shared/storage/documents.py): a document that does not fit fails the run
    loudly, whichever path wrote it."""
    client = pymongo.MongoClient(uri, tz_aware=True, uuidRepresentation="standard")
    try:
        for name in client.list_database_names():
            service = name.rpartition("_")[2]
            if service in (*SERVICES, PORTAL):
                declared = importlib.import_module(f"services.{service}.documents").DECLARED
                check_all(declared, client[name])
    finally:
        client.close()


@pytest.fixture(scope="session")
def mongo_client(stack) -> Iterator[pymongo.MongoClient]:
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True, uuidRepresentation="standard")
    yield client
    client.close()


@pytest.fixture(scope="session")
def settings(stack) -> Settings:
    """Settings of the in-process apps and handlers (their own databases and topics)."""
    prefix = _prefix()
    value = dataclasses.replace(stack.settings(**FAST), mongo_db_prefix=prefix, kafka_topic_prefix=f"{prefix}.")
    ensure_topics(value)
    _ensure_indexes(value)
    return value


@pytest.fixture
def fresh_settings(settings) -> Settings:
    """Settings with brand-new topics, consumer groups and databases, for a test that consumes from Kafka."""
    prefix = _prefix()
    value = dataclasses.replace(settings, mongo_db_prefix=prefix, kafka_topic_prefix=f"{prefix}.")
    ensure_topics(value)
    _ensure_indexes(value)
    return value


def _ensure_indexes(settings: Settings) -> None:
    """What each service's process launcher does at start (tests build the apps in-process)."""
    client = pymongo.MongoClient(settings.mongo_uri)
    try:
        for service in SERVICES:
            service_processes(service).ensure_indexes(client[settings.database_name(service)])
    finally:
        client.close()


def database(client: pymongo.MongoClient, settings: Settings, service: str):
    return client[settings.database_name(service)]


@contextlib.contextmanager
def derived(stack: Stack, kafka: KafkaServer | None = None) -> Iterator[Stack]:
    """A deployment on the run's servers with its own prefixes, ports and logs (on its own ``kafka`` broker if
    given); its processes stop at the end."""
    prefix = _prefix()
    deployed = stack.derive(name=prefix, db_prefix=prefix, topic_prefix=f"{prefix}.", overrides=FAST)
    if kafka is not None:
        deployed.kafka = kafka
    deployed.ensure_topics()
    try:
        yield deployed
    finally:
        deployed.stop_services()


@pytest.fixture
def deployment(stack) -> Iterator[Stack]:
    """The services' real processes can be started on this one (``start_services``/``start_process``);
    everything started is stopped at the end of the test."""
    with derived(stack) as deployed:
        yield deployed


@pytest.fixture(scope="module")
def running_system(stack) -> Iterator[Stack]:
    """Every service running with the seed catalogue, shared by the tests of one module (for tests that only
    read, or write data of their own)."""
    with derived(stack) as deployed:
        deployed.start_services()
        deployed.seed_catalogue()
        yield deployed


@contextlib.contextmanager
def running(runner: ConsumerRunner) -> Iterator[threading.Event]:
    """Runs a consumer runner (main and retry loops) in this process until the block ends."""
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "the consumer runner did not stop within 30 s"
