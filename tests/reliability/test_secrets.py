"""Secrets: canary tokens configured through every auth kind, a header and the Slack webhook URL never
appear in logs, stderr, reports, alerts, error messages or the stored snapshots and runs.

The API is real and hostile to secrets: ``/disabled`` echoes the bearer token in its error message and
the key exchange echoes a wrong secret, so a leak would be a redaction bug, not luck.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from monitor.adapters.store import Store
from monitor.runtime.batch import check_targets
from monitor.settings.loading import load_settings
from monitor.support.redact import RedactingFilter
from tests.reliability.figures import FIGURES
from tests.reliability.slack_sink import WEBHOOK_PATH, SlackSink
from tests.servers.faulty import KEY_ID, KEY_SECRET, FaultyApp, RunningServer

pytestmark = pytest.mark.anyio

CANARIES = {
    "BEARER": "canary-bearer-9f1c2e7a",
    "BEARER_ECHOED": "canary-bearer-echoed-41d0",
    "GITHUB": "ghp_canaryGithubTokenAAAAAAAAAAAAAAAA",
    "KEY_ID": KEY_ID,
    "KEY_SECRET": KEY_SECRET,
    "WRONG_SECRET": "canary-wrong-secret-77aa",
    "OIDC": "canary-oidc-identity-3b7d",
    "OIDC_FILE": "canary-oidc-file-8e2a",
    "COMMAND": "canary-command-token-5c9b",
    "HEADER": "canary-header-key-2a4f",
    "QUERY_TOKEN": "canary-query-token-6e1b",
}
AUTH_KINDS = ("bearer", "github", "api_key_exchange", "oidc", "command", "header", "URL query token")
OIDC_MUTATION = "mutation Login($token: String!) { oidcLogin(token: $token) { accessToken expiresAt } }"


def _config(tmp_path: Path, api: RunningServer, webhook: str) -> Path:
    token_file = tmp_path / "oidc-token"
    token_file.write_text(CANARIES["OIDC_FILE"] + "\n")
    secure, echo = api.url("/secure"), api.url("/disabled")
    command = json.dumps([sys.executable, "-c", f"print({CANARIES['COMMAND']!r})"])
    targets = [
        ("bearer-ok", secure, 'auth = { kind = "bearer", token = "${BEARER}" }'),
        ("bearer-echoed", echo, 'auth = { kind = "bearer", token = "${BEARER_ECHOED}" }'),
        ("github", echo, 'auth = { kind = "github", token = "${GITHUB}" }'),
        (
            "exchange-ok",
            secure,
            'auth = { kind = "api_key_exchange", key_id = "${KEY_ID}", key_secret = "${KEY_SECRET}" }',
        ),
        (
            "exchange-refused",
            secure,
            'auth = { kind = "api_key_exchange", key_id = "${KEY_ID}", key_secret = "${WRONG_SECRET}" }',
        ),
        (
            "oidc-exchange",
            secure,
            f'auth = {{ kind = "oidc", token = "${{OIDC}}", exchange_mutation = "{OIDC_MUTATION}", '
            'token_path = "oidcLogin.accessToken", expires_path = "oidcLogin.expiresAt" }',
        ),
        ("oidc-file", echo, f'auth = {{ kind = "oidc", token_file = "{token_file}" }}'),
        ("command", echo, f'auth = {{ kind = "command", command = {command} }}'),
        (
            "header",
            echo,
            'headers = { "X-Api-Key" = "${HEADER}", "Authorization" = "Bearer ${BEARER_ECHOED}" }',
        ),
        ("query-token", echo + "?api_key=${QUERY_TOKEN}", ""),
    ]
    lines = [
        f'state = "sqlite:///{tmp_path / "state.db"}"',
        f'reports_dir = "{tmp_path / "reports"}"',
        "[slack]",
        'webhook_url = "${SLACK_WEBHOOK_URL}"',
    ]
    for name, url, auth in targets:
        lines += ["[[targets]]", f'name = "{name}"', f'url = "{url}"', "retries = 0", 'timeout = "5s"', auth]
        lines += ["[targets.alert]", 'on = "any"', "unreachable_after = 2"]
    path = tmp_path / "monitor.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _environment(webhook: str) -> dict[str, str]:
    return {**CANARIES, "SLACK_WEBHOOK_URL": webhook}


def _secrets(app: FaultyApp, webhook: str) -> list[str]:
    """Every canary, the webhook URL and its secret path, and every token the API issued."""
    issued = list(app.issued)
    return [*CANARIES.values(), webhook, WEBHOOK_PATH, *issued]


def _store_text(state: Path) -> str:
    """Every row of every table, compressed blobs inflated."""
    store = Store.open(f"sqlite:///{state}")
    parts: list[str] = []
    try:
        meta = MetaData()
        meta.reflect(store.engine)
        with store.engine.begin() as conn:
            for table in meta.sorted_tables:
                for row in conn.execute(select(table)):
                    for value in row:
                        if isinstance(value, bytes):
                            try:
                                value = zlib.decompress(value).decode()
                            except zlib.error:
                                value = value.decode("latin-1")
                        parts.append(str(value))
    finally:
        store.close()
    return "\n".join(parts)


def _files_text(root: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(root.rglob("*")) if p.is_file())


def _leaks(places: dict[str, str], secrets: list[str]) -> list[str]:
    return [
        f"{secret!r} in {place}" for place, text in places.items() for secret in secrets if secret in text
    ]


async def test_canaries_never_leak_in_process(
    api: FaultyApp,
    api_server: RunningServer,
    slack: SlackSink,
    slack_server: RunningServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter())  # as every handler gqlmon installs (cli.py, logs.py)
    api.valid_tokens = {CANARIES["BEARER"]}
    api.identity_tokens = {CANARIES["OIDC"]}
    webhook = slack_server.url(WEBHOOK_PATH)
    settings = load_settings(_config(tmp_path, api_server, webhook), env=_environment(webhook))
    store = Store.open(settings.state)
    outcomes = []
    try:
        for _ in range(3):  # baseline, unchanged; failures alert "unreachable" on the second
            outcomes += await check_targets(settings, settings.targets, store)
    finally:
        store.close()
    by_target = {o.report.target: o.report.outcome for o in outcomes[-len(settings.targets) :]}
    assert by_target["bearer-ok"] == by_target["exchange-ok"] == by_target["oidc-exchange"] == "unchanged"
    for name in (
        "bearer-echoed",
        "github",
        "exchange-refused",
        "oidc-file",
        "command",
        "header",
        "query-token",
    ):
        assert by_target[name] == "failed", (name, by_target[name])
    assert api.issued, "the exchanges issued tokens"
    assert len(slack.delivered) >= 6, "every failing target alerted (the alert text carries the error)"

    places = {
        "logs": caplog.text,
        "errors": "\n".join(o.report.error or "" for o in outcomes),
        "reports (in memory)": "\n".join(json.dumps(o.report.to_dict()) for o in outcomes),
        "published reports": _files_text(tmp_path / "reports"),
        "store (snapshots, runs, changes, outbox)": _store_text(tmp_path / "state.db"),
        "Slack messages": json.dumps(slack.delivered),
    }
    assert not _leaks(places, _secrets(api, webhook))
    assert "***" in places["errors"], "the echoed tokens were there to leak, and were masked"
    FIGURES.secrets = {
        "canaries": len(CANARIES) + 1 + len(api.issued),
        "auth_kinds": len(AUTH_KINDS),
        "places": len(places) + 1,
    }


def test_canaries_never_leak_from_the_cli(
    api: FaultyApp, api_server: RunningServer, slack_server: RunningServer, tmp_path: Path
) -> None:
    api.valid_tokens = {CANARIES["BEARER"]}
    api.identity_tokens = {CANARIES["OIDC"]}
    webhook = slack_server.url(WEBHOOK_PATH)
    config = _config(tmp_path, api_server, webhook)
    env = {**os.environ, **_environment(webhook)}
    output = []
    for args in (["-vv", "check"], ["report", "exchange-refused", "-f", "text"]):
        result = subprocess.run(
            [sys.executable, "-m", "monitor", "-c", str(config), *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert "Traceback" not in result.stderr, result.stderr[-1000:]
        output.append(result.stdout + result.stderr)
    text = "\n".join(output)
    assert "exchange-refused" in text and "***" in text
    assert not _leaks({"CLI output and -vv logs": text}, _secrets(api, webhook))
