"""The broker dies in the middle of a load (kill -9) and comes back (restarted by `make run`'s supervisor): every
dossier filed reaches every consumer exactly once, the APIs answer throughout, and readiness tells the truth.

The deployment runs on a broker of its own, so killing it touches no other test. What "exactly once" means
here is what a person sees: one acknowledgement e-mail per dossier at the SMTP server, one dossier in the
workflow, and each consumer group's record of the event once."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.conftest import derived
from tests.support.waiting import eventually
from tests.system.helpers import FILING_PATH, db, mail_about, sign_up, submit
from tools.devstack.servers import KafkaServer, free_port
from tools.devstack.supervisor import Supervisor, Target

pytestmark = pytest.mark.stack

DOSSIERS = 18       # filed one after another by one applicant
KILL_AFTER = 6      # the broker is killed once this many are filed
RESTART_AFTER = 12  # and restarted once this many are filed (six filed while it is down)


@pytest.fixture
def own_broker(tmp_path):
    broker = KafkaServer(tmp_path / "kafka", free_port(), free_port(), heap="256m")
    broker.start()
    yield broker
    broker.stop()


class Probe:
    """Polls intake's /readyz twice a second, recording every answer (or the failure to get one)."""

    def __init__(self, url: str) -> None:
        self.url, self.answers, self.stop = url, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                response = requests.get(f"{self.url}/readyz", timeout=5)
                self.answers.append((response.status_code, response.json()))
            except requests.RequestException as exc:
                self.answers.append((None, repr(exc)))

    def __enter__(self) -> Probe:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(10)


def test_a_broker_killed_mid_load_loses_nothing_and_doubles_nothing(stack, own_broker):
    with derived(stack, kafka=own_broker) as deployment:
        deployment.start_services(FILING_PATH)
        deployment.seed_catalogue()
        auth = sign_up(deployment)
        supervisor = Supervisor(lambda: [Target("kafka", own_broker.managed, own_broker.start)])
        filed, outage_answers = [], []
        with Probe(deployment.url("intake")) as probe:
            for number in range(1, DOSSIERS + 1):
                filed.append(submit(deployment, auth))  # asserts 201: filing answers while the broker is away
                if number == KILL_AFTER:
                    own_broker.managed.kill()  # SIGKILL: no clean shutdown, no flush
                    seen = len(probe.answers)
                    eventually(lambda since=seen: [a for a in probe.answers[since:] if a[0] == 200
                                                   and a[1]["status"] == "degraded"], timeout=30,
                               what="readiness to say the broker is away")
                if number == RESTART_AFTER:
                    outage_answers = probe.answers[seen:]
                    assert supervisor.check() == ["kafka"]  # the supervisor found it dead and started it
            eventually(lambda: probe.answers[-1][1]["status"] == "ready", timeout=60,
                       what="readiness to say ready again")

        # Readiness told the truth and never stopped answering: degraded (200) while the broker was away, with
        # the reason, ready before and after; every probe got an answer.
        assert all(code == 200 for code, _ in probe.answers), [a for a in probe.answers if a[0] != 200][:3]
        degraded = [body for _, body in outage_answers if body["status"] == "degraded"]
        assert degraded and all(body["checks"]["mongo"] == "ok" and body["checks"]["kafka"] != "ok"
                                for body in degraded)

        # Every dossier reached every consumer, exactly once.
        ids = [dossier["id"] for dossier in filed]
        for group in ("workflow", "notify", "postal"):
            processed = db(deployment, group)["processed_events"]
            eventually(lambda p=processed: p.count_documents({"type": "dossier.submitted",
                                                              "dossier_id": {"$in": ids}}) == DOSSIERS,
                       timeout=120, what=f"{group} to process every dossier filed")
        assert db(deployment, "workflow")["dossiers"].count_documents({"_id": {"$in": ids}}) == DOSSIERS
        for dossier in filed:
            eventually(lambda d=dossier: mail_about(deployment, d), timeout=60,
                       what=f"the acknowledgement of {dossier['code']}")
        time.sleep(2)  # a doubled e-mail would follow its twin within the sender's poll interval
        assert {dossier["code"]: len(mail_about(deployment, dossier)) for dossier in filed} == {
            dossier["code"]: 1 for dossier in filed}

        # No process gave up: the consumers re-joined, the relays went on.
        assert {name: managed.alive() for name, managed in deployment.processes.items()} == {
            name: True for name in deployment.processes}
