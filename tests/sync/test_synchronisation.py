"""Every dossier's life mirrored on the National Public Service Portal, end to end: intake, the workflow and the
sync service's real processes (APIs, relays, consumers, the sync scheduler), driven over HTTP, the events through
Kafka, and a national portal simulator of their own (tests/sync/conftest.py) that stores what it receives.

- a dossier's whole life reaches the portal in order, one state at a time, with the national field list, and
  indicator 1.4 counts it;
- the portal down (503) and then timing out while dossiers move: the sync records show the error and the backlog,
  and once the portal is back every dossier ends at its latest state, nothing sent twice, nothing doubled;
- a dossier the portal lost is found by the reconcile job and sent again.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import requests

from services.sync.mirrors.fields import portal_time
from shared.auth.roles import Role
from shared.bus.kafka import read_topic
from shared.clock import vn_date
from shared.domain.channels import Channel
from shared.events import Topic, topic_names
from tests.conftest import derived
from tests.support import factories
from tests.support.waiting import eventually
from tests.sync.conftest import assert_nothing_doubled_or_backwards, backlog, held, private_portal, sync_record
from tests.system.helpers import SEED_AGENCY, sign_up, upload
from tools.devstack.stack import Stack
from tools.simulators.national_portal import NationalPortalClient

pytestmark = pytest.mark.stack

HEALTH = "000.00.15.H11"   # the competent department of 1.001806 in the seed catalogue
COMPONENTS = ("don-de-nghi", "danh-sach-lao-dong", "giay-xac-nhan-kt")
# The process log a whole life leaves on the portal: one line per event of the workflow, in the workflow's order
# (the clerk's act records the result, then completes the clerical step).
LIFE_STEPS = ["Nộp hồ sơ", "Tiếp nhận hồ sơ", "Phân công xử lý (tham-dinh)", "Hoàn thành bước xử lý (tham-dinh)",
              "Hoàn thành bước xử lý (xem-xet)", "Hoàn thành bước xử lý (phe-duyet)", "Có kết quả giải quyết",
              "Hoàn thành bước xử lý (van-thu)", "Thông báo trả kết quả trước hạn", "Trả kết quả"]


@pytest.fixture(scope="module")
def system(stack) -> Iterator[tuple[Stack, NationalPortalClient]]:
    """Intake, the workflow and sync running with the seed catalogue, and their own national portal."""
    with derived(stack) as deployed, private_portal(deployed) as portal:
        deployed.start_services(["intake", "workflow", "sync"])
        deployed.seed_catalogue()
        yield deployed, portal


@pytest.fixture
def portal(system) -> Iterator[NationalPortalClient]:
    _, client = system
    client.control(reset=True, timeout_seconds=3)
    yield client
    client.control(reset=True, timeout_seconds=3)


class Life:
    """One dossier moved through its life over the real APIs, as the applicant and the officers would."""

    def __init__(self, deployment: Stack, auth: dict[str, str]) -> None:
        self.deployment = deployment
        settings = deployment.settings()
        self.desk = factories.bearer(settings, factories.officer_principal(SEED_AGENCY, Role.COUNTER_OFFICER))
        self.head = factories.bearer(settings, factories.officer_principal(HEALTH, Role.AGENCY_HEAD))
        specialist = factories.officer_principal(HEALTH, Role.SPECIALIST)
        self.specialist = factories.bearer(settings, specialist.__class__(**{**specialist.__dict__,
                                                                             "subject": "cv-ytcb"}))
        self.clerk = factories.bearer(settings, factories.officer_principal(HEALTH, Role.CLERK))
        self.files = {c: factories.pdf_bytes(c) for c in COMPONENTS}
        body = factories.submission(receiving_agency_code=SEED_AGENCY, attachments=[
            {"component": c, "component_code": c, "file_name": f"{c}.pdf", "media_type": "application/pdf",
             "size_bytes": len(self.files[c]), "sha256": hashlib.sha256(self.files[c]).hexdigest(),
             "copy_kind": "original"} for c in COMPONENTS])
        body = factories.referencing(body, [upload(deployment, auth, self.files[c], f"{c}.pdf") for c in COMPONENTS])
        filed = requests.post(f"{deployment.url('intake')}/dossiers", json=body, headers=auth, timeout=10)
        assert filed.status_code == 201, filed.text
        self.filed = filed.json()
        self.id, self.code = self.filed["id"], self.filed["code"]
        self.status = 1
        self.accepted: dict[str, Any] | None = None
        workflow = deployment.url("workflow")
        eventually(lambda: requests.get(f"{workflow}/dossiers/{self.id}", headers=self.desk, timeout=5).ok,
                   what="the dossier in the workflow's queue")

    def command(self, name: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
        url = f"{self.deployment.url('workflow')}/dossiers/{self.id}/{name}"
        answer = requests.post(url, json=body, headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        dossier = answer.json()
        self.status = dossier["status"]["code"]
        return dossier

    def moves(self) -> Iterator[str]:
        """The life, one officer's act at a time (yields the act's name after doing it)."""
        self.accepted = self.command("accept", self.desk)
        yield "accept"
        self.command("assign", self.head, assignee="cv-ytcb", assignee_name="Chuyên viên Phòng Bảo trợ")
        yield "assign"
        self.command("complete-step", self.specialist, note="Đủ điều kiện")
        yield "appraised"
        self.command("complete-step", self.head)
        yield "reviewed"
        self.command("complete-step", self.head)
        yield "approved"
        self.command("complete-step", self.clerk, result={
            "number": "215/QĐ-SYT", "signer": "Giám đốc Sở Y tế", "signed_at": self.accepted["received_at"]})
        yield "registered"
        self.command("notify-early-return", self.desk, note="Mời nhận kết quả sớm")
        yield "early return notified"
        self.command("return-result", self.desk, method="counter", recipient="Nguyễn Thị Hoà")
        yield "returned"

    def workflow_status(self) -> int:
        answer = requests.get(f"{self.deployment.url('workflow')}/dossiers/{self.id}", headers=self.desk, timeout=5)
        return answer.json()["status"]["code"]


def _moment(value: str) -> str:
    return portal_time(datetime.fromisoformat(value))


def test_a_dossiers_whole_life_reaches_the_portal_in_order(system, portal):
    deployment, _ = system
    life = Life(deployment, sign_up(deployment))
    seen: list[tuple[int, int, int]] = []   # (PhienBan, TrangThai, steps) as the portal held them, act after act

    def portal_caught_up(steps_before: int):
        found = held(portal, deployment, life.code)
        if found and found["TrangThai"] == life.status and len(found["steps"]) > steps_before:
            return found
        return None

    filed = eventually(lambda: portal_caught_up(0), what="the filing on the portal")
    seen.append((filed["PhienBan"], filed["TrangThai"], len(filed["steps"])))
    for act in life.moves():
        now = eventually(lambda: portal_caught_up(seen[-1][2]), what=f"the portal to hold the dossier {act}")
        seen.append((now["PhienBan"], now["TrangThai"], len(now["steps"])))

    # It never went backwards: each act left the portal with more steps, a status as high, a revision as new.
    assert [s[2] for s in seen] == sorted(set(s[2] for s in seen)), seen
    assert [s[1] for s in seen] == sorted(s[1] for s in seen), seen
    assert [s[0] for s in seen] == sorted(s[0] for s in seen), seen
    assert seen[-1][1] == 10

    record = eventually(lambda: (r := sync_record(deployment, life.id, SEED_AGENCY))["sync_state"] == "synced"
                        and r, what="the sync record to say the portal holds everything")
    final = held(portal, deployment, life.code)
    assert_nothing_doubled_or_backwards(final)
    # Every state the dossier went through reached the portal, in order (one status update per change of state).
    assert [s["TrangThai"] for s in final["statuses"]] == [1, 2, 4, 9, 10], final["statuses"]

    # The national field list (domain.md §5.3).
    accepted, fields = life.accepted, final["dossier"]
    assert fields["MaHoSo"] == life.code and fields["MaTTHC"] == "1.001806"
    assert fields["MaCoQuan"] == SEED_AGENCY
    assert fields["NgayNop"] == _moment(life.filed["submitted_at"])
    assert fields["NgayTiepNhan"] == _moment(accepted["received_at"])
    assert fields["NgayHenTra"] == _moment(accepted["appointment_due"])
    assert fields["NgayKetThucXuLy"] is not None
    assert fields["TrangThai"] == 10 and fields["KenhThucHien"] == Channel("online").code
    assert fields["PhienBan"] == final["PhienBan"]
    components = {c["MaThanhPhan"]: c for c in fields["ThanhPhanHoSo"]}
    assert set(components) == set(COMPONENTS)
    for code, content in life.files.items():
        files = components[code]["TepDinhKem"]
        assert [(f["TenTep"], f["MaBam"]) for f in files] == [(f"{code}.pdf", hashlib.sha256(content).hexdigest())]
    assert "HoTen" not in (fields["ChuHoSo"] or {})   # no names: only what the field list asks for

    # The process log: filing, acceptance, every processing step, the result, the return — in that order.
    assert [s["NoiDungXuLy"] for s in final["steps"]] == LIFE_STEPS
    assert [s["TrangThai"] for s in final["steps"]] == sorted(s["TrangThai"] for s in final["steps"])
    assert {s["PhongBanXuLy"] for s in final["steps"]} == {SEED_AGENCY, HEALTH}

    # The sync service's own record says the same.
    assert record["code"] == life.code and record["status"] == 10
    assert record["revision"] == final["PhienBan"] and record["steps"] == len(final["steps"])
    assert record["portal"]["created"] is True
    assert record["portal"]["synced_revision"] == final["PhienBan"]
    assert record["portal"]["synced_steps"] == len(final["steps"])
    assert record["portal"]["status"] == 10
    assert record["portal"]["last_error"] is None and record["portal"]["failures"] == 0
    assert datetime.fromisoformat(record["portal"]["received_at"]) == datetime.fromisoformat(accepted["received_at"])

    # Decision 766 indicator 1.4, read from the mirrors (their portal block is stored packed): the dossier was
    # received that day and the portal holds it with its reception date — the only dossier of this deployment yet.
    day = vn_date(datetime.fromisoformat(accepted["received_at"])).isoformat()
    headers = factories.bearer(deployment.settings(), factories.officer_principal(SEED_AGENCY, Role.MANAGER))
    share = requests.get(f"{deployment.url('sync')}/agencies/{SEED_AGENCY}/indicators/synchronisation",
                         params={"from": day, "to": day}, headers=headers, timeout=5)
    assert share.status_code == 200, share.text
    assert (share.json()["received"], share.json()["synchronised"], share.json()["share"]) == (1, 1, 1.0)


def test_the_portal_down_then_timing_out_and_everything_caught_up_with_nothing_doubled(system, portal):
    deployment, _ = system
    settings = deployment.settings()
    before = portal.stats()
    auth = sign_up(deployment)

    # The portal answers 503 to everything (its token too) while three dossiers are filed and move.
    portal.control(down=True)
    lives = [Life(deployment, auth) for _ in range(3)]
    acts = [life.moves() for life in lives]
    for n, moves in enumerate(acts):
        for _ in range(n):            # the first stays filed, the second accepted, the third also assigned
            next(moves)

    def failing_long_enough(life: Life):
        record = sync_record(deployment, life.id, SEED_AGENCY)
        portal_view = record["portal"]
        return (record["sync_state"] == "pending" and not portal_view["created"]
                and portal_view["failures"] >= settings.sync_failing_after and record) or None

    for life in lives:
        record = eventually(lambda life=life: failing_long_enough(life), timeout=40,
                            what=f"{life.code} to have failed {settings.sync_failing_after} times")
        assert record["portal"]["last_error"] == "national portal answered 503"
        assert record["portal"]["next_attempt_at"] is not None and record["status"] == life.status
        assert held(portal, deployment, life.code) is None
    waiting = backlog(deployment, SEED_AGENCY)
    assert waiting["pending"] >= len(lives) and waiting["rejected"] == 0, waiting

    # Then it throttles once, times out twice (answering after the client gave up, applying nothing) and answers
    # out of order, while the dossiers move on.
    portal.control(down=False, throttle_next=1, timeout_next=2, out_of_order=True)
    eventually(lambda: any(sync_record(deployment, life.id, SEED_AGENCY)["portal"]["last_error"]
                           == "national portal timed out" for life in lives),
               timeout=30, what="a sync record to show the time-out")
    for moves in acts:
        next(moves)

    # Back to health: each dossier ends its life, and the portal catches up with all of it.
    for moves in acts:
        for _ in moves:
            pass
    assert [life.workflow_status() for life in lives] == [10, 10, 10]

    def caught_up(life: Life):
        record = sync_record(deployment, life.id, SEED_AGENCY)
        found = held(portal, deployment, life.code)
        return (record["sync_state"] == "synced" and found and found["TrangThai"] == 10
                and len(found["steps"]) == record["steps"] == len(LIFE_STEPS) and (record, found)) or None

    finals = [eventually(lambda life=life: caught_up(life), timeout=60, what=f"{life.code} caught up")
              for life in lives]
    for record, found in finals:
        assert_nothing_doubled_or_backwards(found)
        assert [s["NoiDungXuLy"] for s in found["steps"]] == LIFE_STEPS
        assert found["dossier"]["NgayTiepNhan"] is not None and found["dossier"]["NgayKetThucXuLy"] is not None
        assert record["revision"] == record["portal"]["synced_revision"] == found["PhienBan"]
        assert record["portal"]["synced_steps"] == len(found["steps"]) and record["portal"]["status"] == 10
        assert record["portal"]["last_error"] is None and record["portal"]["failures"] == 0

    # What the portal received against what it stores: each dossier created once, each step stored once and never
    # sent again, no status update refused as stale, nothing sent out of sequence.
    after = portal.stats()
    delta = {name: after[name] - before[name] for name in before if name != "held"}
    stored_steps = sum(len(found["steps"]) for _, found in finals)
    stored_updates = sum(len(found["statuses"]) - 1 for _, found in finals)
    assert delta["created"] == len(lives) and delta["exists"] == 0, delta
    assert delta["steps"] == stored_steps == len(lives) * len(LIFE_STEPS), delta
    assert delta["status_updates"] == stored_updates, delta
    assert delta["duplicate_steps"] == delta["gaps"] == delta["stale_updates"] == delta["errors"] == 0, delta
    assert delta["failed"] >= len(lives) and delta["throttled"] == 1 and delta["timed_out"] == 2, delta

    # The desk was told once per dossier that the portal kept failing; then the portal's first acknowledgement.
    ids = {life.id for life in lives}

    def told() -> tuple[Counter, Counter]:
        records = read_topic(settings, topic_names(settings).main(Topic.SYNC_DOSSIERS))
        events = [e for r in records if (e := json.loads(r.value))["dossier_id"] in ids]
        return (Counter(e["dossier_id"] for e in events if e["type"] == "sync.dossier-sync-failed"),
                Counter(e["dossier_id"] for e in events
                        if e["type"] == "sync.dossier-synchronised" and e["payload"]["first"]))

    failed, first = eventually(lambda: (found := told()) and len(found[1]) == len(ids) and found, timeout=20,
                               what="the sync events of every dossier")
    assert failed == first == Counter(dict.fromkeys(ids, 1)), (failed, first)


def test_a_dossier_the_portal_lost_is_found_by_reconciliation_and_pushed_again(system, portal):
    """The reconcile job (every 2 s here) compares what the portal holds of the synchronised dossiers with their
    mirrors (whose portal block is stored packed) and pushes again what the portal lacks."""
    deployment, _ = system
    life = Life(deployment, sign_up(deployment))
    eventually(lambda: sync_record(deployment, life.id, SEED_AGENCY)["sync_state"] == "synced",
               what="the filing synchronised")
    first = held(portal, deployment, life.code)
    assert first is not None and len(first["steps"]) == 1

    portal.control(forget=[life.code], client_id=deployment.settings().national_portal_client_id)
    assert held(portal, deployment, life.code) is None

    again = eventually(lambda: held(portal, deployment, life.code), timeout=30,
                       what="the reconciler to find the dossier lost and the pusher to send it again")
    assert again["dossier"]["MaHoSo"] == life.code and again["TrangThai"] == 1
    eventually(lambda: len(held(portal, deployment, life.code)["steps"]) == 1, what="its filing step sent again")
    assert_nothing_doubled_or_backwards(held(portal, deployment, life.code))
    record = eventually(lambda: (r := sync_record(deployment, life.id, SEED_AGENCY))["sync_state"] == "synced"
                        and r, what="the mirror synchronised again")
    assert record["portal"]["created"] is True and record["portal"]["synced_steps"] == 1
