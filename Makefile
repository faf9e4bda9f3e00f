# motcua: the one-stop administrative service platform.
# `make run` starts everything; `make test` runs the whole suite against real Kafka and FerretDB.
# Everything downloaded or built lands in .cache/ (and the virtualenv in .venv/): both are git-ignored.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON    ?= python3
CACHE     := $(CURDIR)/.cache
VENV      := $(CURDIR)/.venv
PY        := $(VENV)/bin/python
KAFKA_VERSION := 4.1.2
KAFKA_LIBS    := $(CACHE)/kafka-$(KAFKA_VERSION)/libs
FERRETDB_BIN  := $(CACHE)/bin/ferretdb-embed

export PIP_CACHE_DIR := $(CACHE)/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONPATH := $(CURDIR)

.PHONY: help setup run run-fresh test lint bench bench-notify bench-queue openapi mail sms postal lock clean distclean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-13s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: $(VENV)/.installed $(KAFKA_LIBS)/.complete $(FERRETDB_BIN) ## install Python deps, collect Kafka jars, build FerretDB (once; cached)

$(VENV)/.installed: requirements.lock | prerequisites
	@echo "==> Python virtualenv in .venv (requirements.lock)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --no-deps -r requirements.lock
	@touch $@

$(KAFKA_LIBS)/.complete: tools/kafka/pom.xml | prerequisites
	@echo "==> Kafka $(KAFKA_VERSION) broker jars from Maven Central"
	@mvn -q -B -Dstyle.color=never -Dmaven.repo.local=$(CACHE)/m2 -Dkafka.version=$(KAFKA_VERSION) \
		-f tools/kafka/pom.xml dependency:copy-dependencies
	@touch $@

$(FERRETDB_BIN): tools/ferretdb/main.go tools/ferretdb/go.mod tools/ferretdb/go.sum \
                 $(wildcard tools/ferretdb/*.patch) tools/ferretdb/build.sh | prerequisites
	@echo "==> FerretDB (MongoDB-wire server on SQLite) from the Go module proxy"
	@tools/ferretdb/build.sh $(CURDIR)

.PHONY: prerequisites
prerequisites:
	@tools/check-prerequisites.sh $(PYTHON)

run: setup ## start Kafka, FerretDB, SMTP and every service; Ctrl-C stops everything
	@$(PY) -m tools.devstack run

run-fresh: setup ## as `run`, from empty data
	@$(PY) -m tools.devstack run --fresh

test: setup lint ## run the whole test suite (starts its own Kafka, FerretDB and SMTP server)
	@$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff
	@$(PY) -m ruff check .

bench: setup ## intake throughput and submit-to-queue latency, with the raw Mongo/Kafka ceiling
	@$(PY) -m bench.intake $(BENCH_ARGS)

bench-notify: setup ## notification throughput end to end: Kafka -> SMTP / SMS simulator / inbox (500 events)
	@$(PY) -m bench.notify $(BENCH_ARGS)

bench-queue: setup ## agency queue pages and a state transition with many dossiers loaded (100k; --dossiers N)
	@$(PY) -m bench.queue $(BENCH_ARGS)

openapi: $(VENV)/.installed ## regenerate the checked-in OpenAPI documents (services/*/openapi.json)
	@$(PY) -m tools.openapi write

mail: $(VENV)/.installed ## list the e-mails the local SMTP server of `make run` received
	@$(PY) -m tools.devstack.mail list --maildir .run/mail

sms: $(VENV)/.installed ## list the SMS the gateway simulator of `make run` received
	@$(PY) -m tools.simulators.sms_gateway list --url http://127.0.0.1:$${SMS_GATEWAY_PORT:-8090}

postal: $(VENV)/.installed ## list the shipments the postal provider simulator of `make run` received
	@$(PY) -m tools.simulators.postal_provider list --url http://127.0.0.1:$${POSTAL_PROVIDER_PORT:-8091}

lock: $(VENV)/.installed ## refresh requirements.lock from pyproject.toml (needs the registry)
	@tools/lock.sh $(PY)

clean: ## delete the data of `make run` (.run/)
	rm -rf .run

distclean: clean ## also delete everything downloaded or built (.cache/, .venv/)
	rm -rf .cache .venv
