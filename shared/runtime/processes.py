"""The processes a service runs, all from the same code:

- ``api`` — the Flask app under gunicorn (gthread);
- ``relay`` — the outbox relay publishing the service's events (services that publish);
- ``consumer`` — the Kafka consumer runner with its retry loop (services that consume);
- ``scheduler`` — periodic work such as due-soon and overdue alerts (safe on several replicas).

Each service declares its processes once (``services/<name>/processes.py``); ``python -m services.<name>
<process>`` runs one, and the dev stack, the tests and the Kubernetes manifests start them the same way.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from pymongo.database import Database

from shared import observability
from shared.bus.kafka import producing
from shared.config import Settings, get_settings
from shared.events.topics import topic_names
from shared.logging import configure_logging
from shared.observability import metrics
from shared.runtime.signals import stop_on_signals
from shared.storage import audit
from shared.storage.mongo import connect, disconnect
from shared.storage.outbox import OUTBOX, PENDING, OutboxRelay

log = logging.getLogger(__name__)


def _resolve(target: str) -> Callable:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class ServiceProcesses:
    service: str
    app: str                                   # "package.module:factory", called with no arguments
    indexes: str                               # "package.module:ensure_indexes(db)"
    relay_collections: tuple[str, ...] = ()    # collections whose documents carry an outbox
    consumer: str | None = None                # "package.module:build_runner(db, settings)"
    scheduler: str | None = None               # "package.module:run(db, settings, stop)"

    @property
    def names(self) -> list[str]:
        return (["api"] + (["relay"] if self.relay_collections else []) + (["consumer"] if self.consumer else [])
                + (["scheduler"] if self.scheduler else []))

    def command(self, process: str) -> list[str]:
        return [sys.executable, "-m", f"services.{self.service}", process]

    def main(self, argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(prog=f"python -m services.{self.service}")
        parser.add_argument("process", choices=self.names, help="which process of the service to run")
        args = parser.parse_args(argv)
        settings = get_settings()
        runners = {"api": self.run_api, "relay": self.run_relay, "consumer": self.run_consumer,
                   "scheduler": self.run_scheduler}
        return runners[args.process](settings)

    def run_api(self, settings: Settings) -> int:
        self._start(settings, "api")  # indexes, once per start rather than once per gunicorn worker
        disconnect(self.service)      # the workers connect after fork
        env = {**os.environ, "MOTCUA_SERVICE": self.service,
               metrics.MULTIPROC_ENV: metrics.fresh_multiprocess_dir(
                   f"{self.service}-{settings.service_port(self.service)}", os.environ.get(metrics.MULTIPROC_ENV))}
        bind = f"{settings.bind_host}:{settings.service_port(self.service)}"
        argv = [sys.executable, "-m", "gunicorn", "-c", "python:shared.gunicorn_conf", "--bind", bind,
                "--name", f"motcua-{self.service}", f"{self.app}()"]
        if settings.metrics_port:  # /metrics answers on this listener only (shared/observability/metrics.py)
            argv[-1:-1] = ["--bind", f"{settings.bind_host}:{settings.metrics_port}"]
        os.execve(sys.executable, argv, env)
        return 0  # not reached

    def ensure_indexes(self, db: Database) -> None:
        _resolve(self.indexes)(db)
        audit.ensure_indexes(db)

    def consumer_runner(self, db: Database, settings: Settings):
        return _resolve(self.consumer)(db, settings)

    def _start(self, settings: Settings, process: str) -> Database:
        configure_logging(self.service, process, settings.log_level)
        if process != "api":  # an API's workers set up their own, after gunicorn forks them
            observability.start_background(settings, self.service, process)
        db = connect(settings, self.service)
        self.ensure_indexes(db)
        return db

    def run_relay(self, settings: Settings) -> int:
        db = self._start(settings, "relay")
        with producing(settings, client_id=f"motcua-{self.service}-relay") as producer:
            relay = OutboxRelay(db, self.relay_collections, producer, topic_names(settings), settings,
                                service=self.service)
            relay.ensure_indexes()
            metrics.watch_outbox(db, self.relay_collections, self.service,  # the backlog, read when scraped
                                 pending_field=PENDING, outbox_field=OUTBOX)
            relay.run(stop_on_signals())
        return 0

    def run_scheduler(self, settings: Settings) -> int:
        db = self._start(settings, "scheduler")
        _resolve(self.scheduler)(db, settings, stop_on_signals())
        return 0

    def run_consumer(self, settings: Settings) -> int:
        db = self._start(settings, "consumer")
        runner = self.consumer_runner(db, settings)
        runner.run(stop_on_signals())
        return 0
