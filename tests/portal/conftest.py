from __future__ import annotations

import subprocess
import sys

import pytest

from tools.devstack.paths import REPO


@pytest.fixture
def site(deployment):
    """The four services, the seed catalogue, the demo accounts and the portal, as `make run` has them."""
    deployment.start_services()
    deployment.seed_catalogue()
    subprocess.run([sys.executable, "-m", "services.intake.accounts.cli", "seed-demo"], check=True,
                   env=deployment.child_env(), cwd=REPO, capture_output=True)
    deployment.start_portal()
    return deployment
