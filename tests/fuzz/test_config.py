"""What each [[operations]] block of ``schemathesis.toml`` selects: exactly the operations its comment names.

Schemathesis ORs the separate include-* keys of one block, so a block written as a path and a method selected
every operation with that method; the sign-in's 429 allowance then lost to another block and a throttled
sign-in failed the fuzzing run. These tests read the blocks the way Schemathesis does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from tests.fuzz.__main__ import CONFIG, fuzzed_services

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def expected_statuses(tmp_path_factory):
    """(service, "METHOD /path") -> the statuses the positive-data check accepts there, in the stateful phase."""
    # the hooks need a running stack; what a block selects does not
    text = "\n".join(line for line in CONFIG.read_text().splitlines() if not line.startswith("hooks ="))
    path = tmp_path_factory.mktemp("fuzz") / "schemathesis.toml"
    path.write_text(text + "\n")
    config = SchemathesisConfig.from_path(str(path))
    found = {}
    for service in fuzzed_services():
        spec = json.loads((REPO / "services" / service / "openapi.json").read_text())
        schema = schemathesis.openapi.from_dict(spec, config=config)
        for result in schema.get_all_operations():
            operation = result.ok()
            checks = schema.config.checks_config_for(operation=operation, phase="stateful")
            found[service, f"{operation.method.upper()} {operation.path}"] = set(
                checks.positive_data_acceptance.expected_statuses)
    return found


def test_throttled_sign_in_is_allowed_there_only(expected_statuses):
    assert "429" in expected_statuses["intake", "POST /auth/token"]
    assert "429" not in expected_statuses["intake", "POST /dossiers"]


def test_a_block_with_a_method_leaves_the_other_methods_alone(expected_statuses):
    # "POST /dossiers" may meet a rule the schema cannot say (422) and a conflict (409); a GET of one dossier
    # is not in that block, nor in the cursor block (which ends at the collection)
    assert {"409", "422"} <= expected_statuses["intake", "POST /dossiers"]
    assert "422" not in expected_statuses["intake", "GET /dossiers/{dossier_id}"]
    assert "409" not in expected_statuses["intake", "GET /dossiers"]
    assert "422" in expected_statuses["intake", "GET /dossiers"]


def test_commands_on_a_dossier_only(expected_statuses):
    commands = {key for key, statuses in expected_statuses.items()
                if key[0] == "workflow" and key[1].startswith("POST /dossiers/{dossier_id}/")}
    assert commands and all("422" in expected_statuses[key] for key in commands)
    assert "422" not in expected_statuses["intake", "POST /accounts/applicants"]
