"""``gqlmon --config FILE mcp`` (the README's ``claude mcp add`` line) starts with only the store: none of
the target's or Slack's variables set. Every tool over the store answers; execute_query and the auth guide
say which variables are missing (issue 12 section 5, issue 14 section 3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.mcp.conftest import ROOT, SECRETS, TOOLS, World, call, refused

pytestmark = pytest.mark.anyio

#: What the world's monitor.toml references and this server's environment does not set.
UNSET = ("GQLMON_TEST_CANARY", "GQLMON_TEST_KEY_ID", "GQLMON_TEST_KEY_SECRET")


def config_with_slack(world: World, tmp_path: Path) -> Path:
    """The world's configuration (same store, absolute) plus a Slack webhook from the environment."""
    text = world.config.read_text(encoding="utf-8")
    text = text.replace('"sqlite:///state.db"', f'"sqlite:///{world.state}"')
    text = text.replace('reports_dir = "reports"', f'reports_dir = "{world.root / "reports"}"')
    config = tmp_path / "monitor.toml"
    config.write_text(text + '\n[slack]\nwebhook_url = "${SLACK_WEBHOOK_URL}"\n', encoding="utf-8")
    return config


async def test_gqlmon_mcp_starts_and_answers_without_any_secret(world: World, tmp_path: Path) -> None:
    config = config_with_slack(world, tmp_path)
    # The SDK passes only these (plus a few such as PATH and HOME): no target, MCP or Slack variable.
    env = {"PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "monitor", "--config", str(config), "mcp"], env=env, cwd=str(ROOT)
    )
    with (tmp_path / "stderr.txt").open("w+") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            assert {t.name for t in (await client.list_tools()).tools} == set(TOOLS)
            commit = await call(client, "get_type", target="demo", name="Commit")
            assert "hash: String!" in commit["sdl"]
            hits = await call(client, "search_schema", target="demo", query="git commit")
            assert hits["hits"][0]["coordinate"] == "Commit"
            targets = await call(client, "list_targets")
            assert targets["targets"][0]["snapshot"] == world.second
            report = await call(client, "get_drift_report", target="demo", run=world.second_run)
            assert report["summary"]["breaking"] >= 3

            live = await refused(client, "execute_query", target="demo", query="{ stacks(first: 1) { id } }")
            guide = await call(client, "get_authentication_guide", target="demo")
        errlog.seek(0)
        logged = errlog.read()

    # One line naming every variable the request would need, at the keys the file uses.
    assert "\n" not in live
    assert all(name in live for name in UNSET), live
    assert "targets[0].auth.key_secret: environment variable GQLMON_TEST_KEY_SECRET is not set" in live
    assert "SLACK_WEBHOOK_URL" not in live  # not needed to run a query
    assert guide["method"] == "api_key_exchange"
    assert guide["python_example"] and guide["steps"]
    assert all(name in guide["note"] for name in UNSET), guide["note"]
    assert "execute_query cannot call demo" in guide["note"]
    assert "Traceback" not in logged and "is not set" not in logged
    assert not any(secret in logged + live for secret in SECRETS)


def test_mcp_over_http_refuses_to_start_when_its_token_variable_is_unset(
    world: World, tmp_path: Path
) -> None:
    """The token guards the HTTP endpoint: an unset variable must not serve it unguarded, even on loopback."""
    config = config_with_slack(world, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "GQLMON_TEST_", "SLACK_"))}
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "mcp", "--http", "--port", "0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"gqlmon: error: {config}: mcp_token: environment variable GQLMON_TEST_MCP_TOKEN is not set"
    ]
