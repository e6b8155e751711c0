"""``gqlmon init``, invalid configuration (exit 2, one line naming the key) and secrets from ``${VAR}``."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from monitor.adapters.store import Store
from monitor.settings.example import EXAMPLE_CONFIG
from monitor.settings.loading import load_settings
from monitor.settings.models import TargetConfig
from tests.cli.conftest import Drifted, Workspace, closed_port_url, target
from tests.servers.demo import DemoServer


def test_init_writes_a_commented_example_that_loads(ws: Workspace) -> None:
    path = ws.root / "monitor.toml"
    result = ws.run("init", str(path), no_config=True)

    assert result.code == 0, result
    assert result.out.startswith(f"wrote {path}")
    text = path.read_text(encoding="utf-8")
    assert text == EXAMPLE_CONFIG
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 20  # commented
    settings = load_settings(path, env={})
    assert [t.name for t in settings.targets] == ["demo"]
    demo = settings.targets[0]
    assert demo.contracts_dir == ws.root / "contracts" / "demo"  # relative to the file, not the cwd
    assert settings.state == f"sqlite:///{ws.root / '.gqlmon' / 'state.db'}"
    assert settings.reports_dir == ws.root / "reports"
    assert settings.fail_on == "breaking"


def test_init_refuses_to_overwrite_without_force(ws: Workspace) -> None:
    path = ws.root / "monitor.toml"
    path.write_text("# mine\n", encoding="utf-8")

    refused = ws.run("init", str(path), no_config=True)
    assert refused.code == 2, refused
    assert refused.err_lines == [f"gqlmon: error: {path} already exists (use --force to overwrite)"]
    assert path.read_text(encoding="utf-8") == "# mine\n"

    forced = ws.run("init", str(path), "--force", no_config=True)
    assert forced.code == 0, forced
    assert path.read_text(encoding="utf-8") == EXAMPLE_CONFIG


def test_init_default_path_is_monitor_toml_in_the_current_directory(ws: Workspace) -> None:
    result = ws.run("init", no_config=True)
    assert result.code == 0, result
    assert (ws.root / "monitor.toml").read_text(encoding="utf-8") == EXAMPLE_CONFIG


def test_init_into_a_new_directory_does_not_crash(ws: Workspace) -> None:
    path = ws.root / "sub" / "dir" / "monitor.toml"
    result = ws.run("init", str(path), no_config=True)
    assert "Traceback" not in result.err, result
    assert result.code in (0, 2), result
    if result.code == 0:
        assert path.read_text(encoding="utf-8") == EXAMPLE_CONFIG
    else:
        assert len(result.err_lines) == 1


def test_the_example_checks_the_demo_once_its_port_is_set(ws: Workspace, demo_api: DemoServer) -> None:
    path = ws.root / "monitor.toml"
    assert ws.run("init", str(path), no_config=True).code == 0
    path.write_text(
        path.read_text(encoding="utf-8").replace("http://127.0.0.1:8790/graphql", demo_api.graphql_url),
        encoding="utf-8",
    )
    ws.copy_contracts()

    result = ws.run("check")  # --config monitor.toml

    assert result.code == 0, result
    assert result.out.splitlines()[0].startswith("✔ demo: baseline snapshot ")
    assert result.out.splitlines()[0].endswith("; operations: 0 broken of 11")
    assert (ws.root / ".gqlmon" / "state.db").is_file()
    assert (ws.root / "reports" / "demo" / "latest.json").is_file()


def _uncommented(example: str) -> str:
    """The example with every commented-out TOML line (``# key = ...``, ``# [table]``) enabled."""
    out = []
    for line in example.splitlines():
        match = re.match(r"^# (\[\[?[\w.]+\]\]?|[A-Za-z_]+ = .*)$", line)
        out.append(match.group(1) if match else line)
    return "\n".join(out) + "\n"


def test_every_commented_out_setting_in_the_example_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(_uncommented(EXAMPLE_CONFIG), encoding="utf-8")
    env = {
        "SLACK_WEBHOOK_URL": "https://hooks.example.test/services/T0/B0/canary-hook",
        "SLACK_BOT_TOKEN": "xoxb-canary-bot-token-1234",
        "SPACELIFT_API_KEY_ID": "key-id-canary",
        "SPACELIFT_API_KEY_SECRET": "key-secret-canary",
        "GITHUB_TOKEN": "ghp_canarycanarycanarycanary",
        "MONITOR_MCP_TOKEN": "mcp-canary-token",
    }

    settings = load_settings(path, env=env)
    assert settings.mcp_token is not None and settings.run_timeout == 300 and settings.metrics_port == 9464
    assert settings.targets[0].live.enabled and settings.targets[0].live.max_examples == 25

    assert [t.name for t in settings.targets] == ["demo", "spacelift", "github"]
    spacelift, github = settings.targets[1], settings.targets[2]
    assert spacelift.auth.kind == "api_key_exchange"
    assert spacelift.auth.key_secret.get_secret_value() == "key-secret-canary"  # type: ignore[union-attr]
    assert spacelift.alert.unreachable_after == 3
    assert spacelift.rules.deprecated_removal_days == 90
    assert github.auth.kind == "github"
    assert settings.slack is not None and settings.slack.channel == "#api-changes"
    assert str(settings.public_url) == "https://ci.example.com/gqlmon"


def test_every_auth_kind_the_example_lists_is_valid() -> None:
    inline = re.findall(r"^#\s+(\{ kind = .*? \})", EXAMPLE_CONFIG, flags=re.MULTILINE)
    assert len(inline) >= 3
    kinds = []
    for text in inline:
        auth = tomllib.loads(f"auth = {text}")["auth"]
        config = TargetConfig.model_validate(
            {"name": "x", "url": "https://api.example.test/graphql", "auth": auth}
        )
        kinds.append(config.auth.kind)
    assert {"bearer", "oidc", "command"} <= set(kinds)


BAD_CONFIGS = [
    pytest.param(
        'stat = "sqlite:///x.db"\n', "stat: unknown key (did you mean 'state'?)", id="unknown-top-key"
    ),
    pytest.param(
        '[[targets]]\nname = "a"\nurl = "http://127.0.0.1:1/graphql"\nheader = {}\n',
        "targets[0].header: unknown key (did you mean 'headers'?)",
        id="unknown-target-key",
    ),
    pytest.param(
        '[[targets]]\nname = "a"\nurl = "not a url"\n',
        "targets[0].url: Input should be a valid URL",
        id="bad-url",
    ),
    pytest.param(
        '[[targets]]\nname = "a"\nurl = "ftp://example.test/graphql"\n',
        "targets[0].url: URL scheme should be 'http' or 'https'",
        id="non-http-url",
    ),
    pytest.param(
        '[[targets]]\nname = "a"\nurl = "http://127.0.0.1:1/graphql"\n'
        'auth = { kind = "bearer", token = "${GQLMON_TEST_UNSET_VAR}" }\n',
        "targets[0].auth.token: environment variable GQLMON_TEST_UNSET_VAR is not set",
        id="missing-var",
    ),
    pytest.param(
        '[[targets]]\nname = "a"\nurl = "http://127.0.0.1:1/graphql"\nschedule = "every tuesday"\n',
        "targets[0].schedule: ",
        id="bad-schedule",
    ),
    pytest.param(
        '[[targets]]\nname = "a"\nurl = "http://127.0.0.1:1/graphql"\n'
        '[[targets]]\nname = "a"\nurl = "http://127.0.0.1:2/graphql"\n',
        "targets[1].name: duplicate target name 'a'",
        id="duplicate-name",
    ),
    pytest.param(
        'fail_on = "sometimes"\n', "fail_on: Input should be 'breaking', 'dangerous' or 'never'", id="fail-on"
    ),
    pytest.param("state = \n", "invalid TOML", id="bad-toml"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS)
def test_invalid_configuration_is_one_line_naming_the_key_and_exit_2(
    ws: Workspace, text: str, expected: str
) -> None:
    ws.config.write_text(text, encoding="utf-8")

    result = ws.run("check")

    assert result.code == 2, result
    assert result.out == ""
    assert len(result.err_lines) == 1, result
    line = result.err_lines[0]
    assert line.startswith(f"gqlmon: error: {ws.config}: ")
    assert expected in line
    assert not (ws.root / "state.db").exists()  # nothing was started


@pytest.mark.parametrize("value", ["3", "true"])
def test_targets_that_are_not_a_list_is_one_line(ws: Workspace, value: str) -> None:
    ws.config.write_text(f"targets = {value}\n", encoding="utf-8")
    result = ws.run("check")
    assert result.code == 2, result
    assert result.err_lines == [f"gqlmon: error: {ws.config}: targets: expected a list, got {value}"]


def test_a_missing_config_file_is_one_line(ws: Workspace) -> None:
    result = ws.run("check", config=ws.root / "nope.toml")
    assert result.code == 2, result
    assert result.err_lines == [
        f"gqlmon: error: {ws.root / 'nope.toml'}: no such configuration file (create one with `gqlmon init`)"
    ]


def test_monitor_config_variable_names_the_file(ws: Workspace) -> None:
    ws.config.write_text('stat = "x"\n', encoding="utf-8")
    result = ws.run("check", no_config=True, env={"MONITOR_CONFIG": str(ws.config)})
    assert result.code == 2, result
    assert result.err_lines == [f"gqlmon: error: {ws.config}: stat: unknown key (did you mean 'state'?)"]


CANARY = "canary-Zq8vX2-secret-value"
CANARY_HEADER = "canary-header-Kp3wR7-value"


def test_an_invalid_secret_value_is_masked_in_the_error(ws: Workspace) -> None:
    ws.configure(target("a", "http://127.0.0.1:1/graphql", timeout="${GQLMON_TEST_TIMEOUT}"))
    result = ws.run("check", env={"GQLMON_TEST_TIMEOUT": CANARY})
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result
    assert "targets[0].timeout: expected a duration" in result.err
    assert "'***'" in result.err
    assert CANARY not in result.err + result.out


def _all_text(root: Path) -> str:
    """Every text file gqlmon wrote under ``root`` (reports, history, index), concatenated."""
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in {".json", ".md", ".html", ".xml"}
    )


def test_secrets_from_the_environment_are_never_echoed(ws: Workspace, demo_api: DemoServer) -> None:
    """Bearer token and a credential header from ${VAR}: checked against a demo that rejects the token (401)
    and against a dead port, with debug logging; neither secret appears in any output or report."""
    ws.configure(
        target(
            "locked",
            demo_api.graphql_url,
            headers={"X-Api-Key": "${GQLMON_TEST_HEADER}"},
            auth={"kind": "bearer", "token": "${GQLMON_TEST_TOKEN}"},
            retries=0,
        ),
        target(
            "down", closed_port_url(), auth={"kind": "bearer", "token": "${GQLMON_TEST_TOKEN}"}, retries=0
        ),
    )
    env = {"GQLMON_TEST_TOKEN": CANARY, "GQLMON_TEST_HEADER": CANARY_HEADER}

    ok = ws.run("-vv", "check", "locked", env=env)  # the token is not required yet: a baseline
    demo_api.switch(require_token=True)
    failed = ws.run("-vv", "check", "--all", "--format", "json", env=env)
    introspected = ws.run("-vv", "introspect", "locked", env=env)
    slack = ws.run(
        "report", "locked", "--run", failed.json["targets"][0]["run_id"], "--format", "slack", env=env
    )

    assert ok.code == 0, ok
    assert failed.code == 3, failed
    reports = {t["target"]: t for t in failed.json["targets"]}
    assert reports["locked"]["outcome"] == "failed" and "HTTP 401" in reports["locked"]["error"]
    assert reports["down"]["outcome"] == "failed" and "cannot reach the server" in reports["down"]["error"]
    assert '"level": "debug"' in failed.err  # debug logging was on, as JSON: stderr is not a terminal
    assert introspected.code == 2 and introspected.err_lines[-1].startswith("gqlmon: error: locked: ")
    assert slack.code == 0, slack
    store = Store.open(f"sqlite:///{ws.root / 'state.db'}", create=False)
    try:
        stored = [
            store.get_run(name, r.id).report for name in ("locked", "down") for r in store.list_runs(name)
        ]
    finally:
        store.close()
    assert len(stored) == 3
    everything = "\n".join(
        [*(r.out + r.err for r in (ok, failed, introspected, slack)), json.dumps(stored), _all_text(ws.root)]
    )
    assert CANARY not in everything
    assert CANARY_HEADER not in everything


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("check",), "nothing to check: no configuration file found"),
        (("run", "--once"), "no configuration file found"),
        (("report", "github"), "unknown target 'github': no configuration file found"),
        (("history", "github"), "unknown target 'github': no configuration file found"),
        (("validate", "github"), "unknown target 'github': no configuration file found"),
    ],
    ids=["check", "run", "report", "history", "validate"],
)
def test_no_configuration_file_found_says_so_and_where_it_looked(
    ws: Workspace, args: tuple[str, ...], expected: str
) -> None:
    result = ws.run(*args, no_config=True)
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result
    line = result.err_lines[0]
    assert line.startswith(f"gqlmon: error: {expected} (no --config given, $MONITOR_CONFIG not set, ")
    assert f"no monitor.toml in {ws.root}" in line and "gqlmon init" in line


@pytest.mark.parametrize("command", ["report", "history", "check", "ack"])
def test_a_mistyped_target_is_an_unknown_target_with_a_suggestion(drifted: Drifted, command: str) -> None:
    args = [command, "demoo"] + (["0123abcd"] if command == "ack" else [])
    result = drifted.ws.run(*args)
    assert result.code == 2, result
    assert result.err_lines == [
        "gqlmon: error: unknown target 'demoo' (did you mean 'demo'? known: demo); "
        "add it to monitor.toml or pass a URL"
    ]


def test_a_stored_target_that_is_no_longer_configured_still_has_its_report(drifted: Drifted) -> None:
    other = drifted.ws.root / "other.toml"
    drifted.ws.configure(target("api", "http://127.0.0.1:9/graphql"), path=other)
    report = drifted.ws.run("report", "demo", "--format", "json", config=other)
    assert report.code == 0, report
    assert report.json["target"] == "demo"
    typo = drifted.ws.run("history", "dmeo", config=other)
    assert typo.err_lines == [
        "gqlmon: error: unknown target 'dmeo' (did you mean 'demo'? known: api, demo); "
        "add it to monitor.toml or pass a URL"
    ]


def test_several_problems_are_one_line_each_at_the_users_key(ws: Workspace) -> None:
    ws.config.write_text(
        '[[targets]]\nname = "github"\nurl = "https://api.github.com/graphql"\nschedul = "5m"\n'
        'auth = { kind = "bearer", tokn = "x" }\n',
        encoding="utf-8",
    )
    result = ws.run("history", "github")
    assert result.code == 2, result
    assert result.err_lines == [
        f"gqlmon: error: {ws.config}: 3 problems: targets[0].schedul: unknown key (did you mean 'schedule'?); "
        "targets[0].auth.tokn: unknown key (did you mean 'token'?); targets[0].auth.token: missing (required)"
    ]
