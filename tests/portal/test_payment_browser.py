"""Paying a fee online in a real headless Chromium (issue #16): the applicant's dossier page shows what the dossier
owes and the pay button; the browser goes to the payment gateway simulator's own page and clicks "Thanh toán";
the gateway sends it back to the portal, whose page asks the payments API to confirm with the gateway (never the
returned parameters alone); the counter officer's console shows the fee paid with its receipt."""

from __future__ import annotations

import pytest
import requests

from services.intake.accounts.cli import DEMO_AGENCY, DEMO_PASSWORD
from tests.support.waiting import eventually
from tests.system.helpers import submit
from tools.simulators.payment_gateway import PaymentGatewayClient

pytestmark = pytest.mark.stack

CRIMINAL_RECORD = "2.000488"   # seed catalogue: 200,000 VND paid online at filing


def test_the_applicant_pays_the_filing_fee_at_the_gateway_and_the_desk_sees_it_paid(site, browser):
    b = browser
    signed = requests.post(f"{site.url('intake')}/auth/token", timeout=10,
                           json={"username": "congdan", "password": DEMO_PASSWORD})
    auth = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    me = requests.get(f"{site.url('intake')}/accounts/me", headers=auth, timeout=10).json()
    PaymentGatewayClient(site.payment_gateway.url).control(scenario_for_payer={me["id"]: "paid"})
    filed = submit(site, auth, procedure_code=CRIMINAL_RECORD, receiving_agency_code=DEMO_AGENCY, attachments=[
        {"component": c, "component_code": c, "file_name": f"{c}.pdf", "media_type": "application/pdf",
         "size_bytes": 2048, "sha256": "ab" * 32, "copy_kind": "original"} for c in ("to-khai", "giay-to-tuy-than")])

    # The dossier page: what is owed, and the button (once the payments service has heard of the filing).
    b.sign_in("congdan", DEMO_PASSWORD)

    def owed() -> bool:
        b.visit(f"/ho-so/{filed['id']}")
        return "Thanh toán trực tuyến" in b.text
    eventually(owed, timeout=60, what="the fee and the pay button on the dossier page")
    assert "200.000 đồng" in b.text
    b.check("ho-so-phi-le-phi")

    # The gateway's page (the simulator's, another server), then back to the portal.
    b.click("Thanh toán trực tuyến")
    assert b.driver.current_url.startswith(site.payment_gateway.url), b.driver.current_url
    assert "200.000" in b.text
    b.click("Thanh toán")
    assert b.path.startswith("/thanh-toan/ket-qua"), b.path
    b.shows("Đã nhận thanh toán")
    b.shows(f"Hồ sơ {filed['code']}: đã nhận 200.000 đồng")
    b.check("thanh-toan-ket-qua")

    def receipted() -> bool:
        b.visit(f"/ho-so/{filed['id']}")
        return "Biên lai điện tử" in b.text
    eventually(receipted, timeout=60, what="the electronic receipt on the dossier page")
    assert "Thanh toán trực tuyến" not in b.text   # paid: no button any more

    # The counter officer's console: the fee paid, its receipt.
    b.sign_in("motcua.h29", DEMO_PASSWORD)
    b.visit(f"/can-bo/ho-so/{filed['id']}")
    panel = b.find("main").text
    assert "Phí, lệ phí và thanh toán" in panel and "200.000 đồng lúc" in panel and "Biên lai điện tử" in panel, panel
    b.check("can-bo-thanh-toan")

    serious = [v for page in b.pages.values() for v in page if v.get("impact") in ("serious", "critical")]
    assert not serious
