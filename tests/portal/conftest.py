from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from shared.clock import VN_TZ, utc_now
from tests.conftest import FAST
from tests.support.browser import Browser
from tools.devstack.paths import REPO


@pytest.fixture(scope="package")
def site(stack):
    """The four services, the seed catalogue, the demo accounts and the portal, as `make run` has them: one
    deployment (its own databases, topics and ports) shared by the portal's tests, which each make their own
    accounts, dossiers and codes."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    deployed = stack.derive(name=prefix, db_prefix=prefix, topic_prefix=f"{prefix}.", overrides=FAST)
    deployed.ensure_topics()
    try:
        deployed.start_services()
        deployed.seed_catalogue()
        subprocess.run([sys.executable, "-m", "services.intake.accounts.cli", "seed-demo"], check=True,
                       env=deployed.child_env(), cwd=REPO, capture_output=True)
        deployed.start_portal()
        yield deployed
    finally:
        deployed.stop_services()


@pytest.fixture
def browser(site):
    """Chromium on the portal (a module may want it without JavaScript: tests/portal/test_without_javascript.py)."""
    opened = Browser(site.url("portal"))
    yield opened
    opened.quit()


def enter_the_result(officer, screenshot: str) -> None:
    """The head's last step in the console: unfold the result fields (a <details>, no script needed), fill them,
    check the page (axe and screenshots, named ``screenshot``) and complete the step."""
    if not officer.find("#complete-step-result_number").is_displayed():
        officer.find("#complete-step summary").click()
    officer.fill("result_title", "Giấy chứng nhận đăng ký doanh nghiệp")
    officer.fill("result_number", "0318234567")
    officer.fill("result_signer", "Lê Văn Cường")
    # what the browser's date picker would set (typing into it depends on the browser's locale)
    officer.set_value("#complete-step-result_signed_at", f"{utc_now().astimezone(VN_TZ):%Y-%m-%dT%H:%M}")
    officer.check(screenshot)
    officer.act("Hoàn thành bước")
