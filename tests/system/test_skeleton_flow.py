"""One dossier end to end through the four services' real processes, over HTTP."""

from __future__ import annotations

import pytest
import requests

from shared.auth.roles import Role
from tests.support import factories
from tests.support.waiting import eventually
from tests.system.helpers import mail_about, sign_up, submit
from tools.devstack.stack import SERVICES

pytestmark = pytest.mark.stack


def test_a_dossier_filed_online_reaches_every_service(deployment):
    deployment.start_services()
    deployment.seed_catalogue()

    for service in SERVICES:
        base = deployment.url(service)
        assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok", "service": service}
        # On a loaded machine one broker answer can take longer than READINESS_TIMEOUT_SECONDS: the body shows
        # it while the status stays ready (shared.api.readiness). Wait for a round where both answered.
        ready = eventually(lambda b=base: (body := requests.get(f"{b}/readyz", timeout=5).json())["checks"]
                           == {"mongo": "ok", "kafka": "ok"} and body, what=f"{service}: both checks ok")
        assert ready["status"] == "ready"
        assert requests.get(f"{base}/openapi.json", timeout=5).json()["info"]["title"] == f"motcua {service}"

    auth = sign_up(deployment)
    dossier = submit(deployment, auth, result_return=factories.postal_return())
    code, agency = dossier["code"], dossier["receiving_agency_code"]
    officer = factories.bearer(deployment.settings(), factories.officer_principal(agency, Role.COUNTER_OFFICER))

    # 2. workflow: the dossier is in the receiving agency's queue
    queue = eventually(lambda: requests.get(f"{deployment.url('workflow')}/agencies/{agency}/queue",
                                            headers=officer, timeout=5).json()["items"], what="the queue entry")
    assert [(q["code"], q["status"]["name"]) for q in queue] == [(code, "Mới đăng ký")]

    # 3. notify: the acknowledgement reached the SMTP server, readable, in Vietnamese
    (mail,) = eventually(lambda: mail_about(deployment, dossier), what="the acknowledgement e-mail")
    assert mail["Subject"] == f"[Một cửa] Đã nhận hồ sơ trực tuyến {code}"
    assert f"Mã số hồ sơ: {code}" in mail.get_body(("plain",)).get_content()
    def applicant_messages():
        notes = requests.get(f"{deployment.url('notify')}/dossiers/{dossier['id']}/notifications", headers=auth,
                             timeout=5).json()
        return {n["channel"]: n["status"] for n in notes}
    eventually(lambda: applicant_messages() == {"email": "delivered", "sms": "delivered", "in_app": "delivered"},
               what="e-mail, SMS (with its receipt) and inbox message delivered")

    # 4. postal: a result delivery is planned, since the applicant chose post
    shipments = eventually(lambda: requests.get(f"{deployment.url('postal')}/dossiers/{dossier['id']}/shipments",
                                                headers=auth, timeout=5).json(), what="the planned shipment")
    assert [(s["direction"], s["status"]) for s in shipments] == [("result_delivery", "awaiting_result")]

    # 5. anyone can look the dossier up by its code, without personal data
    lookup = requests.get(f"{deployment.url('intake')}/lookup/{code}", timeout=5).json()
    assert lookup["status"] == {"code": 1, "name": "Mới đăng ký"} and "applicant" not in lookup

    # 6. the audit trail says who filed it: the record rides in the relay's wake-up and the relay writes it
    admin = factories.bearer(deployment.settings(), factories.officer_principal(agency, Role.ADMIN))
    records = eventually(lambda: requests.get(f"{deployment.url('intake')}/audit", timeout=5, headers=admin,
                                              params={"document_id": dossier["id"]}).json()["items"],
                         what="the audit record of the filing")
    assert [(r["action"], r["actor_kind"], r["collection"]) for r in records] == [("create", "applicant", "dossiers")]
    assert records[0]["changes"]["code"] == {"old": None, "new": code} and records[0]["request_id"]
