"""The infrastructure servers of the local stack, each a real server in its own process.

- :class:`KafkaServer` — Apache Kafka, single-node KRaft (broker + controller), started with plain ``java``
  from the jars Maven collected; formatted on first start, data kept in its directory.
- :class:`FerretDBServer` — FerretDB v1 on SQLite (our patched embedding build), a MongoDB-wire server.
- :class:`MailServer` — an SMTP server (aiosmtpd) that stores every message in a Maildir to be read back;
- :class:`SimulatorServer` — a simulator of an outside system (SMS gateway, postal provider) over HTTP.
"""

from __future__ import annotations

import base64
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tools.devstack import observe
from tools.devstack.paths import FERRETDB_BIN, KAFKA_LIBS, KAFKA_LOG4J, REPO, MissingPrerequisite

_handed_out: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port free now, for a server started a moment later. Chosen at random below the kernel's ephemeral range:
    a port the kernel picked (bind to 0) is one it also hands out to outgoing connections — to Kafka, FerretDB —
    which could take it before the server binds. Never the same port twice in one process."""
    low, _ = _ephemeral_range()
    top = low - 1 if low > 12_000 else 60_999
    for _ in range(200):
        port = random.randint(10_000, top)
        if port not in _handed_out and port_is_free(port):
            _handed_out.add(port)
            return port
    with socket.socket() as s:  # a crowded machine: let the kernel choose
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not listen on port {port} within {timeout:.0f}s")


def real_clock_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for an infrastructure server: on the machine's real clock even when the tests fake it
    (tools/faketime/run): Kafka's, FerretDB's and the SMTP server's clocks are not ours to fake."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME") and k != "LD_PRELOAD"}
    return {**env, **(extra or {})}


@dataclass
class ManagedProcess:
    """A child process with its output in a log file; stopped with SIGTERM, then SIGKILL."""

    name: str
    log_path: Path
    process: subprocess.Popen | None = None
    started_in: float = 0.0
    _terminated: subprocess.Popen | None = field(default=None, repr=False)

    def spawn(self, argv: list[str], env: dict[str, str] | None = None, cwd: Path = REPO) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if getattr(self, "_log", None) is not None:
            self._log.close()  # a restart after a crash: the previous run's handle
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed in stop()
        self._log = log
        # Its own session: Ctrl-C in the terminal reaches the stack, which stops children in order.
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                        start_new_session=True)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        """SIGTERM without waiting for the end (:meth:`stop` waits): many processes stop at once this way."""
        if self.process is not None and self.process.poll() is None and self._terminated is not self.process:
            self.process.send_signal(signal.SIGTERM)
            self._terminated = self.process  # sent once per process, whoever calls

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()

    def kill(self) -> None:
        """SIGKILL to the process and its children (a gunicorn master's workers): they die at once, as when a
        container crashes or is OOM-killed."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the group is its own
            self.process.wait(10)

    def rss_mb(self) -> float | None:
        """RSS of the process and its descendants (a gunicorn master's workers), None once it has stopped."""
        return observe.usage(self.pid)["rss"] if self.alive() else None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class KafkaServer:
    data_dir: Path
    port: int = 9092
    controller_port: int = 9093
    heap: str = "512m"
    managed: ManagedProcess = field(init=False)

    def __post_init__(self) -> None:
        self.managed = ManagedProcess("kafka", self.data_dir / "kafka.log")

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _java(self) -> str:
        java = shutil.which("java")
        if java is None:
            raise MissingPrerequisite("Java 17 or newer is required to run Kafka: install OpenJDK 17 "
                                      "(Debian/Ubuntu: apt-get install openjdk-17-jre-headless)")
        return java

    def _properties(self) -> str:
        # Java .properties has no inline comments: a trailing "# ..." would become part of the value.
        return "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
            "inter.broker.listener.name=PLAINTEXT",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={self.data_dir / 'data'}",
            "num.partitions=1",
            "default.replication.factor=1",
            "min.insync.replicas=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "group.min.session.timeout.ms=1000",
            "auto.create.topics.enable=false",
            "num.network.threads=2",
            "num.io.threads=2",
            "background.threads=2",
            "log.cleaner.enable=false",
            # The broker stamps records with its own clock: clients whose clock is faked (make test-clock) are
            # neither refused for records "from the future" nor see them deleted by retention as "too old".
            "log.message.timestamp.type=LogAppendTime",
            "",
        ])

    def start(self, timeout: float = 90.0) -> None:
        java = self._java()
        for port in (self.port, self.controller_port):
            if not port_is_free(port):
                raise RuntimeError(f"port {port} is in use: is another stack (or Kafka) running?")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "server.properties"
        config.write_text(self._properties())
        classpath = f"{KAFKA_LIBS}/*"
        log4j = f"-Dlog4j2.configurationFile={KAFKA_LOG4J}"
        started = time.monotonic()
        log_offset = self.managed.log_path.stat().st_size if self.managed.log_path.exists() else 0
        if not (self.data_dir / "data" / "meta.properties").exists():
            cluster_id = "-"
            while cluster_id.startswith("-"):  # an id starting with "-" would be read as an option (1 in 64)
                cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            subprocess.run([java, "-Xmx256m", "-cp", classpath, log4j, "kafka.tools.StorageTool", "format",
                            "-t", cluster_id, "-c", str(config), "--ignore-formatted"],
                           check=True, capture_output=True, cwd=REPO, env=real_clock_env())
        self.managed.spawn([
            java, f"-Xms{self.heap}", f"-Xmx{self.heap}", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true", f"-Dkafka.logs.dir={self.data_dir}",
            log4j, "-cp", classpath, "kafka.Kafka", str(config),
        ], env=real_clock_env())
        self._wait_started(timeout, log_offset)
        self.managed.started_in = time.monotonic() - started

    def _wait_started(self, timeout: float, log_offset: int) -> None:
        """Until this start's lines of the log (from ``log_offset``: a restart appends) say it started."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.managed.alive():
                raise RuntimeError(f"Kafka exited while starting:\n{self.managed.tail()}")
            with open(self.managed.log_path, "rb") as log:
                log.seek(log_offset)
                this_start = log.read().decode(errors="replace")
            if "Kafka Server started" in this_start:
                wait_for_port(self.port, 10, self.managed.process, "Kafka")
                return
            time.sleep(0.1)
        raise TimeoutError(f"Kafka did not start within {timeout:.0f}s:\n{self.managed.tail()}")

    def stop(self) -> None:
        self.managed.stop(timeout=30)


STORES = ("sqlite", "postgresql")   # FerretDB's backends the local stack can run on (MOTCUA_STORE)
SYNCHRONOUS_COMMIT = {"normal": "off", "full": "on"}   # SQLite's synchronous -> PostgreSQL's, the same promise


def store_label(store: str, synchronous: str) -> str:
    """How a stack's FerretDB keeps its data, in words (benchmarks print it)."""
    if store == "postgresql":
        return f"FerretDB on PostgreSQL, synchronous_commit={SYNCHRONOUS_COMMIT[synchronous]}"
    return f"FerretDB on SQLite, synchronous={synchronous}"


@dataclass
class FerretDBServer:
    """``store``: the backend under FerretDB — ``sqlite`` (the default: a file per database, nothing else to run)
    or ``postgresql`` (a PostgreSQL server of its own, :class:`PostgresServer`; ``MOTCUA_STORE=postgresql``).
    ``synchronous="normal"`` (the local default) keeps SQLite's WAL safe against any process crash, FerretDB's own
    included, but not against losing power (PostgreSQL: ``synchronous_commit=off``, the same promise); ``"full"``
    syncs every commit to disk, as the benchmark's "durable write" needs. Production runs MongoDB with journaled
    writes instead."""

    data_dir: Path
    port: int = 27017
    synchronous: str = "normal"
    store: str = "sqlite"
    managed: ManagedProcess = field(init=False)
    postgres: PostgresServer | None = field(init=False, default=None)
    debug_addr: str = field(init=False, default="")  # Go's profiles and the server's metrics (/debug/...)

    def __post_init__(self) -> None:
        if self.store not in STORES:
            raise ValueError(f"unknown store {self.store!r}: one of {', '.join(STORES)} (MOTCUA_STORE)")
        self.managed = ManagedProcess("ferretdb", self.data_dir / "ferretdb.log")
        if self.store == "postgresql":
            self.postgres = PostgresServer(self.data_dir / "postgresql", self.data_dir / "postgresql.log",
                                           synchronous=self.synchronous)

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 30.0) -> None:
        if not FERRETDB_BIN.exists():
            raise MissingPrerequisite(f"{FERRETDB_BIN} is missing: run `make setup`")
        if not port_is_free(self.port):
            raise RuntimeError(f"port {self.port} is in use: is another stack (or MongoDB) running?")
        started = time.monotonic()
        if self.postgres is not None:
            self.postgres.start()
            backend = ["-postgresql-url", self.postgres.url]
        else:
            (self.data_dir / "sqlite").mkdir(parents=True, exist_ok=True)
            backend = ["-sqlite-url", f"file:{self.data_dir / 'sqlite'}/?_pragma=synchronous({self.synchronous})"]
        # Go's profiles of this FerretDB, for whoever investigates, and its counts of commands, for the benchmarks:
        # on a free local port, or where FERRETDB_PPROF_ADDR says
        self.debug_addr = os.environ.get("FERRETDB_PPROF_ADDR") or f"127.0.0.1:{free_port()}"
        self.managed.spawn([str(FERRETDB_BIN), "-listen-addr", f"127.0.0.1:{self.port}", *backend,
                            "-pprof-addr", self.debug_addr],
                           env=real_clock_env())
        wait_for_port(self.port, timeout, self.managed.process, "FerretDB")
        self.managed.started_in = time.monotonic() - started

    def commands(self) -> dict[str, float]:
        """The commands this FerretDB answered since it started, by name (``insert``, ``update``, ``find``...),
        from its own counters (``/debug/metrics``)."""
        with urllib.request.urlopen(f"http://{self.debug_addr}/debug/metrics", timeout=10) as answer:
            text = answer.read().decode()
        return observe.counter_totals(text, "ferretdb_client_requests", by="command")

    def stop(self) -> None:
        self.managed.stop(timeout=15)
        if self.postgres is not None:
            self.postgres.stop()


@dataclass
class PostgresServer:
    """A PostgreSQL cluster of FerretDB's own (``MOTCUA_STORE=postgresql``), from Debian's ``postgresql``
    package: created in ``data_dir`` on first start, listening on a free local port, trusting local connections
    (nothing else can reach it). PostgreSQL refuses to run as root, so as root it runs as the package's
    ``postgres`` user, which then owns ``data_dir`` (and may pass through the folders above it)."""

    data_dir: Path
    log_path: Path
    synchronous: str = "normal"
    port: int = 0
    managed: ManagedProcess = field(init=False)

    def __post_init__(self) -> None:
        self.managed = ManagedProcess("postgresql", self.log_path)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def bin_dir() -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
        if not found:
            raise MissingPrerequisite("PostgreSQL is missing: `apt-get install postgresql` (MOTCUA_STORE=postgresql)")
        return found[-1].parent

    def _as_owner(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]

    def start(self, timeout: float = 60.0) -> None:
        bin_dir, owner = self.bin_dir(), self._as_owner()
        self.port = self.port or free_port()
        if not (self.data_dir / "PG_VERSION").exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            if owner:
                shutil.chown(self.data_dir, "postgres", "postgres")
                for folder in self.data_dir.parents:   # the postgres user must pass through them
                    mode = folder.stat().st_mode
                    if folder.stat().st_uid == os.geteuid() and not mode & 0o001:
                        folder.chmod(mode | 0o001)
            subprocess.run([*owner, str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
                            "--auth=trust", "-E", "UTF8", "--no-instructions"],
                           check=True, capture_output=True, cwd="/")
        commit = SYNCHRONOUS_COMMIT[self.synchronous]
        self.managed.spawn([*owner, str(bin_dir / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                            "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.data_dir}",
                            "-c", f"synchronous_commit={commit}", "-c", "max_connections=300",
                            "-c", "shared_buffers=512MB"], cwd=Path("/"))
        wait_for_port(self.port, timeout, self.managed.process, "PostgreSQL")

    def stop(self) -> None:
        self.managed.stop(timeout=30)


@dataclass
class MailServer:
    maildir: Path
    log_dir: Path
    port: int = 8025
    managed: ManagedProcess = field(init=False)

    def __post_init__(self) -> None:
        self.managed = ManagedProcess("smtp", self.log_dir / "smtp.log")

    def start(self, timeout: float = 20.0) -> None:
        if not port_is_free(self.port):
            raise RuntimeError(f"port {self.port} is in use: is another stack (or SMTP server) running?")
        started = time.monotonic()
        self.managed.spawn([sys.executable, "-m", "tools.devstack.mail", "serve", "--port", str(self.port),
                            "--maildir", str(self.maildir)], env=real_clock_env({"PYTHONPATH": str(REPO)}))
        wait_for_port(self.port, timeout, self.managed.process, "SMTP server")
        self.managed.started_in = time.monotonic() - started

    def stop(self) -> None:
        self.managed.stop(timeout=10)


@dataclass
class SimulatorServer:
    """A simulator of an outside system (``tools/simulators/<module>.py``), a real HTTP server."""

    name: str
    module: str
    log_dir: Path
    port: int
    args: list[str] = field(default_factory=list)
    managed: ManagedProcess = field(init=False)

    def __post_init__(self) -> None:
        self.managed = ManagedProcess(self.name, self.log_dir / f"{self.name}.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        if not port_is_free(self.port):
            raise RuntimeError(f"port {self.port} is in use: is another stack running?")
        started = time.monotonic()
        self.managed.spawn([sys.executable, "-m", f"tools.simulators.{self.module}", "serve", "--port",
                            str(self.port), *self.args], env={**os.environ, "PYTHONPATH": str(REPO)})
        wait_for_port(self.port, timeout, self.managed.process, self.name)
        self.managed.started_in = time.monotonic() - started

    def stop(self) -> None:
        self.managed.stop(timeout=10)
