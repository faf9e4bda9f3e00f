"""A dossier's whole life on the real stack, under each rule set: filed online (intake), accepted at the desk,
assigned, appraised, reviewed, approved, registered and returned (workflow), with the applicant following it
through the public look-up. The Decree 61/2018 run lives in June 2025 (every process's business clock is
moved there), the Decree 118/2025 run on the run's pinned clock."""

from __future__ import annotations

import contextlib

import pytest
import requests

from shared.auth.roles import Role
from tests.support import factories
from tests.support.clock import vn
from tests.support.waiting import eventually
from tests.system.helpers import FILING_PATH, SEED_AGENCY, sign_up, submit

pytestmark = pytest.mark.stack

HEALTH = "000.00.15.H11"


@pytest.mark.parametrize(("received", "rule_set", "circular"), [
    (vn(2025, 6, 10, 9, 0), "nd61-2018", "01/2018/TT-VPCP"),
    (None, "nd118-2025", "03/2025/TT-VPCP"),
], ids=["decree-61", "decree-118"])
def test_a_dossier_from_filing_to_returned_result(deployment, business_clock, received, rule_set, circular):
    with contextlib.ExitStack() as moments:
        if received is not None:
            moments.enter_context(business_clock.moved_to(received, why="received before 1 July 2025: Decree 61"))
        _whole_life(deployment, received, rule_set, circular)


def _whole_life(deployment, received, rule_set, circular):
    deployment.start_services(FILING_PATH)
    deployment.seed_catalogue()
    intake, workflow = deployment.url("intake"), deployment.url("workflow")
    settings = deployment.settings()

    def officer(agency, role, subject=None):
        principal = factories.officer_principal(agency, role)
        if subject:
            principal = principal.__class__(**{**principal.__dict__, "subject": subject})
        return factories.bearer(settings, principal)

    def command(name, headers, **body):
        response = requests.post(f"{workflow}/dossiers/{dossier['id']}/{name}", json=body, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    auth = sign_up(deployment)
    dossier = submit(deployment, auth, attachments=[
        {"component": c, "component_code": c, "file_name": f"{c}.pdf", "media_type": "application/pdf",
         "size_bytes": 2048, "sha256": "cd" * 32, "copy_kind": "original"}
        for c in ("don-de-nghi", "danh-sach-lao-dong", "giay-xac-nhan-kt")])
    assert dossier["rule_set"] == rule_set
    if received is not None:
        assert dossier["code"].startswith(f"{SEED_AGENCY}-250610-")

    desk = officer(SEED_AGENCY, Role.COUNTER_OFFICER)
    eventually(lambda: requests.get(f"{workflow}/dossiers/{dossier['id']}", headers=desk, timeout=5).ok,
               what="the dossier in the workflow")
    accepted = command("accept", desk)
    assert accepted["status"]["code"] == 2 and accepted["rule_set"] == rule_set
    receipt = requests.get(f"{workflow}/dossiers/{dossier['id']}/forms/receipt", headers=desk, timeout=5).json()
    assert receipt["legal_basis"] == f"Mẫu số 01 ban hành kèm theo Thông tư {circular}"

    head = officer(HEALTH, Role.AGENCY_HEAD)
    command("assign", head, assignee="cv-ytcb", assignee_name="Chuyên viên Phòng Bảo trợ")
    command("complete-step", officer(HEALTH, Role.SPECIALIST, subject="cv-ytcb"), note="Đủ điều kiện")
    command("complete-step", head)
    command("complete-step", head)
    ready = command("complete-step", officer(HEALTH, Role.CLERK), result={
        "number": "215/QĐ-SYT", "signer": "Giám đốc Sở Y tế", "signed_at": accepted["received_at"]})
    assert ready["status"]["code"] == 9
    command("notify-early-return", desk, note="Mời nhận kết quả sớm")
    returned = command("return-result", desk, method="counter", recipient="Nguyễn Thị Hoà")
    assert returned["status"] == {"code": 10, "name": "Đã trả kết quả"}

    slip = requests.get(f"{workflow}/dossiers/{dossier['id']}/forms/control_slip", headers=desk, timeout=5).json()
    assert len(slip["rows"]) == 6 and slip["number"] == ("05" if rule_set == "nd61-2018" else "06")

    lookup = eventually(lambda: (r := requests.get(f"{intake}/lookup/{dossier['code']}", timeout=5).json())
                        and r["status"]["code"] == 10 and r, what="the public look-up to show the returned result")
    assert lookup["appointment_due"] == accepted["appointment_due"]

    second = submit(deployment, auth)
    eventually(lambda: requests.get(f"{workflow}/dossiers/{second['id']}", headers=desk, timeout=5).ok,
               what="the second dossier in the workflow")
    withdrawn = requests.post(f"{workflow}/dossiers/{second['id']}/withdraw", json={"reason": "Không còn nhu cầu"},
                              headers=auth, timeout=10).json()
    assert withdrawn["status"]["code"] == 7
    has_stop_notice = "stop_notice" in withdrawn["forms"]
    assert has_stop_notice is (rule_set == "nd118-2025")  # Decree 118/2025 Art. 21; Circular 03/2025 Art. 7
