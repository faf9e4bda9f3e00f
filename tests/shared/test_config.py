"""Configuration: one place, environment variables, documented defaults."""

from __future__ import annotations

import re

import pytest

from shared.config import ConfigError, Settings, documented_variables
from tools.devstack.paths import REPO


def test_settings_are_read_from_the_environment_with_types():
    settings = Settings.from_env({"KAFKA_TOPIC_PARTITIONS": "6", "SMTP_STARTTLS": "yes",
                                  "CONSUMER_RETRY_DELAY_SECONDS": "2.5", "MONGO_DB_PREFIX": "tinh"})
    assert settings.kafka_topic_partitions == 6 and settings.smtp_starttls is True
    assert settings.consumer_retry_delay_seconds == 2.5
    assert settings.database_name("intake") == "tinh_intake"
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env(settings.as_env()) == settings


@pytest.mark.parametrize(("env", "message"), [
    ({"KAFKA_TOPIC_PARTITIONS": "three"}, "KAFKA_TOPIC_PARTITIONS='three' is not a valid int"),
    ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS='maybe' is not a valid bool"),
    ({"MOTCUA_ENV": "staging"}, "MOTCUA_ENV must be one of"),
])
def test_a_bad_value_names_the_variable(env, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Settings.from_env(env)


def test_production_refuses_to_make_up_keys(tmp_path):
    from shared.auth.tokens import signing_key, verification_keys

    production = Settings(env="production", auth_dev_key_dir=str(tmp_path))
    with pytest.raises(ConfigError, match="AUTH_SIGNING_KEY_FILE"):
        signing_key(production)
    with pytest.raises(ConfigError, match="AUTH_VERIFY_KEY_FILES"):
        verification_keys(production)
    assert not any(tmp_path.iterdir())


def test_the_readme_documents_every_variable_with_its_default():
    readme = (REPO / "README.md").read_text()
    for name, default, _ in documented_variables():
        shown = "(empty)" if default == "" else f"`{str(default).lower() if isinstance(default, bool) else default}`"
        assert re.search(rf"^\| `{name}` \| {re.escape(shown)} \|", readme, re.MULTILINE), name
