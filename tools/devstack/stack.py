"""The whole system on one machine: infrastructure servers plus every service process.

Used by `make run` (fixed ports, data kept in ``.run/``) and by the test suite (free ports, a temporary
directory and per-run database and topic prefixes).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from kafka import KafkaAdminClient
from kafka.errors import CoordinatorLoadInProgressError, CoordinatorNotAvailableError, NotCoordinatorError

from shared import clock
from shared.bus.kafka import ensure_topics
from shared.config import Settings
from shared.runtime.processes import ServiceProcesses
from tools.devstack.paths import REPO, require_built
from tools.devstack.servers import (
    FerretDBServer,
    KafkaServer,
    MailServer,
    ManagedProcess,
    SimulatorServer,
    free_port,
)
from tools.devstack.supervisor import Target

SERVICES = ("intake", "workflow", "notify", "postal", "feedback", "reporting", "payments", "sync")
PORTAL = "portal"  # the web front: a process like the APIs, but no API of its own (no OpenAPI, no Kafka)


def service_processes(service: str) -> ServiceProcesses:
    return importlib.import_module(f"services.{service}.processes").PROCESSES


def process_names() -> list[str]:
    """Every process of every service, ``<service>-<process>``, in a fixed order."""
    return [f"{service}-{process}" for service in SERVICES for process in service_processes(service).names]


@dataclass
class Ports:
    kafka: int = 9092
    kafka_controller: int = 9093
    mongo: int = 27017
    smtp: int = 8025
    sms_gateway: int = 8090
    postal_provider: int = 8091
    payment_gateway: int = 8092
    national_portal: int = 8093
    intake: int = 8081
    workflow: int = 8082
    notify: int = 8083
    postal: int = 8084
    feedback: int = 8085
    reporting: int = 8086
    payments: int = 8087
    sync: int = 8088
    portal: int = 8080
    # /metrics of each process: metrics + its place in process_names() (make run); 0: a free port each (tests)
    metrics: int = 9460

    @classmethod
    def free(cls) -> Ports:
        return cls(**{name: 0 if name == "metrics" else free_port() for name in cls.__dataclass_fields__})


@dataclass
class Stack:
    root: Path
    ports: Ports = field(default_factory=Ports)
    db_prefix: str = "motcua"
    topic_prefix: str = "motcua."
    env: str = "development"
    overrides: dict[str, Any] = field(default_factory=dict)  # settings differing from the defaults
    sqlite_synchronous: str = "normal"
    store: str = field(default_factory=lambda: os.environ.get("MOTCUA_STORE", "sqlite"))  # FerretDB's backend
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)  # process name -> its METRICS_PORT

    def __post_init__(self) -> None:
        self.kafka = KafkaServer(self.root / "kafka", self.ports.kafka, self.ports.kafka_controller)
        self.mongo = FerretDBServer(self.root / "ferretdb", self.ports.mongo, self.sqlite_synchronous, self.store)
        self.mail = MailServer(self.root / "mail", self.root / "logs", self.ports.smtp)
        defaults = Settings()
        self.sms = SimulatorServer("sms-gateway", "sms_gateway", self.root / "logs", self.ports.sms_gateway,
                                   ["--api-key", defaults.sms_gateway_api_key,
                                    "--callback-secret", defaults.sms_callback_secret])
        self.postal_provider = SimulatorServer("postal-provider", "postal_provider", self.root / "logs",
                                               self.ports.postal_provider,
                                               ["--api-key", defaults.postal_provider_api_key,
                                                "--webhook-secret", defaults.postal_webhook_secret])
        self.payment_gateway = SimulatorServer("payment-gateway", "payment_gateway", self.root / "logs",
                                               self.ports.payment_gateway,
                                               ["--merchant", defaults.payment_merchant_code,
                                                "--secret", defaults.payment_gateway_secret])
        self.national_portal = SimulatorServer("national-portal", "national_portal", self.root / "logs",
                                               self.ports.national_portal,
                                               ["--client-id", defaults.national_portal_client_id,
                                                "--client-secret", defaults.national_portal_client_secret])

    def derive(self, *, name: str, db_prefix: str, topic_prefix: str, **changes) -> Stack:
        """Another deployment of the services on the same infrastructure servers: its own databases, topics,
        consumer groups, API ports and logs (tests run several side by side)."""
        ports = dataclasses.replace(self.ports, **{s: free_port() for s in (*SERVICES, PORTAL)})
        # the payment gateway and national portal simulators are shared: each deployment is its own merchant and
        # client there (dossier codes repeat across deployments)
        own = {"payment_merchant_code": f"M{name}"[:40], "national_portal_client_id": name}
        overrides = {**own, **changes.pop("overrides", self.overrides)}
        changes = {"overrides": overrides, "extra_env": dict(self.extra_env), **changes}
        clone = dataclasses.replace(self, root=self.root / name, ports=ports, db_prefix=db_prefix,
                                    topic_prefix=topic_prefix, processes={}, metrics_ports={}, **changes)
        clone.kafka, clone.mongo, clone.mail, clone.sms = self.kafka, self.mongo, self.mail, self.sms
        clone.postal_provider = self.postal_provider
        clone.payment_gateway, clone.national_portal = self.payment_gateway, self.national_portal
        return clone

    @property
    def maildir(self) -> Path:
        return self.mail.maildir

    def settings(self, **overrides) -> Settings:
        overrides = {**self.overrides, **overrides}
        return Settings(
            env=self.env,
            mongo_uri=self.mongo.uri,
            mongo_db_prefix=self.db_prefix,
            kafka_bootstrap_servers=self.kafka.bootstrap,
            kafka_topic_prefix=self.topic_prefix,
            smtp_host="127.0.0.1",
            smtp_port=self.mail.port,
            auth_dev_key_dir=str(self.mail.maildir.parent / "keys"),  # one key pair per infrastructure
            public_portal_url=self.url(PORTAL),
            portal_port=self.ports.portal,
            intake_url=self.url("intake"),
            workflow_url=self.url("workflow"),
            notify_url=self.url("notify"),
            postal_url=self.url("postal"),
            feedback_url=self.url("feedback"),
            reporting_url=self.url("reporting"),
            payments_url=self.url("payments"),
            sms_gateway_url=self.sms.url,
            sms_callback_url=f"{self.url('notify')}/sms/receipts",
            postal_provider_url=self.postal_provider.url,
            postal_webhook_url=f"{self.url('postal')}/provider/webhooks",
            payment_gateway_url=self.payment_gateway.url,
            payment_ipn_url=f"{self.url('payments')}/gateway/ipn",
            payment_return_url=f"{self.url(PORTAL)}/thanh-toan/ket-qua",
            national_portal_url=self.national_portal.url,
            intake_port=self.ports.intake,
            workflow_port=self.ports.workflow,
            notify_port=self.ports.notify,
            postal_port=self.ports.postal,
            feedback_port=self.ports.feedback,
            reporting_port=self.ports.reporting,
            payments_port=self.ports.payments,
            sync_port=self.ports.sync,
            # the business clock of this process, so every child agrees on "now" (zero outside tests)
            clock_offset_seconds=clock.offset().total_seconds(),
            **overrides,
        )

    def child_env(self, **overrides) -> dict[str, str]:
        return {**os.environ, **self.settings(**overrides).as_env(), **self.extra_env, "PYTHONPATH": str(REPO),
                "PYTHONUNBUFFERED": "1"}

    # -- infrastructure -----------------------------------------------------------------------------------

    def start_infrastructure(self) -> None:
        require_built()
        self.root.mkdir(parents=True, exist_ok=True)
        self.mongo.start()
        self.mail.start()
        self.sms.start()
        self.postal_provider.start()
        self.payment_gateway.start()
        self.national_portal.start()
        self.kafka.start()
        self.ensure_topics()

    def ensure_topics(self) -> None:
        ensure_topics(self.settings())

    # -- services -------------------------------------------------------------------------------------------

    def start_process(self, service: str, process: str, name: str | None = None,
                      **settings_overrides) -> ManagedProcess:
        """Starts one process of a service (``api``, ``relay`` or ``consumer``); ``name`` allows a second
        instance of the same process (two relays, say)."""
        name = name or f"{service}-{process}"
        managed = ManagedProcess(name, self.root / "logs" / f"{name}.log")
        settings_overrides.setdefault("metrics_port", self.metrics_port(name))
        env = self.child_env(**settings_overrides)
        managed.spawn(service_processes(service).command(process), env=env)
        self.processes[name] = managed
        return managed

    def start_services(self, services: Iterable[str] = SERVICES, processes: Iterable[str] | None = None,
                       timeout: float = 90.0) -> None:
        wanted = None if processes is None else set(processes)
        for service in services:
            for process in service_processes(service).names:
                if wanted is None or process in wanted:
                    self.start_process(service, process)
        self.wait_healthy(timeout)

    def start_portal(self, timeout: float = 60.0, **settings_overrides) -> ManagedProcess:
        """The web portal (citizens and officers) on ``ports.portal``, talking to this stack's APIs."""
        managed = self.start_process(PORTAL, "api", **settings_overrides)
        self.wait_healthy(timeout)
        return managed

    def wait_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        for name, managed in list(self.processes.items()):
            service, _, process = name.partition("-")
            while True:
                if not managed.alive():
                    raise RuntimeError(f"{name} exited with code {managed.process.returncode}:\n{managed.tail()}")
                if self._is_healthy(service, process):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} not healthy within {timeout:.0f}s:\n{managed.tail()}")
                time.sleep(0.2)

    def _is_healthy(self, service: str, process: str) -> bool:
        if process == "api":
            try:
                return requests.get(f"{self.url(service)}/readyz", timeout=2).status_code == 200
            except requests.RequestException:
                return False
        if process == "consumer":
            return self.consumer_group_ready(service)
        return True  # a relay has nothing to wait for: it polls

    def consumer_group_ready(self, group: str) -> bool:
        """The consumer group of the service has joined and got its partitions (Stable, with members)."""
        admin = KafkaAdminClient(bootstrap_servers=self.kafka.bootstrap, client_id="devstack-health")
        try:
            group_id = f"{self.topic_prefix}{group}"
            groups = admin.describe_consumer_groups([group_id, f"{group_id}.retry"])
            return all(g.state == "Stable" and g.members for g in groups)
        except (CoordinatorNotAvailableError, CoordinatorLoadInProgressError, NotCoordinatorError):
            return False  # a fresh broker is still electing the group coordinator: not ready yet
        except ValueError:
            # the same answers, misread: kafka-python 2.3 decodes a group's authorized operations before its error
            # code, and an answer carrying an error leaves them at Kafka's "not provided" (INT_MIN), whose bit 31
            # it cannot name ("31 is not a valid ACLOperation"; seen once in CI): not ready yet, ask again
            return False
        finally:
            admin.close()

    def seed_catalogue(self, timeout: float = 60.0) -> str:
        """Imports the seed catalogue into the workflow service (idempotent) and waits until intake's read copy
        has it, so dossiers can be filed. Returns the import's report line."""
        done = subprocess.run([sys.executable, "-m", "services.workflow.catalogue.cli", "import"], cwd=REPO,
                              env=self.child_env(), capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"catalogue import failed:\n{done.stdout}{done.stderr}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url('intake')}/procedures/1.001806", timeout=2).status_code == 200:
                    return done.stdout.strip()
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise TimeoutError("intake did not receive the catalogue (is the workflow relay running?)")

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{getattr(self.ports, service)}"

    def metrics_port(self, name: str) -> int:
        """The /metrics port of a process (``<service>-<process>``), the same across its restarts."""
        if name not in self.metrics_ports:
            names = process_names()
            fixed = self.ports.metrics and name in names
            self.metrics_ports[name] = self.ports.metrics + names.index(name) if fixed else free_port()
        return self.metrics_ports[name]

    def metrics_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.metrics_port(name)}/metrics"

    def supervised(self) -> list[Target]:
        """What ``make run``'s supervisor keeps running: the infrastructure first, then every process started."""
        servers = [self.mongo, self.kafka, self.mail, self.sms, self.postal_provider, self.payment_gateway,
                   self.national_portal]
        targets = [Target(server.managed.name, server.managed, server.start) for server in servers
                   if server.managed.process is not None]
        for name, managed in list(self.processes.items()):
            service, _, process = name.partition("-")
            targets.append(Target(name, managed, lambda s=service, p=process: self.start_process(s, p)))
        return targets

    def stop_services(self) -> None:
        """Every process is sent SIGTERM at once, then each is waited for: each stops on its own (what it owes is
        in MongoDB or Kafka), and one by one a deployment took half a minute to stop."""
        for managed in reversed(list(self.processes.values())):
            managed.terminate()
        for managed in reversed(list(self.processes.values())):
            managed.stop()
        self.processes.clear()

    def stop(self) -> None:
        self.stop_services()
        for server in (self.kafka, self.national_portal, self.payment_gateway, self.postal_provider, self.sms,
                       self.mail, self.mongo):
            server.stop()
