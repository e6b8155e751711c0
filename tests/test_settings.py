"""Configuration: expansion of secrets from the environment, one-line errors naming the key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import ConfigError
from monitor.settings.envrefs import MissingEnvError, UnsetSecret, unset_secrets
from monitor.settings.loading import load_settings
from monitor.settings.models import ApiKeyExchangeAuth, BearerAuth
from monitor.settings.parsing import parse_duration, parse_schedule
from monitor.support import redact as redaction
from monitor.support.redact import redact

CANARY = "canary-3c1f9a7e5b"


@pytest.fixture(autouse=True)
def _forget_registered_values() -> Iterator[None]:
    """These tests resolve made-up values from the environment, which loading registers with the
    process-wide redactor; forget them after each test, or a later test's ordinary text (a header value
    such as ``platform``) comes out masked."""
    saved = set(redaction._secrets), redaction._pattern
    yield
    with redaction._lock:
        redaction._secrets.clear()
        redaction._secrets.update(saved[0])
        redaction._pattern = saved[1]


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
    from monitor.settings.example import EXAMPLE_CONFIG

    path = write(tmp_path, EXAMPLE_CONFIG)
    settings = load_settings(path, {})
    assert [t.name for t in settings.targets] == ["demo"]


# ------------------------------------------------------------------ unset variables: lazy credentials


LAZY = """
mcp_token_env = "GQLMON_T_MCP"
[slack]
webhook_url = "${GQLMON_T_HOOK}"
[[targets]]
name = "github"
url = "https://api.github.com/graphql"
headers = { "X-Key" = "${GQLMON_T_A}-${GQLMON_T_B:-b}", "User-Agent" = "gqlmon" }
auth = { kind = "github", token_env = "GQLMON_T_TOKEN" }
[[targets]]
name = "public"
url = "https://api.example.test/graphql"
"""


def test_a_credential_whose_variable_is_unset_loads_and_fails_only_when_read(tmp_path: Path) -> None:
    path = write(tmp_path, LAZY)
    settings = load_settings(path, {})
    github, public = settings.targets

    assert isinstance(github.auth.token, UnsetSecret)  # type: ignore[union-attr]
    assert repr(github.auth) == "GitHubAuth(kind='github', token=UnsetSecret('**********'))"
    assert github == load_settings(path, {}).targets[0]  # compares without reading the secret
    assert public.header_values() == {}  # another target's variables are not needed
    settings.require_env(public)
    with pytest.raises(MissingEnvError) as read:
        github.auth.token.get_secret_value()  # type: ignore[union-attr]
    assert (
        str(read.value)
        == f"{path}: targets[0].auth.token_env: environment variable GQLMON_T_TOKEN is not set"
    )
    with pytest.raises(MissingEnvError) as headers:
        github.header_values()
    assert headers.value.variables == ("GQLMON_T_A", "GQLMON_T_TOKEN")  # all of the target's, at once
    with pytest.raises(MissingEnvError) as everything:
        settings.require_env(*settings.targets, slack=True)
    assert str(everything.value) == (
        f"{path}: targets[0].headers.X-Key: environment variable GQLMON_T_A is not set; "
        "targets[0].auth.token_env: environment variable GQLMON_T_TOKEN is not set; "
        "slack.webhook_url: environment variable GQLMON_T_HOOK is not set"
    )
    assert [s.missing.key for s in unset_secrets(settings)] == [
        "slack.webhook_url",
        "targets[0].headers.X-Key",
        "targets[0].auth.token_env",
        "mcp_token_env",
    ]


def test_set_variables_resolve_and_are_masked(tmp_path: Path) -> None:
    env = {"GQLMON_T_A": "a-canary-81d3", "GQLMON_T_TOKEN": CANARY, "GQLMON_T_HOOK": "hook-canary-2b7e"}
    settings = load_settings(write(tmp_path, LAZY), env)
    github = settings.targets[0]

    assert github.header_values() == {"X-Key": "a-canary-81d3-b", "User-Agent": "gqlmon"}
    assert github.auth.token.get_secret_value() == CANARY  # type: ignore[union-attr]
    settings.require_env(*settings.targets, slack=True)
    assert redact(f"{CANARY} a-canary-81d3 hook-canary-2b7e") == "*** *** ***"
    assert [s.missing.key for s in unset_secrets(settings)] == ["mcp_token_env"]


def test_a_missing_variable_outside_credentials_fails_at_load_with_every_other_problem(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        '[[targets]]\nname = "a"\nurl = "${GQLMON_T_URL}"\nschedule_env = "GQLMON_T_SCHEDULE"\n'
        'contracts = "${GQLMON_T_DIR}/ops"\ntimeout = "soon"\n',
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert str(info.value) == (
        f"{path}: 4 problems: targets[0].url: environment variable GQLMON_T_URL is not set; "
        "targets[0].schedule_env: environment variable GQLMON_T_SCHEDULE is not set; "
        "targets[0].contracts: environment variable GQLMON_T_DIR is not set; "
        "targets[0].timeout: expected a duration such as '30s', '5m' or '1h', got 'soon'"
    )


# ------------------------------------------------------------------ problems: all at once, at the user's keys

UNKNOWN_KEYS = [
    ('stat = "x"\n', "stat: unknown key (did you mean 'state'?)"),
    (
        '[[targets]]\nname = "a"\nurl = "http://x"\nschedul = "5m"\n',
        "targets[0].schedul: unknown key (did you mean 'schedule'?)",
    ),
    (
        '[[targets]]\nname = "a"\nurl = "http://x"\nauth = { kind = "bearer", tokn_env = "T" }\n',
        "targets[0].auth.tokn_env: unknown key (did you mean 'token_env'?)",
    ),
    (
        '[[targets]]\nname = "a"\nurl = "http://x"\nauth = { kind = "api_key_exchange", key_id = "i", '
        'key_secret = "s", exchang_url = "http://y" }\n',
        "targets[0].auth.exchang_url: unknown key (did you mean 'exchange_url'?)",
    ),
    (
        '[[targets]]\nname = "a"\nurl = "http://x"\n[targets.alert]\nonn = "any"\n',
        "targets[0].alert.onn: unknown key (did you mean 'on'?)",
    ),
    (
        '[slack]\nwebhok_url = "https://hooks.example.test/x"\n',
        "slack.webhok_url: unknown key (did you mean 'webhook_url'?)",
    ),
    ("zzz = 1\n", "zzz: unknown key (known keys: codegen, concurrency, "),
]


@pytest.mark.parametrize(("body", "expected"), UNKNOWN_KEYS)
def test_an_unknown_key_suggests_the_closest(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, body), {})
    assert expected in str(info.value)


def test_every_problem_is_reported_at_once_in_file_order_without_internal_paths(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """fail_on = "sometimes"
[[targets]]
name = "a"
url = "http://x"
schedul = "5m"
auth = { kind = "bearer", token = 3 }
[[targets]]
name = "b"
url = "ftp://y"
auth = { kind = "oidc" }
""",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    message = str(info.value)
    assert message == (
        f"{path}: 5 problems: fail_on: Input should be 'breaking', 'dangerous' or 'never'; "
        "targets[0].schedul: unknown key (did you mean 'schedule'?); "
        "targets[0].auth.token: expected a string, got 3; "
        "targets[1].url: URL scheme should be 'http' or 'https'; "
        "targets[1].auth: set exactly one of token_file or token_env for the identity token"
    )
    assert "bearer" not in message and "oidc" not in message and "function-after" not in message


def test_settings_never_swap_the_process_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (issue 13): building Settings with a given env used to clear and refill os.environ,
    which another thread could observe half-done. Now a changed os.environ is an error."""

    class Untouchable(dict[str, str]):
        locked = False

        def _refuse(self, name: str, *args: object) -> Any:
            if self.locked:
                raise AssertionError(f"os.environ.{name}() was called while loading settings")
            return getattr(super(), name)(*args)

        def __setitem__(self, *args: object) -> None:
            self._refuse("__setitem__", *args)

        def __delitem__(self, *args: object) -> None:
            self._refuse("__delitem__", *args)

        def clear(self) -> None:
            self._refuse("clear")

        def update(self, *args: object, **kwargs: object) -> None:
            self._refuse("update", *args, *kwargs.items())

        def pop(self, *args: object) -> Any:
            return self._refuse("pop", *args)

    environ = Untouchable({"MONITOR_CONCURRENCY": "7", "PATH": "/bin"})
    monkeypatch.setattr(os, "environ", environ)
    path = write(tmp_path, "concurrency = 2\n")

    environ.locked = True
    try:
        given = load_settings(path, {"MONITOR_CONCURRENCY": "5"}).concurrency
        empty = load_settings(path, {}).concurrency
        own = load_settings(path).concurrency  # os.environ itself, when no mapping is given
    finally:
        environ.locked = False
    assert (given, empty, own) == (5, 2, 7)


def test_concurrent_loads_each_see_their_own_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "concurrency = 1\n")

    def load(value: int) -> int:
        return load_settings(path, {"MONITOR_CONCURRENCY": str(value)}).concurrency

    before = dict(os.environ)
    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(load, [2 + i % 50 for i in range(400)]))
    assert seen == [2 + i % 50 for i in range(400)]
    assert dict(os.environ) == before


def test_an_unknown_target_names_the_closest_and_says_when_there_is_no_file(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[[targets]]\nname = "github"\nurl = "http://x"\n'), {})
    with pytest.raises(ConfigError) as typo:
        settings.target("gihtub")
    assert str(typo.value) == (
        "unknown target 'gihtub' (did you mean 'github'? known: github); add it to monitor.toml or pass a URL"
    )
    empty = load_settings(None, {})
    with pytest.raises(ConfigError) as nothing:
        empty.target("github")
    assert str(nothing.value).startswith(
        "unknown target 'github': no configuration file found (no --config given, $MONITOR_CONFIG not set, "
    )
    assert "gqlmon init" in str(nothing.value)


def test_defaults_stand_in_for_unset_variables_and_odd_keys_are_quoted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[targets]]\nname = "a"\nurl = "${GQLMON_T_HOST:-http://127.0.0.1:1}/graphql"\n'
        'headers = { "X-Team" = "${GQLMON_T_TEAM:-platform}", "X Odd.Key" = "${GQLMON_T_ODD}" }\n',
    )
    target = load_settings(path, {}).targets[0]
    assert str(target.url) == "http://127.0.0.1:1/graphql"
    with pytest.raises(MissingEnvError) as info:
        target.header_values()
    assert (
        str(info.value)
        == f'{path}: targets[0].headers."X Odd.Key": environment variable GQLMON_T_ODD is not set'
    )
    assert load_settings(path, {"GQLMON_T_ODD": "odd-value-1"}).targets[0].header_values() == {
        "X-Team": "platform",
        "X Odd.Key": "odd-value-1",
    }
