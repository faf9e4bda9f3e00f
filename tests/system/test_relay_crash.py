"""Kill the relay between publishing and clearing the outbox: the event is published again and every
consumer applies it exactly once."""

from __future__ import annotations

import json
import signal

import pytest

from shared.bus.kafka import read_topic
from shared.events import Topic, topic_names
from tests.support import factories
from tests.support.waiting import eventually
from tests.system.helpers import CONSUMER_GROUPS, FILING_PATH, consumed, db, mail_about, sign_up, submit

pytestmark = pytest.mark.stack


def test_a_relay_killed_after_publishing_republishes_and_consumers_apply_once(deployment):
    deployment.start_services(FILING_PATH, processes=["api", "consumer"])
    deployment.start_process("workflow", "relay")
    deployment.start_process("notify", "scheduler")  # the sender
    deployment.seed_catalogue()
    auth = sign_up(deployment)
    dossier = submit(deployment, auth, result_return=factories.postal_return())
    intake_db = db(deployment, "intake")
    assert intake_db.dossiers.find_one({"_id": dossier["id"]})["outbox_pending"] is True

    doomed = deployment.start_process("intake", "relay", name="intake-relay-doomed",
                                      failpoints="relay.after_publish=kill")
    eventually(lambda: not doomed.alive(), what="the relay to die at the failpoint")
    assert doomed.process.returncode == -signal.SIGKILL
    stored = intake_db.dossiers.find_one({"_id": dossier["id"]})
    assert stored["outbox_pending"] is True and len(stored["outbox"]) == 1  # published, never cleared

    for group in CONSUMER_GROUPS:  # the consumers got the first copy meanwhile
        eventually(lambda g=group: consumed(deployment, g) == 1, what=f"{group} to consume the first copy")

    deployment.start_process("intake", "relay")
    eventually(lambda: intake_db.dossiers.find_one({"_id": dossier["id"]})["outbox"] == [],
               what="the restarted relay to clear the outbox")
    records = read_topic(deployment.settings(), topic_names(deployment.settings()).main(Topic.INTAKE_DOSSIERS))
    event_ids = [json.loads(r.value)["event_id"] for r in records]
    assert len(event_ids) == 2 and len(set(event_ids)) == 1  # the same event, published twice
    for group in CONSUMER_GROUPS:
        eventually(lambda g=group: consumed(deployment, g) == 2, what=f"{group} to consume the second copy")

    (event_id,) = set(event_ids)
    assert db(deployment, "workflow").dossiers.count_documents({"_id": dossier["id"]}) == 1
    assert db(deployment, "postal").shipments.count_documents({"dossier_id": dossier["id"]}) == 1
    notifications = eventually(lambda: [n for n in db(deployment, "notify").notifications.find(
        {"dossier_id": dossier["id"]}) if n["status"] == "delivered"], what="the messages delivered")
    # e-mail, SMS and inbox to the applicant, inbox to the desk: each once, in one attempt
    assert sorted(n["channel"] for n in notifications) == ["email", "in_app", "in_app", "sms"]
    assert all(n["attempt_count"] == 1 for n in notifications)
    assert len(mail_about(deployment, dossier)) == 1
    for group in CONSUMER_GROUPS:
        processed = db(deployment, group).processed_events.count_documents({"_id": f"{group}:{event_id}"})
        assert processed == 1
