"""Configuration: expansion of secrets from the environment, one-line errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.redact import redact
from monitor.settings import ApiKeyExchangeAuth, BearerAuth, load_settings, parse_duration, parse_schedule

CANARY = "canary-3c1f9a7e5b"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(text)
    return path


def test_full_example_loads_with_env_secrets(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
state = "sqlite:///state/state.db"
reports_dir = "out"
[slack]
webhook_url = "${HOOK}"
[[targets]]
name = "spacelift"
url = "https://example.app.spacelift.io/graphql"
schedule = "*/15 * * * *"
headers = { "X-Api-Key" = "${API_KEY}" }
auth = { kind = "api_key_exchange", key_id_env = "KEY_ID", key_secret = "${KEY_SECRET}" }
[targets.rules]
deprecated_removal_days = 30
""",
    )
    env = {
        "HOOK": "https://hooks.slack.com/services/T/B/X",
        "API_KEY": CANARY,
        "KEY_ID": "id-1234",
        "KEY_SECRET": "s3cr3t-value",
    }
    settings = load_settings(path, env)
    target = settings.target("spacelift")
    assert isinstance(target.auth, ApiKeyExchangeAuth)
    assert target.auth.key_secret.get_secret_value() == "s3cr3t-value"
    assert target.header_values() == {"X-Api-Key": CANARY}
    assert target.rules.deprecated_removal_days == 30
    assert target.contracts_dir == tmp_path / "contracts" / "spacelift"
    assert settings.state == f"sqlite:///{tmp_path / 'state/state.db'}"
    assert settings.reports_dir == tmp_path / "out"
    # Secrets never show in the model's repr and are masked in any text.
    assert CANARY not in repr(settings)
    assert "s3cr3t-value" not in repr(settings)
    assert redact(f"header was {CANARY}") == "header was ***"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[[targets]]\nname = "a"\nurl = "ftp://x"\n',
            "targets[0].url: URL scheme should be 'http' or 'https'",
        ),
        ('[[targets]]\nname = "../etc"\nurl = "http://x"\n', "targets[0].name: use letters, digits"),
        ('[[targets]]\nname = "a"\nurl = "http://x"\nschedule = "5 bananas"\n', "targets[0].schedule"),
        ('[[targets]]\nname = "a"\nurl = "http://x"\ntimeout = "-3s"\n', "targets[0].timeout"),
        ('[[targets]]\nname = "a"\nurl = "http://x"\ncolour = "red"\n', "targets[0].colour: unknown key"),
        ('[[targets]]\nname = "a"\nurl = "http://x"\nauth = { kind = "magic" }\n', "targets[0].auth"),
        (
            '[[targets]]\nname = "a"\nurl = "http://x"\n[[targets]]\nname = "a"\nurl = "http://y"\n',
            "duplicate target name 'a'",
        ),
        (
            '[[targets]]\nname = "a"\nurl_env = "MISSING_URL"\n',
            "targets[0].url_env: environment variable MISSING_URL is not set",
        ),
        (
            '[[targets]]\nname = "a"\nurl = "${NOPE}"\n',
            "targets[0].url: environment variable NOPE is not set",
        ),
        ("state = [\n", "invalid TOML"),
    ],
)
def test_invalid_config_is_one_line_naming_the_key(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    message = str(info.value)
    assert expected in message
    assert "\n" not in message
    assert message.startswith(str(path))


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="gqlmon init"):
        load_settings(tmp_path / "nope.toml", {})


def test_env_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'state = "sqlite:///a.db"\nconcurrency = 2\n')
    settings = load_settings(path, {"MONITOR_CONCURRENCY": "5"})
    assert settings.concurrency == 5


def test_bearer_secret_from_env_reference(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[[targets]]\nname = "g"\nurl = "http://x"\nauth = { kind = "bearer", token = "${TOK}" }\n'
    )
    auth = load_settings(path, {"TOK": CANARY}).targets[0].auth
    assert isinstance(auth, BearerAuth)
    assert auth.token.get_secret_value() == CANARY
    assert CANARY not in str(auth)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30", 30.0), ("30s", 30.0), ("5m", 300.0), ("250ms", 0.25), ("1h", 3600.0), (2, 2.0)],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_schedules() -> None:
    assert parse_schedule("15m") == ("interval", 900.0)
    assert parse_schedule("*/5 * * * *") == ("cron", "*/5 * * * *")
    with pytest.raises(ValueError, match="cron"):
        parse_schedule("61 * * * *")


def test_init_template_is_valid(tmp_path: Path) -> None:
    from monitor.example_config import EXAMPLE_CONFIG

    path = write(tmp_path, EXAMPLE_CONFIG)
    settings = load_settings(path, {})
    assert [t.name for t in settings.targets] == ["demo"]
