"""Postal processes killed (SIGKILL) while shipments move: every shipment still ends where its scenario
ends, each status is applied once, and each status event carries one event id however often the relay had
to publish it again."""

from __future__ import annotations

import itertools
import json
import random
import time
from collections import Counter, defaultdict

import pymongo
import pytest

from services.postal.shipments import statuses as st
from shared.bus.kafka import read_topic
from shared.events import Topic, topic_names
from tests.support import factories
from tests.support.bus import publish
from tests.support.waiting import eventually

pytestmark = pytest.mark.stack

SHIPMENTS = 12


def _dossier_with_postal_return(provider, scenario: str):
    phone = factories.phone()
    provider.control(scenario_for={phone: scenario})
    submitted = factories.submitted_event(result_return={**factories.postal_return(), "recipient_phone": phone})
    ready = factories.dossier_event("result-ready", {"result_kind": "decision", "outcome": "on_time",
                                                     "early": False, "return_method": "post"},
                                    dossier_id=submitted.dossier_id, status=9, code=submitted.payload["code"],
                                    result_return_method="post")
    return submitted, ready


def test_killing_postal_processes_mid_stream_loses_and_doubles_no_status(deployment, provider):
    provider.control(step_delay_ms=250, start_offset_hours=-480)
    deployment.start_services(["postal"])
    settings = deployment.settings()
    scenarios = itertools.cycle(["normal", "one_failed_attempt", "returned", "duplicate_callbacks"])
    pairs = [_dossier_with_postal_return(provider, next(scenarios)) for _ in range(SHIPMENTS)]
    publish(settings, *[submitted for submitted, _ in pairs])
    publish(settings, *[ready for _, ready in pairs])

    rng = random.Random(45)
    kills = 0
    for name in ["postal-scheduler", "postal-api", "postal-relay", "postal-consumer"] * 2:
        time.sleep(rng.uniform(0.3, 0.8))
        deployment.processes[name].kill()
        kills += 1
        deployment.start_process("postal", name.partition("-")[2])
    deployment.wait_healthy()

    client = pymongo.MongoClient(deployment.mongo.uri, tz_aware=True)
    shipments = client[settings.database_name("postal")].shipments
    ids = [submitted.dossier_id for submitted, _ in pairs]
    final = eventually(lambda: (docs := list(shipments.find({"dossier_id": {"$in": ids}})))
                       and len(docs) == SHIPMENTS and all(d["status"] in st.FINAL for d in docs)
                       and all(not d.get("outbox_pending") for d in docs) and docs,
                       timeout=120, what="every shipment at the end of its scenario, its events published")
    client.close()
    assert kills == 8
    expected = {"normal": st.DELIVERED, "one_failed_attempt": st.DELIVERED, "returned": st.RETURNED_TO_AGENCY,
                "duplicate_callbacks": st.DELIVERED}
    for doc in final:
        scenario = provider.shipment(doc["_id"])["scenario"]
        assert doc["status"] == expected[scenario], (scenario, doc["history"])
        applied = [(h["status"], h["attempt"]) for h in doc["history"] if not h.get("out_of_order")]
        assert len(applied) == len(set(applied)), doc["history"]  # no status applied twice

    records = read_topic(settings, topic_names(settings).main(Topic.POSTAL_SHIPMENTS))
    ids_by_change: dict[tuple, set] = defaultdict(set)
    for record in records:
        event = json.loads(record.value)
        ids_by_change[(event["dossier_id"], event["payload"]["shipment_version"])].add(event["event_id"])
    assert all(len(event_ids) == 1 for event_ids in ids_by_change.values())
    per_shipment = Counter(dossier_id for dossier_id, _ in ids_by_change)
    for doc in final:
        # requested, picked up, in transit, each failed attempt, and the end: one change each.
        assert per_shipment[doc["dossier_id"]] == 4 + len(doc["attempts"])
    provider.control(reset=True)
