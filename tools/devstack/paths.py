"""Where the Makefile puts what it downloads and builds (see the Makefile and README)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache"
RUN = REPO / ".run"

KAFKA_VERSION = os.environ.get("KAFKA_VERSION", "4.1.2")
KAFKA_LIBS = CACHE / f"kafka-{KAFKA_VERSION}" / "libs"
KAFKA_LOG4J = REPO / "tools" / "kafka" / "log4j2.properties"
FERRETDB_BIN = CACHE / "bin" / "ferretdb-embed"


class MissingPrerequisite(RuntimeError):
    pass


def require_built() -> None:
    if not KAFKA_LIBS.is_dir() or not any(KAFKA_LIBS.glob("kafka_2.13-*.jar")):
        raise MissingPrerequisite(f"Kafka jars are missing in {KAFKA_LIBS}: run `make setup` first")
    if not FERRETDB_BIN.exists():
        raise MissingPrerequisite(f"{FERRETDB_BIN} is missing: run `make setup` first")
