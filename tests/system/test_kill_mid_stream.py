"""Dossiers keep arriving while the relay and the consumers are killed and restarted: afterwards every
dossier was applied exactly once by every service on its path (intake, workflow, notify, postal)."""

from __future__ import annotations

import itertools
import random
import threading
import time

import pytest

from tests.support import factories
from tests.support.waiting import eventually
from tests.system.helpers import CONSUMER_GROUPS, FILING_PATH, db, mail_about, sign_up, submit

pytestmark = pytest.mark.stack

DOSSIERS = 40
# A kill after every few filings, not every so many seconds: on a slow machine the filing takes longer, and kills
# paced by the wall clock multiplied the restarts (each one a Python start-up competing with the filer).
FILED_BETWEEN_KILLS = 4


@pytest.mark.timeout(600)  # the waits below add up to 420 s on a loaded machine; they, not the timeout, should say why
def test_nothing_is_lost_or_applied_twice_when_processes_die_mid_stream(deployment):
    deployment.start_services(FILING_PATH)
    deployment.seed_catalogue()
    auth = sign_up(deployment)
    filed: list[dict] = []

    def file_dossiers():
        for n in range(DOSSIERS):
            overrides = {"result_return": factories.postal_return()} if n % 2 else {}
            filed.append(submit(deployment, auth, **overrides))
            time.sleep(0.08)

    filer = threading.Thread(target=file_dossiers)
    filer.start()
    rng = random.Random(20261122)
    # SIGKILL is a crash (no commit, no clean-up). The notify sender is stopped with SIGTERM here: a crash
    # between the SMTP relay's "250 OK" and our write may send an e-mail twice (tests/notify/test_crash.py).
    victims = itertools.cycle(["intake-relay", "workflow-consumer", "postal-consumer", "notify-consumer",
                               "notify-scheduler"])
    kills = 0
    while True:
        due = len(filed) + FILED_BETWEEN_KILLS
        eventually(lambda d=due: len(filed) >= d or not filer.is_alive(), timeout=60, interval=0.02,
                   what=f"{due} dossiers filed")
        if not filer.is_alive():
            break
        time.sleep(rng.uniform(0.0, 0.4))  # somewhere between two filings
        name = next(victims)
        managed = deployment.processes[name]
        if name == "notify-scheduler":
            managed.stop()
        else:
            managed.kill()
        kills += 1
        service, _, process = name.partition("-")
        deployment.start_process(service, process)
    filer.join()
    assert kills >= 5 and len(filed) == DOSSIERS  # every victim at least once

    intake, workflow, notify, postal = (db(deployment, s) for s in FILING_PATH)
    ids = [d["id"] for d in filed]
    eventually(lambda: intake.dossiers.count_documents({"_id": {"$in": ids}, "outbox_pending": True}) == 0,
               timeout=90, what="every outbox to be published")
    eventually(lambda: workflow.dossiers.count_documents({"_id": {"$in": ids}}) == DOSSIERS,
               timeout=90, what="every dossier in a queue")
    eventually(lambda: postal.shipments.count_documents({"dossier_id": {"$in": ids}}) == DOSSIERS // 2,
               timeout=90, what="every postal dossier planned")
    eventually(lambda: notify.notifications.count_documents(
        {"dossier_id": {"$in": ids}, "channel": "email", "status": "delivered"}) == DOSSIERS, timeout=90,
        what="every e-mail sent")

    for dossier in filed:
        assert len(mail_about(deployment, dossier)) == 1, dossier["code"]
    for group, database in zip(CONSUMER_GROUPS, (workflow, notify, postal), strict=True):
        # Each group also consumes other events (catalogue read copies, shipments): count the submissions. A
        # consumer killed between applying an event and recording it leaves the effect visible before the record:
        # its successor records it once it has re-joined the group.
        def submissions(g=group, d=database):
            return sorted(p["dossier_id"] for p in d.processed_events.find({"group": g, "type": "dossier.submitted"}))
        eventually(lambda s=submissions: s() == sorted(ids), timeout=60, what=f"{group} to record every submission")
    assert len({d["code"] for d in filed}) == DOSSIERS
