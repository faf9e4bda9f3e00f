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
NODE_ASSETS   := $(CACHE)/npm/node_modules
KUSTOMIZE     := $(CACHE)/bin/kustomize
CRD_SCHEMAS   := $(CACHE)/crd-schemas/.complete
STRIMZI_CHECK := $(CACHE)/strimzi/classes/StrimziCheck.class

export PIP_CACHE_DIR := $(CACHE)/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONPATH := $(CURDIR)

.PHONY: help setup system-packages node-assets run run-fresh test test-suite test-rest test-unit test-clock fuzz lint bench \
        bench-notify bench-queue bench-portal bench-footprint bench-sync bench-reporting openapi mail sms postal payments portal portal-sync \
        lock clean distclean k8s k8s-render

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: $(VENV)/.installed $(KAFKA_LIBS)/.complete $(FERRETDB_BIN) $(NODE_ASSETS)/.installed $(KUSTOMIZE) $(CRD_SCHEMAS) $(STRIMZI_CHECK) ## install Python deps, Kafka jars, FerretDB, browser assets, kustomize, CRD schemas, Strimzi's model (once; cached)

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

# The portal's font and, for the browser tests, axe-core: pinned by tools/assets/package-lock.json, installed with
# `npm ci` into .cache/npm and served by the apps themselves (nothing is loaded from a CDN).
node-assets: $(NODE_ASSETS)/.installed ## browser assets from npm (tools/assets/package-lock.json) into .cache/npm

$(NODE_ASSETS)/.installed: tools/assets/package.json tools/assets/package-lock.json | prerequisites
	@echo "==> browser assets from npm (tools/assets/package-lock.json)"
	@mkdir -p $(CACHE)/npm && cp tools/assets/package.json tools/assets/package-lock.json $(CACHE)/npm/
	@cd $(CACHE)/npm && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --cache $(CACHE)/npm-cache
	@touch $@

$(KUSTOMIZE): tools/k8s/build-kustomize.sh | prerequisites
	@echo "==> kustomize (renders deploy/k8s) from the Go module proxy"
	@tools/k8s/build-kustomize.sh $(CURDIR)

$(CRD_SCHEMAS): tools/k8s/crd-schemas.sh $(VENV)/.installed | prerequisites
	@tools/k8s/crd-schemas.sh $(CURDIR)
	@touch $@

$(STRIMZI_CHECK): tools/k8s/strimzi/pom.xml tools/k8s/strimzi/StrimziCheck.java tools/k8s/strimzi/build.sh | prerequisites
	@tools/k8s/strimzi/build.sh $(CURDIR)

.PHONY: prerequisites
prerequisites:
	@tools/check-prerequisites.sh $(PYTHON)

# Debian packages for what pip, Maven and Go cannot provide (installed once, .deb files cached in .cache/apt).
# RUN_PACKAGES: what the services need at run time (WeasyPrint's Pango, the fonts embedded in the PDF forms).
# The tests also need libfaketime, headless Chromium with its driver, pdftotext (poppler-utils), and PostgreSQL
# for FerretDB's other backend (MOTCUA_STORE=postgresql; the default is SQLite).
RUN_PACKAGES    := libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation2 fonts-dejavu-core
SYSTEM_PACKAGES := faketime gcc libc6-dev chromium chromium-driver poppler-utils postgresql $(RUN_PACKAGES)

system-packages: ## install the Debian packages the tests need (faketime, chromium, pdftotext, Pango, fonts, PostgreSQL), when missing
	@tools/system-packages.sh $(SYSTEM_PACKAGES)

run: setup ## start Kafka, FerretDB, SMTP, every service and the portal; Ctrl-C stops everything
	@tools/system-packages.sh $(RUN_PACKAGES)
	@$(PY) -m tools.devstack run

run-fresh: setup ## as `run`, from empty data
	@tools/system-packages.sh $(RUN_PACKAGES)
	@$(PY) -m tools.devstack run --fresh

# Every test runs once at least: the clock-sensitive part under the four faked machine dates (test-clock), the rest
# under the real one (test-rest). Running that part a fifth time, under today's date, would prove nothing the four
# do not, and cost CI five to seven minutes.
test: lint test-rest test-clock fuzz ## lint, the suite (its clock-sensitive part under four faked machine dates), then fuzzing

test-suite: setup system-packages ## the whole test suite (starts its own Kafka, FerretDB, SMTP server and simulators)
	@$(PY) -m pytest $(PYTEST_ARGS)

test-rest: setup system-packages ## the suite but its clock-sensitive part, which test-clock runs
	@$(PY) -m pytest $(addprefix --deselect=,$(CLOCK_TESTS)) $(PYTEST_ARGS)

test-unit: $(VENV)/.installed ## the tests that need no server (rules, calendar, templates, architecture): about a minute
	@$(PY) -m pytest -q -m unit $(PYTEST_ARGS)

# The suite runs on a pinned business clock (tests/support/clock.py). To prove the machine's date, hour and weekday
# do not matter, the clock-sensitive tests run with the machine's clock faked (Debian's libfaketime) to a
# Sunday night, a weekday after the 15:00 cut-off, the eve of Tết 2027 and a Saturday in 2030.
CLOCK_DATES := "2026-12-06 23:30 +0700" "2026-12-09 16:30 +0700" "2027-02-05 18:00 +0700" "2030-06-01 10:00 +0700"
# A dossier's whole life under each date once, under Decree 118 (the machine's clock is read the same way under
# either decree; the Decree 61 life runs in test-rest).
CLOCK_TESTS ?= tests/shared/test_calendar.py tests/workflow tests/intake tests/postal tests/notify/test_sender.py \
               "tests/system/test_full_life.py::test_a_dossier_from_filing_to_returned_result[decree-118]"

# CLOCK_JOBS dates at a time, each run with its own servers and a log of its own. One at a time on 2 cores: two runs
# at once each start a whole deployment in the postal and full-life tests, and their services were not healthy
# within 90 s (load average above 60).
CLOCK_JOBS ?= 1

test-clock: setup system-packages ## the clock-sensitive tests under each faked machine date (faketime)
	@$(PY) -m tools.faketime --jobs $(CLOCK_JOBS) $(CLOCK_DATES) -- $(PY) -m pytest -q --no-header $(CLOCK_TESTS)

# Schemathesis (--checks all) against every service's OpenAPI document on a real stack, with a token of each role:
# at least 1,000 requests per service, no server error, no contract failure (tests/fuzz). The seed is fixed so a CI
# run can be replayed: FUZZ_SEED=... make fuzz to explore another one; FUZZ_ARGS="--service intake" for one service.
fuzz: setup system-packages ## Schemathesis against every service's OpenAPI document, 1,000+ requests each (11 to 15 minutes on 2 cores)
	@$(PY) -m tests.fuzz $(FUZZ_ARGS)

lint: $(VENV)/.installed ## ruff
	@$(PY) -m ruff check .

bench: setup ## intake throughput and submit-to-queue latency, with the raw Mongo/Kafka ceiling
	@$(PY) -m bench.intake $(BENCH_ARGS)

bench-workflow: setup ## the workflow consumer: dossier.submitted applied/s, 2,000 filings published at once
	@$(PY) -m bench.workflow $(BENCH_ARGS)

bench-notify: setup ## notification throughput end to end: Kafka -> SMTP / SMS simulator / inbox (500 events)
	@$(PY) -m bench.notify $(BENCH_ARGS)

bench-queue: setup ## agency queue pages and a state transition with many dossiers loaded (100k; --dossiers N)
	@$(PY) -m bench.queue $(BENCH_ARGS)

bench-portal: setup system-packages ## the officer's queue page of the portal with 1,000 open dossiers: p95 and page weight
	@$(PY) -m bench.portal $(BENCH_ARGS)

bench-sync: setup ## synchronisation with the National Public Service Portal: dossier events/s to the simulator
	@$(PY) -m bench.sync $(BENCH_ARGS)

bench-reporting: setup ## reporting: read model events/s from Kafka, dashboard pages p95 with 500,000 dossiers loaded
	@$(PY) -m bench.reporting $(BENCH_ARGS)

bench-footprint: setup ## RSS and CPU per dossier of every process (the figures deploy/k8s is sized from)
	@$(PY) -m bench.footprint $(BENCH_ARGS)

bench-soak: setup ## every service under a steady load (10 filings/s) for 10 minutes: RSS and open descriptors over time, backlog at the end
	@$(PY) -m bench.soak $(BENCH_ARGS)

k8s: $(VENV)/.installed ## regenerate the generated manifests under deploy/k8s (settings, workloads, topics, policies)
	@$(PY) -m tools.k8s write

k8s-render: $(KUSTOMIZE) ## print an overlay rendered by kustomize (OVERLAY=dev|production|keda)
	@$(KUSTOMIZE) build deploy/k8s/overlays/$${OVERLAY:-production}

openapi: $(VENV)/.installed ## regenerate the checked-in OpenAPI documents (services/*/openapi.json)
	@$(PY) -m tools.openapi write

mail: $(VENV)/.installed ## list the e-mails the local SMTP server of `make run` received
	@$(PY) -m tools.devstack.mail list --maildir .run/mail

sms: $(VENV)/.installed ## list the SMS the gateway simulator of `make run` received
	@$(PY) -m tools.simulators.sms_gateway list --url http://127.0.0.1:$${SMS_GATEWAY_PORT:-8090}

postal: $(VENV)/.installed ## list the shipments the postal provider simulator of `make run` received
	@$(PY) -m tools.simulators.postal_provider list --url http://127.0.0.1:$${POSTAL_PROVIDER_PORT:-8091}

payments: $(VENV)/.installed ## list the orders the payment gateway simulator of `make run` holds
	@$(PY) -m tools.simulators.payment_gateway list --url http://127.0.0.1:$${PAYMENT_GATEWAY_PORT:-8092}

portal-sync: $(VENV)/.installed ## list the dossiers the National Public Service Portal simulator of `make run` holds
	@$(PY) -m tools.simulators.national_portal list --url http://127.0.0.1:$${NATIONAL_PORTAL_PORT:-8093}

portal: portal-sync ## the same as portal-sync

lock: $(VENV)/.installed ## refresh requirements.lock from pyproject.toml (needs the registry)
	@tools/lock.sh $(PY)

clean: ## delete the data of `make run` (.run/)
	rm -rf .run

distclean: clean ## also delete everything downloaded or built (.cache/, .venv/)
	rm -rf .cache .venv
