"""A short run of every benchmark under bench/ (tiny sizes, a few seconds each) on the run's servers, so a change
that breaks a benchmark breaks the suite (house rule 6). Each asserts the benchmark's report has its rows and that
the work it measured was all done — never a speed: the figures of a smoke run mean nothing.

The portal benchmark's smoke run is beside the portal's tests (tests/portal/test_security_and_bench.py)."""

from __future__ import annotations

import math

import pymongo
import pytest

from bench import footprint, intake, notify, queue, reporting, soak, sync, workflow
from services.workflow.documents import DECLARED as WORKFLOW_DOCUMENTS
from shared.storage.documents import check_all
from tools.devstack.stack import SERVICES

pytestmark = pytest.mark.stack


def _finite(p: dict[str, float]) -> bool:
    return all(math.isfinite(v) and v >= 0 for v in p.values())


def test_the_notify_benchmark_delivers_and_reads_back_every_message(deployment, capsys):
    deployment.start_services(["notify"])
    m = notify.measure(deployment, 3, timeout=120, raw_writes=80)
    m["alerts"] = notify.measure_alerts(deployment, 10, 2, timeout=120)  # raises unless all 10 are listed
    notify.report(m)
    out = capsys.readouterr().out
    assert "alerts listed in digests/s" in out and m["alerts"]["rate"] > 0
    for channel in notify.CHANNELS:
        assert f"{channel}: messages/s" in out and f"{channel}: event->delivered ms" in out
    assert "all channels: messages/s" in out and "read back" in out
    per_event = {"email": 1, "sms": 1, "in_app": 2}  # an e-mail, an SMS, the applicant's and the desk's inbox
    for channel, figures in m["figures"].items():
        assert figures["count"] == figures["delivered"] == 3 * per_event[channel], channel
        assert figures["rate"] > 0 and _finite(figures["latency"])
    assert m["total"] == 12 and m["mailed"] == 3 and m["texted"] >= 3
    # what a message cost, counted from the processes and from FerretDB's own counters, and the raw ceiling
    assert "all channels: CPU ms per message" in out and "all channels: FerretDB writes per message" in out
    assert m["spent"].commands.get("insert", 0) >= 1 and m["spent"].cpu["ferretdb"] > 0
    assert m["store"]["insert"] > 0 and m["store"]["update"] > 0


def test_the_queue_benchmark_pages_the_queues_and_accepts(deployment, capsys):
    m = queue.measure(deployment, count=100, agency_count=2, samples=2, raw_writes=40)
    queue.report(m)
    out = capsys.readouterr().out
    for row in ("dossiers loaded", "agency queue, first page ms p50/p95/p99", "agency queue, late filter ms",
                "personal queue ms", "state transition (accept) ms", "agency page straight to FerretDB ms",
                "agency page: CPU ms per page", "accept: FerretDB writes per accept", "raw FerretDB insert_one/s",
                "raw FerretDB update_one/s"):
        assert row in out
    assert len(m["first"]) == len(m["deep"]) == len(m["late"]) == len(m["personal"]) == len(m["raw_page"]) == 2
    # FerretDB's own counters saw the work: each page read the queue, each accept wrote the dossier
    assert m["page_cost"].commands.get("find", 0) >= 2
    assert m["accept_cost"].commands.get("update", 0) >= 2
    assert m["raw"]["insert"] > 0 and m["raw"]["update"] > 0
    assert m["accepted"] == len(m["transitions"]) == 2  # each timed accept really accepted its dossier
    client = pymongo.MongoClient(deployment.mongo.uri, tz_aware=True)
    try:  # what the benchmark loads has the shape the workflow declares (checked again at the end of the run)
        assert check_all(WORKFLOW_DOCUMENTS, client[deployment.settings().database_name("workflow")]) >= 100
    finally:
        client.close()


def test_the_sync_benchmark_brings_every_dossier_to_the_national_portal(deployment, capsys):
    deployment.start_services(["sync"])
    m = sync.measure(deployment, 3, None, timeout=120)
    sync.report(m)
    out = capsys.readouterr().out
    for row in ("dossiers / events", "events published", "consumed events/s", "synchronised events/s",
                "everything held after"):
        assert row in out
    assert m["dossiers"] == 3 and m["events"] == 3 * 8  # filed, a fee paid and six workflow events each
    assert m["synced_rate"] > 0 and m["consumed_rate"] > 0


def test_the_reporting_benchmark_folds_every_event_it_publishes(deployment, capsys):
    deployment.start_process("reporting", "consumer")
    m = reporting.measure_throughput(deployment, 20, agency_count=3, timeout=180)
    reporting.report_throughput(m)
    out = capsys.readouterr().out
    for row in ("dossiers / events", "events published", "folded events/s", "records / facts read back"):
        assert row in out
    assert m["dossiers"] == m["records"] == 20
    assert m["facts"] == m["events"] > 20  # every event folded into its dossier's record, once
    assert m["rate"] > 0


def test_the_reporting_benchmark_loads_a_year_and_answers_every_dashboard_page(deployment, capsys):
    m = reporting.measure_pages(deployment, 20, agency_count=3, samples=2, chunk=8)
    reporting.report_pages(m)
    out = capsys.readouterr().out
    assert "folded and written" in out and "p95 ms" in out
    assert m["stored"] == 20
    pages = {(r["page"], r["who"]) for r in m["rows"]}
    assert ("indicators/agencies", "manager") in pages and ("reports/quarterly (json)", "agency head") in pages
    for row in m["rows"]:
        assert row["statuses"] == {200: 3}, row
        assert _finite(row["ms"]) and row["bytes"] > 0
    # the figures are those of what was loaded: dossiers received in the period, in the province and the agency
    assert m["answers"][("indicators", "manager")].json()["received"] == m["expected"]["province"] > 0
    assert m["answers"][("indicators", "agency head")].json()["received"] == m["expected"]["agency"]
    agencies = m["answers"][("indicators/agencies", "manager")].json()["items"]
    assert sum(a["received"] for a in agencies) == m["expected"]["province"]


# last: every service running (module-scoped), so the smaller deployments above do not share the cores with it

def test_the_intake_benchmark_files_dossiers_that_all_reach_the_desk_queue(running_system, capsys):
    m = intake.measure(running_system, seconds=2, concurrency=2, open_concurrency=4, raw_inserts=80,
                       raw_sends=200)
    intake.report(m)
    out = capsys.readouterr().out
    for row in ("closed loop: HTTP 201/s", "closed loop: published/s", "closed loop: submit->queue ms",
                "open loop", "raw FerretDB insert_one/s", "raw FerretDB update_one/s", "raw Kafka produce/s",
                "RSS Kafka / FerretDB / services", "closed loop: CPU ms per dossier",
                "closed loop: FerretDB writes per dossier"):
        assert row in out
    for loop in (m["closed"], m["opened"]):
        assert loop["accepted"] > 0 and loop["errors"] == 0
        assert loop["queued"] == loop["accepted"]  # every dossier filed waits at the receiving desk
        assert _finite(loop["http"]) and _finite(loop["e2e"])
        # submit -> queue is measured across two clocks (the client's, the workflow's business time): both agree
        assert 0 < loop["e2e"]["p50"] <= loop["e2e"]["max"] < 600_000
    assert m["rate"] >= 1 and m["mongo_raw"] > 0 and m["kafka_raw"] > 0 and m["doc_bytes"] > 1000
    # a filing writes at least its dossier and its sequence number: FerretDB counted them
    closed = m["closed"]["spent"].commands
    assert closed.get("insert", 0) >= m["closed"]["accepted"] and closed.get("findAndModify", 0) >= 1


def test_the_footprint_benchmark_reports_every_process(running_system, capsys):
    m = footprint.measure(running_system, seconds=2, rate=3, settle=0.5, idle=1.0)
    footprint.report(m)
    out = capsys.readouterr().out
    assert "dossiers filed (HTTP 201)" in out and "ms/dossier" in out
    assert m["dossiers"] > 0 and m["errors"] == 0
    for service in SERVICES:
        assert any(name.startswith(f"{service}-") for name in m["names"]), service
    assert {"kafka", "ferretdb"} <= set(m["names"])
    assert all(m["after"][name]["rss"] > 0 for name in m["names"])
    assert all(m["after"][name]["cpu"] >= m["before"][name]["cpu"] >= m["quiet"][name]["cpu"] for name in m["names"])
    assert "all processes idle" in out and "net of idle" in out
    assert all(footprint.per_dossier_ms(m, name) >= 0 for name in m["names"])


def test_the_soak_benchmark_samples_every_process_and_ends_with_nothing_owed(running_system, capsys):
    # drained well inside the test's timeout, so a backlog that never drains is reported as what is owed
    m = soak.measure(running_system, seconds=3, rate=3, every=1, drain_timeout=150)
    soak.report(m)
    out = capsys.readouterr().out
    assert "RSS MB / open descriptors per sample" in out and "backlog at the end" in out
    assert m["accepted"] > 0 and m["errors"] == 0
    assert len(m["samples"]) >= 4  # the start, at least one during the load, the end of the load, drained
    for _, processes in m["samples"]:
        assert set(processes) == set(m["names"])
        assert all(rss > 0 and fds > 0 for rss, fds in processes.values())
    assert {"kafka", "ferretdb"} <= set(m["names"])
    for name in m["names"]:
        assert f"{name} growth" in out
    owed = m["backlog"]
    assert {f"{service} outbox" for service in SERVICES} <= set(owed)
    assert any(what.startswith("group ") for what in owed)  # the consumer groups were read from Kafka
    assert not any(owed.values()), owed


def test_the_workflow_benchmark_applies_every_filing_once(running_system, capsys):
    m = workflow.measure(running_system, 20, timeout=300)
    workflow.report(m)
    out = capsys.readouterr().out
    for row in ("filings published", "applied/s", "read back: stored / at the desk", "consumer CPU per filing"):
        assert row in out
    assert m["stored"] == m["at_desk"] == 20
    assert m["rate"] > 0 and m["consumer_cpu_ms"] > 0
