"""Notification throughput: messages per second end to end, from events on Kafka to messages accepted by the
SMTP server, delivered by the SMS gateway simulator (its signed receipt came back) and written to in-app
inboxes. Prints one table.

    make bench-notify                                       # 500 dossier.submitted events
    make bench-notify BENCH_ARGS="--events 2000 --senders 2"
    make bench-notify BENCH_ARGS="--production-limits"      # the default per-channel rate limits
    make bench-notify BENCH_ARGS="--alerts 5000"            # and 5,000 overdue alerts into officers' digests

It starts its own stack (FerretDB, Kafka, SMTP server, SMS gateway simulator and the notify service's real
processes: API for the receipts, consumer, sender) in a temporary directory, publishes ``--events``
``dossier.submitted`` events at once (each becomes an e-mail, an SMS and an in-app message to the applicant
plus an in-app message to the receiving agency's desk) and waits until every message is final. Definitions:

- *messages/s* per channel: messages of that channel that reached ``delivered`` divided by the time from the
  first event published to the last of them delivered. An SMS is delivered when the gateway's receipt came
  back through the notify API, so its figure includes the callback.
- *event -> delivered*: from the moment the batch was published to the message's ``completed_at``; with a
  burst this is mostly time spent queued behind the rate limits and the sender's concurrency.
- The rate limits are raised out of the way by default (``--rate``) to measure the pipeline itself; with
  ``--production-limits`` the figures show the configured ceilings instead.
- *alerts listed/s* (``--alerts``, after the messages): overdue alerts, as the workflow scheduler raises them
  for the late dossiers of one agency, spread over ``--officers`` officers, published at once; from the first
  published to notify's consumer group committed past the last (it commits after listing them). Each becomes an
  entry of its officer's digest of the period (no message until the period ends); every entry is counted back.
- Everything is read back at the end: the e-mails in the SMTP server's mailbox and the SMS the simulator
  received must match the delivered counts, or the benchmark fails.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import timedelta

import bson
import pymongo
import requests

from bench.measure import (
    Spent,
    bench_stack,
    committed_up_to,
    end_offsets,
    percentiles,
    print_table,
    store_ceiling,
    wait_until,
)
from services.notify import SERVICE as NOTIFY
from services.notify.delivery.sms import international
from services.notify.digests.service import listed
from services.notify.notifications import statuses
from services.notify.notifications.planner import plan
from services.notify.notifications.service import message_key, notification_id
from shared.bus.consumer import group_id
from shared.bus.kafka import producing
from shared.clock import as_utc, offset, utc_now
from shared.events import Topic, event_type, topic_names
from tests.support import factories
from tools.devstack.mail import read_messages
from tools.devstack.observe import counter_totals, usage
from tools.devstack.stack import Stack
from tools.simulators.sms_gateway import SmsGatewayClient

CHANNELS = ("email", "sms", "in_app")


AGENCY = "000.00.15.H11"   # the competent agency of the alerts


def run(events: int, senders: int, rate: int | None, concurrency: int, alerts: int, officers: int) -> None:
    overrides = {"sms_quiet_hours": "", "notify_poll_interval_seconds": 0.05, "notify_send_concurrency": concurrency}
    if rate:
        overrides.update(notify_rate_email_per_second=rate, notify_rate_sms_per_second=rate)
    with bench_stack("notify", overrides=overrides) as stack:
        stack.start_services(["notify"])
        for n in range(2, senders + 1):
            stack.start_process("notify", "scheduler", name=f"notify-scheduler-{n}")
        stack.wait_healthy()
        figures = measure(stack, events, senders=senders)
        if alerts:
            figures["alerts"] = measure_alerts(stack, alerts, officers)
        report(figures)


def measure(stack: Stack, events: int, *, senders: int = 1, timeout: float = 1800, raw_writes: int = 4000) -> dict:
    """Publishes ``events`` ``dossier.submitted`` events to a stack running the notify service (and nothing
    else consuming them), waits until every message is final and reads them back. Returns the figures."""
    settings = stack.settings()
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
    try:
        notify = client[settings.database_name("notify")]
        limits = (f"e-mail {settings.notify_rate_email_per_second}/s, SMS {settings.notify_rate_sms_per_second}/s")
        concurrency = settings.notify_send_concurrency
        print(f"bench: {events} events, {senders} sender(s) x {concurrency} in flight, limits {limits}", flush=True)

        batch = [factories.submitted_event() for _ in range(events)]
        ids = [e.dossier_id for e in batch]
        # Progress is read from the notify processes' own counters of messages settled (/metrics), never from the
        # store measured: polling it by _id made FerretDB decode every waiting message every 2 s (a fifth of its
        # CPU in a profile). Every message is read back from the store once, at the end.
        expected = len(message_ids(settings, batch))
        settled_before = settled(stack)
        topic = topic_names(settings).main(event_type("dossier.submitted").topic)
        before = Spent.of(stack)
        started = time.time()
        with producing(settings, client_id="bench-notify") as producer:
            for event in batch:
                producer.send(topic, key=event.key, value=event.to_json(), headers=event.headers())
            producer.flush()
        published = time.time() - started

        last_report = 0.0

        def caught_up() -> bool:
            nonlocal last_report
            final = settled(stack) - settled_before
            if time.time() - last_report > 5:
                print(f"bench: {final:.0f}/{expected} messages final after {time.time() - started:.0f} s", flush=True)
                last_report = time.time()
            return final >= expected

        wait_until(caught_up, timeout, interval=2.0)
        spent = Spent.of(stack).since(before)
        docs = list(notify.notifications.find({"dossier_id": {"$in": ids}},
                                              {"channel": 1, "status": 1, "completed_at": 1, "attempt_count": 1}))
        sample = notify.notifications.find_one({"_id": docs[0]["_id"]})
        sample.pop("_id")
        store = store_ceiling(stack, sample, raw_writes)
    finally:
        client.close()
    # ``completed_at`` is business time (the run's clock offset, zero outside the tests); ``started`` is not
    business = offset().total_seconds()
    figures = {}
    for channel in CHANNELS:
        delivered = [d for d in docs if d["channel"] == channel and d["status"] == statuses.DELIVERED]
        ends = [as_utc(d["completed_at"]).timestamp() - business for d in delivered]
        figures[channel] = {
            "count": sum(1 for d in docs if d["channel"] == channel),
            "delivered": len(delivered),
            "rate": len(delivered) / max(max(ends) - started, 1e-3) if ends else 0.0,
            "latency": percentiles([(end - started) * 1000 for end in ends]),
            "attempts": sum(d.get("attempt_count", 0) for d in delivered),
        }
    ends = [as_utc(d["completed_at"]).timestamp() - business for d in docs if d.get("completed_at")]
    overall = len(docs) / max(max(ends) - started, 1e-3)

    addresses = {e.payload["contact"]["email"] for e in batch}
    mailed = sum(1 for m in read_messages(stack.maildir) if m["To"] in addresses)
    phones = {international(e.payload["contact"]["phone"]) for e in batch}  # the gateway is shared in tests
    texted = sum(1 for m in SmsGatewayClient(stack.sms.url).messages() if m.get("to") in phones)
    if mailed != figures["email"]["delivered"] or texted < figures["sms"]["delivered"]:
        raise SystemExit(f"read-back mismatch: {mailed} e-mails in the mailbox, {texted} SMS at the gateway")

    rss = sum(m.rss_mb() or 0 for m in stack.processes.values())
    return dict(events=events, published=published, figures=figures, overall=overall, total=len(docs),
                spent=spent, store=store, doc_bytes=len(bson.encode(sample)),
                mailed=mailed, texted=texted, rss=rss, senders=senders, concurrency=concurrency,
                limits=limits, cores=os.cpu_count())


def settled(stack: Stack) -> float:
    """Messages the notify processes have settled so far (a final status written), from their /metrics."""
    total = 0.0
    for name in stack.processes:
        if name.startswith(f"{NOTIFY}-"):
            text = requests.get(stack.metrics_url(name), timeout=10).text
            total += sum(counter_totals(text, "motcua_notifications_final").values())
    return total


def message_ids(settings, events: list) -> list[str]:
    """The notifications the events call for, by ``_id``, as the notify consumer derives them."""
    ids = []
    for event in events:
        payload = event_type(event.type).load(event.payload, event.schema_version)
        planned = plan(event, payload, settings.public_portal_url)
        ids += [notification_id(message_key(event, message)) for message in planned.messages]
    return ids


def measure_alerts(stack: Stack, alerts: int, officers: int, timeout: float = 1800) -> dict:
    """Publishes ``alerts`` overdue alerts for dossiers of one agency, assigned round robin to ``officers``
    officers, at once, and waits until notify's consumer has committed past them; counts the digest entries
    back. Returns the figures ``report`` prints."""
    settings = stack.settings()
    assignees = [str(uuid.uuid4()) for _ in range(officers)]
    batch = [factories.dossier_event("overdue", {
        "scope": "step", "due_at": utc_now() - timedelta(hours=1), "step": "tham-dinh", "agency_code": AGENCY,
        "assignee": assignees[n % officers], "step_name": "Thẩm định hồ sơ"}) for n in range(alerts)]
    topic = topic_names(settings).main(Topic.WORKFLOW_DOSSIERS)
    consumer = stack.processes[f"{NOTIFY}-consumer"]
    cpu_before = usage(consumer.pid)["cpu"]
    print(f"bench: {alerts} overdue alerts for {officers} officer(s)", flush=True)
    with producing(settings, client_id="bench-notify-alerts") as producer:
        started = time.time()
        for event in batch:
            producer.send(topic, key=event.key, value=event.to_json(), headers=event.headers())
        producer.flush()
    ends = end_offsets(settings.kafka_bootstrap_servers, {topic})
    wait_until(lambda: committed_up_to(settings.kafka_bootstrap_servers, group_id(settings, NOTIFY), ends), timeout)
    elapsed = time.time() - started
    cpu = usage(consumer.pid)["cpu"] - cpu_before
    client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
    try:
        entries = listed(client[settings.database_name(NOTIFY)], assignees)
    finally:
        client.close()
    if entries != alerts:
        raise SystemExit(f"read-back mismatch: {entries} digest entries for {alerts} alerts")
    return dict(alerts=alerts, officers=officers, rate=alerts / elapsed, cpu_ms=cpu * 1000 / alerts)


def report(m: dict) -> None:
    def pct(p):
        return "/".join(f"{p[k]:.0f}" for k in ("p50", "p95", "p99", "max"))

    rows = [("events published", f"{m['events']}", f"in {m['published']:.2f} s, one producer")]
    for channel in CHANNELS:
        f = m["figures"][channel]
        rows.append((f"{channel}: messages/s", f"{f['rate']:.1f}",
                     f"{f['delivered']}/{f['count']} delivered, {f['attempts']} attempts"))
        rows.append((f"{channel}: event->delivered ms", pct(f["latency"]), "p50/p95/p99/max"))
    rows += [
        ("all channels: messages/s", f"{m['overall']:.1f}", f"{m['total']} messages final"),
        ("read back", f"{m['mailed']} / {m['texted']}", "e-mails in the mailbox / SMS at the simulator"),
        ("senders", f"{m['senders']} x {m['concurrency']}", f"processes x messages in flight; {m['limits']}"),
        *([("alerts listed in digests/s", f"{m['alerts']['rate']:.1f}",
             f"{m['alerts']['alerts']} overdue alerts, {m['alerts']['officers']} officer(s), all read back; consumer "
             f"CPU {m['alerts']['cpu_ms']:.2f} ms each")] if "alerts" in m else []),
        *m["spent"].rows("all channels", "message", m["total"]),
        ("raw FerretDB insert_one/s", f"{m['store']['insert']:.0f}",
         f"8 threads, {m['doc_bytes']} B BSON notification, FerretDB CPU {m['store']['insert_cpu_ms']:.2f} ms each"),
        ("raw FerretDB update_one/s", f"{m['store']['update']:.0f}",
         f"8 threads, $set of one field by _id, FerretDB CPU {m['store']['update_cpu_ms']:.2f} ms each"),
        ("RSS notify processes", f"{m['rss']:.0f} MB", f"after the run, {m['cores']} cores shared with "
                                                      "Kafka, FerretDB and the simulators"),
    ]
    print_table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--senders", type=int, default=1, help="notify sender processes")
    parser.add_argument("--concurrency", type=int, default=8, help="messages each sender has in flight")
    parser.add_argument("--rate", type=int, default=1000, help="per-channel rate limit for the run")
    parser.add_argument("--production-limits", action="store_true", help="keep the default rate limits")
    parser.add_argument("--alerts", type=int, default=2000, help="overdue alerts listed in digests (0: none)")
    parser.add_argument("--officers", type=int, default=5, help="officers the alerts are assigned to")
    args = parser.parse_args(argv)
    run(args.events, args.senders, None if args.production_limits else args.rate, args.concurrency, args.alerts,
        args.officers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
