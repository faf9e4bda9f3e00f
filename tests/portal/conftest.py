from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from tests.conftest import FAST
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
