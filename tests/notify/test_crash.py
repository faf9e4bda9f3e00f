"""A notify process killed (SIGKILL) mid-stream resumes without losing a message or sending an SMS or an
inbox message twice. E-mail has one window no SMTP server lets us close — between the relay's "250 OK" and
our write — where a resend is possible; both copies then carry the same Message-ID (README, "Notify")."""

from __future__ import annotations

import time
from collections import defaultdict

import pymongo
import pytest

from services.notify.notifications import statuses
from shared.clock import utc_now
from tests.notify.conftest import international, mail_to
from tests.support import factories
from tests.support.bus import publish
from tests.support.waiting import eventually


def _event():
    phone = factories.phone()
    return factories.dossier_event("accepted", {"received_at": utc_now(), "appointment_due": utc_now(),
                                                "receipt": True}, status=2,
                                   contact={"email": f"crash.{phone}@example.vn", "phone": phone})


def _all_settled(db, dossier_ids, per_dossier=4):
    query = {"dossier_id": {"$in": list(dossier_ids)}}
    docs = list(db.notifications.find(query))
    return docs if len(docs) == per_dossier * len(dossier_ids) and all(
        d["status"] in statuses.FINAL for d in docs) else None


@pytest.fixture
def notify_db(deployment):
    client = pymongo.MongoClient(deployment.mongo.uri, tz_aware=True)
    yield client[deployment.settings().database_name("notify")]
    client.close()


@pytest.mark.parametrize("channel", ["sms", "email", "in_app"])
def test_a_sender_killed_right_after_a_send_resumes_without_loss(channel, deployment, notify_db, sms_gateway):
    deployment.start_services(["notify"], processes=["api", "consumer"])
    doomed = deployment.start_process("notify", "scheduler", failpoints=f"notify.after_send.{channel}=kill")
    duplicates_before = sms_gateway.stats()["duplicate_references"]
    event = _event()
    contact = event.payload["contact"]
    publish(deployment.settings(), event)
    eventually(lambda: not doomed.alive(), what="the sender to die at the failpoint")
    deployment.start_process("notify", "scheduler")

    docs = eventually(lambda: _all_settled(notify_db, [event.dossier_id]), timeout=60, what="all settled")
    assert {d["status"] for d in docs} == {statuses.DELIVERED}, [(d["channel"], d["attempts"]) for d in docs]
    killed = next(d for d in docs if d["channel"] == channel and d["audience"] == "applicant")

    sms = sms_gateway.messages(to=international(contact["phone"]))
    assert len(sms) == 1                                          # never a second SMS
    assert sms_gateway.stats()["duplicate_references"] == duplicates_before  # not even resubmitted
    mails = mail_to(deployment, contact["email"])
    assert 1 <= len(mails) <= 2 and len({m["Message-ID"] for m in mails}) == 1

    if channel == "sms":
        # Attempt 1 reached the gateway; the receipt (or the sweeper's look-up) completed it.
        assert killed["attempt_count"] == 1 and killed["attempts"][0]["outcome"] == "accepted"
        assert killed["attempts"][0]["provider_reference"] == sms[0]["id"]
    elif channel == "email":
        assert len(mails) == 2  # the resend the README owns up to
        assert [a["outcome"] for a in killed["attempts"]] == [statuses.TEMPORARY_FAILURE, statuses.DELIVERED]
        assert killed["attempts"][0]["error"].startswith("interrupted")
    else:
        assert [a["outcome"] for a in killed["attempts"]] == [statuses.TEMPORARY_FAILURE, statuses.DELIVERED]
        inbox = [d for d in docs if d["channel"] == "in_app" and d["recipient"] == event.payload["owner_account_id"]]
        assert len(inbox) == 1


def test_killing_the_consumer_and_the_sender_repeatedly_loses_and_doubles_nothing(deployment, notify_db,
                                                                                 sms_gateway):
    deployment.start_services(["notify"])
    events = [_event() for _ in range(40)]
    publish(deployment.settings(), *events[:20])
    kills = 0
    for batch in (events[20:30], events[30:]):
        time.sleep(0.7)
        for process in ("scheduler", "consumer"):
            deployment.processes[f"notify-{process}"].kill()
            kills += 1
        publish(deployment.settings(), *batch)
        for process in ("consumer", "scheduler"):
            deployment.start_process("notify", process)

    docs = eventually(lambda: _all_settled(notify_db, [e.dossier_id for e in events]), timeout=120,
                      what="every message of the 40 events settled")
    assert {d["status"] for d in docs} == {statuses.DELIVERED}
    per_dossier = defaultdict(list)
    for d in docs:
        per_dossier[d["dossier_id"]].append((d["channel"], d["audience"]))
    assert all(sorted(v) == [("email", "applicant"), ("in_app", "applicant"), ("in_app", "officer"),
                             ("sms", "applicant")] for v in per_dossier.values())

    doubled_mail = 0
    for event in events:
        contact = event.payload["contact"]
        assert len(sms_gateway.messages(to=international(contact["phone"]))) == 1
        mails = mail_to(deployment, contact["email"])
        assert mails and len({m["Message-ID"] for m in mails}) == 1
        doubled_mail += len(mails) - 1
    # Only an e-mail in flight at a kill can be sent twice: at most one sender's worth per kill.
    assert doubled_mail <= kills * deployment.settings().notify_send_concurrency
