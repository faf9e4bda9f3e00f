"""The sync consumer killed (SIGKILL) again and again while a stream of dossier lives flows from Kafka: after
restarting, every event is applied once — the portal ends up with every dossier at its last status, every step
once, the fee paid — nothing lost, nothing doubled. The events are those intake, the workflow and payments publish
(bench/sync.py's lives: filed, accepted, assigned, two steps, a fee paid, result ready, returned), interleaved
across dossiers as a province's traffic would be."""

from __future__ import annotations

import random
import threading
import time
import uuid

import pymongo
import pytest

from bench.measure import committed_up_to, end_offsets
from bench.sync import STEPS, interleaved, lifecycle, publish, synchronised
from services.sync import SERVICE as SYNC
from services.sync.mirrors.document import MIRRORS_DECLARED
from shared.bus.consumer import group_id
from shared.events import event_type
from shared.events.topics import topic_names
from tests.conftest import derived
from tests.support.waiting import eventually
from tests.sync.conftest import assert_nothing_doubled_or_backwards, private_portal, sync_record

pytestmark = pytest.mark.stack

DOSSIERS = 30
RATE = 60.0   # events per second: the stream lasts four seconds, the consumer is killed during and after it
LIFE_STEPS = ["Nộp hồ sơ", "Tiếp nhận hồ sơ", "Phân công xử lý (tham-dinh)", "Hoàn thành bước xử lý (tham-dinh)",
              "Hoàn thành bước xử lý (phe-duyet)", "Có kết quả giải quyết", "Trả kết quả"]


def test_killing_the_sync_consumer_mid_stream_loses_and_doubles_nothing_on_the_portal(stack):
    with derived(stack) as deployment, private_portal(deployment) as portal:
        # a killed consumer's partitions go to its successor once its session expires: 2 s, not the default 10
        deployment.overrides = {**deployment.overrides, "consumer_session_timeout_seconds": 2.0}
        deployment.start_services(["sync"])
        settings = deployment.settings()
        client = pymongo.MongoClient(deployment.mongo.uri, tz_aware=True)
        sync = client[settings.database_name("sync")]
        lives = [lifecycle(i, prefix=uuid.uuid4().hex[:4]) for i in range(DOSSIERS)]
        events = interleaved(lives)
        publisher = threading.Thread(target=publish, args=(settings, events, RATE))
        publisher.start()

        rng = random.Random(20261005)
        applied_at_kills = []
        while publisher.is_alive() or len(applied_at_kills) < 4:
            time.sleep(rng.uniform(0.2, 0.9))
            applied_at_kills.append(sync.processed_events.count_documents({"group": "sync"}))
            deployment.processes["sync-consumer"].kill()
            deployment.start_process("sync", "consumer")
            deployment.wait_healthy()
        publisher.join()
        assert any(0 < applied < len(events) for applied in applied_at_kills), applied_at_kills

        codes = {life[0].payload["code"] for life in lives}
        client_id = settings.national_portal_client_id
        held = eventually(lambda: (found := synchronised(portal, client_id, codes))[0] == DOSSIERS and found[1],
                          timeout=90, what="every dossier complete on the portal")

        # Nothing lost: every dossier at its last status with each of its steps and its fee, in order.
        for dossier in held:
            assert_nothing_doubled_or_backwards(dossier)
            assert [s["NoiDungXuLy"] for s in dossier["steps"]] == LIFE_STEPS
            assert dossier["dossier"]["DuocThanhToanTrucTuyen"] == 2
            assert [(f["SoTien"], f["TrangThai"]) for f in dossier["dossier"]["DanhSachPhiLePhi"]] == [(50_000, 1)]
            assert dossier["dossier"]["NgayTiepNhan"] is not None
        assert len(LIFE_STEPS) == STEPS

        # Every event recorded as applied by the group; one process-log line per event in each mirror. The portal
        # may be complete while the last consumer killed had applied a poll but not yet recorded it: its successor
        # applies that poll again (nothing changes) and records it before committing, so once the group has
        # committed up to the end of the topics, every event must be recorded.
        names = topic_names(settings)
        ends = end_offsets(settings.kafka_bootstrap_servers, {names.main(event_type(e.type).topic) for e in events})
        eventually(lambda: committed_up_to(settings.kafka_bootstrap_servers, group_id(settings, SYNC), ends),
                   timeout=60, what="the sync group committed every event")
        applied = sync.processed_events.find({"group": "sync"}, {"_id": 1})
        assert sorted(a["_id"].partition(":")[2] for a in applied) == sorted(e.event_id for e in events)
        for mirror in map(MIRRORS_DECLARED.loaded, sync.mirrors.find({"code": {"$in": list(codes)}})):
            keys = [line["key"] for line in mirror["log"]]
            assert len(keys) == len(set(keys)) == len(LIFE_STEPS), mirror["code"]
            assert mirror["status"] == 10 and len(mirror["fees"]) == 1
        stats = portal.stats()
        assert stats["created"] == DOSSIERS and stats["steps"] == DOSSIERS * len(LIFE_STEPS), stats
        assert stats["duplicate_steps"] == stats["gaps"] == stats["errors"] == stats["exists"] == 0, stats

        first = lives[0][0]
        record = eventually(lambda: (r := sync_record(deployment, first.dossier_id, first.payload[
            "receiving_agency_code"]))["sync_state"] == "synced" and r, what="the sync record of a dossier")
        assert record["portal"]["synced_steps"] == len(LIFE_STEPS) and record["portal"]["status"] == 10
        client.close()
