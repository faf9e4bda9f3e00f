"""What operators see: the services' real processes scraped on their /metrics ports while a dossier is filed,
its trace followed from the intake request to the consumers through a real OTLP receiver, and its log lines."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import FAST
from tests.support.otlp import OtlpReceiver
from tests.support.waiting import eventually
from tests.system.helpers import sign_up, submit

pytestmark = pytest.mark.stack


def scrape(deployment, process: str) -> dict[tuple[str, frozenset], float]:
    response = requests.get(deployment.metrics_url(process), timeout=10)
    assert response.status_code == 200, response.text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def value(samples, name: str, **labels) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels`` (0 when there are none)."""
    wanted = set(labels.items())
    return sum(v for (n, got), v in samples.items() if n == name and wanted <= got)


@pytest.fixture(scope="module")
def observed(stack):
    """One deployment of the four services exporting traces to a receiver; one dossier filed online, with the
    metrics of each process scraped before."""
    receiver = OtlpReceiver().start()
    prefix = f"t{uuid.uuid4().hex[:10]}"
    deployment = stack.derive(name=prefix, db_prefix=prefix, topic_prefix=f"{prefix}.",
                              overrides={**FAST, "tracing_otlp_endpoint": receiver.url})
    deployment.ensure_topics()
    try:
        deployment.start_services()
        deployment.seed_catalogue()
        auth = sign_up(deployment)
        processes = ["intake-api", "intake-relay", "notify-consumer", "notify-scheduler", "workflow-consumer"]
        before = {p: scrape(deployment, p) for p in processes}
        dossier = submit(deployment, auth)
        yield dataclasses.make_dataclass("Observed", ["deployment", "receiver", "dossier", "before"])(
            deployment, receiver, dossier, before)
    finally:
        deployment.stop_services()
        receiver.stop()


def grew(observed, process: str, name: str, by: float = 1, **labels) -> bool:
    now = scrape(observed.deployment, process)
    return value(now, name, **labels) >= value(observed.before[process], name, **labels) + by


def test_filing_a_dossier_moves_the_metrics_of_every_process_on_its_path(observed):
    d = observed.deployment
    checks = [
        ("intake-api", "motcua_http_requests_total",
         {"service": "intake", "method": "POST", "route": "/dossiers", "status": "201"}),
        ("intake-api", "motcua_http_request_duration_seconds_count",
         {"service": "intake", "method": "POST", "route": "/dossiers"}),
        ("intake-relay", "motcua_outbox_events_published_total",
         {"service": "intake", "topic": "intake.dossiers", "type": "dossier.submitted"}),
        ("intake-relay", "motcua_dossiers_received_total", {"channel": "online"}),
        ("notify-consumer", "motcua_consumer_events_total",
         {"group": "notify", "topic": "intake.dossiers", "type": "dossier.submitted", "outcome": "processed"}),
        ("notify-consumer", "motcua_consumer_processing_seconds_count",
         {"group": "notify", "topic": "intake.dossiers"}),
        ("workflow-consumer", "motcua_consumer_events_total",
         {"group": "workflow", "type": "dossier.submitted", "outcome": "processed"}),
        ("notify-scheduler", "motcua_notifications_final_total", {"channel": "email", "state": "delivered"}),
        ("notify-scheduler", "motcua_loop_duration_seconds_count", {"service": "notify", "loop": "send"}),
    ]
    for process, name, labels in checks:
        eventually(lambda p=process, n=name, lb=labels: grew(observed, p, n, **lb), timeout=60,
                   what=f"{name}{labels} growing on {process}")

    # The backlog is read from the database when scraped: nothing left once the relay caught up.
    relay = scrape(d, "intake-relay")
    assert ("motcua_outbox_pending_documents", frozenset({"service": "intake", "collection": "dossiers"}.items())) \
        in relay
    eventually(lambda: value(scrape(d, "intake-relay"), "motcua_outbox_oldest_pending_age_seconds",
                             service="intake", collection="dossiers") == 0, what="an empty outbox")
    # Consumer lag per partition, down to zero once the group caught up.
    group = f"{d.topic_prefix}notify"
    eventually(lambda: [v for (n, lb), v in scrape(d, "notify-consumer").items()
                        if n == "motcua_consumer_lag" and ("group", group) in lb] or None, what="a lag gauge")
    eventually(lambda: value(scrape(d, "notify-consumer"), "motcua_consumer_lag", group=group) == 0,
               what="the notify group caught up")

    # The service port, which an ingress may expose, does not serve the metrics.
    assert requests.get(f"{d.url('intake')}/metrics", timeout=5).status_code == 404


def test_one_trace_follows_the_dossier_from_the_intake_request_to_the_consumers(observed):
    receiver = observed.receiver
    (request_span,) = eventually(
        lambda: [s for s in receiver.spans if s.service == "motcua-intake" and s.name == "POST /dossiers"],
        timeout=60, what="the intake request's span")
    assert request_span.kind == "server"
    trace_id = request_span.trace_id

    def path():
        spans = receiver.trace(trace_id)
        publish = [s for s in spans if s.name == "publish dossier.submitted"]
        consumed = {s.service: s for s in spans if s.name == "consume dossier.submitted"}
        if publish and {"motcua-workflow", "motcua-notify", "motcua-postal"} <= set(consumed):
            return publish[0], consumed
        return None

    publish, consumed = eventually(path, timeout=60, what="the publish and consume spans in the same trace")
    by_id = {s.span_id: s for s in receiver.trace(trace_id)}

    def ancestors(span):
        while span.parent_span_id in by_id:
            span = by_id[span.parent_span_id]
            yield span

    assert publish.service == "motcua-intake" and publish.process == "relay" and publish.kind == "producer"
    assert request_span in list(ancestors(publish)), "the publish span descends from the request"
    assert publish.attributes["motcua.dossier_id"] == observed.dossier["id"]
    for service, span in consumed.items():
        assert span.kind == "consumer" and span.process == "consumer", service
        assert span.parent_span_id == publish.span_id, f"{service} continues the record's traceparent"


def test_log_lines_are_json_with_the_dossier_event_and_trace_ids_and_no_personal_data(observed):
    d, dossier = observed.deployment, observed.dossier
    # waited for here too: the spans are exported in batches, and this test may run without the trace test
    trace_ids = eventually(lambda: {s.trace_id for s in observed.receiver.spans
                                    if s.service == "motcua-intake" and s.name == "POST /dossiers"},
                           timeout=60, what="intake's span of the filing")

    def processed_line():
        lines = [json.loads(line) for line in (d.root / "logs" / "notify-consumer.log").read_text().splitlines()]
        return [x for x in lines if x.get("message") == "event processed" and x.get("dossier_id") == dossier["id"]]

    (line,) = eventually(processed_line, timeout=60, what="the notify consumer's line for the dossier")
    assert line["event_type"] == "dossier.submitted" and uuid.UUID(line["event_id"])
    assert line["trace_id"] in trace_ids and line["service"] == "notify" and line["component"] == "consumer"

    personal = [dossier["applicant"]["id_number"], dossier["applicant"]["full_name"], dossier["contact"]["email"],
                dossier["contact"]["phone"]]
    for log_file in (d.root / "logs").glob("*.log"):
        for number, text in enumerate(log_file.read_text().splitlines(), 1):
            json.loads(text)  # one JSON object per line
            leaked = [p for p in personal if p in text]
            assert not leaked, f"{log_file.name}:{number} names {leaked}"
