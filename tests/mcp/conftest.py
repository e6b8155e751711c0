"""Fixtures for the MCP server tests: a real store filled by real checks of the real demo API.

``world`` (one per test module) writes a monitor.toml whose secrets come from the environment, starts from
an empty SQLite state, and runs :func:`monitor.runtime.service.run_check` twice against the session's demo API: at
schema v1 (the baseline) and at v2 (the drift). The API requires a token from its API-key exchange, so every
request (the checks, execute_query) goes through the configured authentication. The store then holds two
snapshots, a drift report with broken saved operations, and the change history the tools read.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.client import Client

from monitor.adapters.store import Store
from monitor.demo import DEMO_API_KEY_ID, DEMO_API_KEY_SECRET
from monitor.mcp import GqlmonMCP, create_app
from monitor.runtime.service import run_check
from monitor.settings.loading import load_settings
from monitor.settings.models import Settings
from tests.servers.demo import DemoServer

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts" / "demo"

#: Secrets the configuration reads from the environment; no answer may ever contain one of them.
CANARY = "canary-5f0c2a9e7d41b3"
MCP_TOKEN = "mcp-token-c8e1f7a2b94d06"
SECRETS = (CANARY, MCP_TOKEN, DEMO_API_KEY_SECRET)
ENV = {
    "GQLMON_TEST_CANARY": CANARY,
    "GQLMON_TEST_MCP_TOKEN": MCP_TOKEN,
    "GQLMON_TEST_KEY_ID": DEMO_API_KEY_ID,
    "GQLMON_TEST_KEY_SECRET": DEMO_API_KEY_SECRET,
}

TOOLS = (
    "list_targets",
    "get_schema",
    "search_schema",
    "get_type",
    "list_operations",
    "get_drift_report",
    "schema_changes",
    "coordinate_history",
    "validate_operation",
    "check_contracts",
    "get_authentication_guide",
    "execute_query",
    "generate_client",
)


@dataclass(frozen=True)
class World:
    """The demo API, the configuration and the store two checks filled."""

    api: DemoServer
    root: Path
    config: Path
    settings: Settings
    first: str  # snapshot id of schema v1
    second: str  # snapshot id of schema v2
    first_run: str
    second_run: str

    @property
    def state(self) -> Path:
        return self.root / "state.db"

    def store(self) -> Store:
        return Store.open(self.settings.state, create=False)


def write_config(root: Path, api_url: str, *, token: bool = True, name: str = "monitor.toml") -> Path:
    """A monitor.toml for the demo API: header and API key from the environment, plus an unchecked target."""
    token_line = 'mcp_token = "${GQLMON_TEST_MCP_TOKEN}"\n' if token else ""
    config = root / name
    config.write_text(
        f"""state = "sqlite:///state.db"
reports_dir = "reports"
{token_line}
[[targets]]
name = "demo"
url = "{api_url}"
schedule = "1m"
contracts = "{CONTRACTS}"
headers = {{ "X-Canary-Token" = "${{GQLMON_TEST_CANARY}}", "User-Agent" = "gqlmon" }}
auth = {{ kind = "api_key_exchange", key_id = "${{GQLMON_TEST_KEY_ID}}", key_secret = "${{GQLMON_TEST_KEY_SECRET}}" }}

[[targets]]
name = "idle"
url = "http://127.0.0.1:9/graphql"
contracts = "{CONTRACTS}"
""",
        encoding="utf-8",
    )
    return config


def check(settings: Settings, target: str = "demo") -> str:
    """One real check of ``target``; returns its run id."""

    async def run() -> str:
        store = Store.open(settings.state)
        try:
            outcome = await run_check(settings, settings.target(target), store)
        finally:
            store.close()
        assert not outcome.failed, outcome.report.error
        return outcome.report.run_id

    return anyio.run(run)


def build_world(api: DemoServer, root: Path) -> World:
    api.reset()
    api.switch(version="v1", require_token=True)
    config = write_config(root, api.graphql_url)
    settings = load_settings(config, env=ENV)
    first_run = check(settings)
    api.switch(version="v2")
    second_run = check(settings)
    store = Store.open(settings.state, create=False)
    try:
        history = store.snapshot_history("demo")
    finally:
        store.close()
    assert len(history) == 2
    return World(api, root, config, settings, history[0].id, history[1].id, first_run, second_run)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def world(demo_session_server: DemoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two checks of the demo API (v1, then v2, behind its API-key exchange) in a fresh store."""
    built = build_world(demo_session_server, tmp_path_factory.mktemp("mcp-world"))
    yield built
    demo_session_server.reset()


@pytest.fixture
def app(world: World) -> Iterator[GqlmonMCP]:
    built = create_app(world.settings)
    yield built
    built.catalog.close()


@pytest.fixture
async def client(app: GqlmonMCP) -> AsyncIterator[Client]:
    async with Client(app.server) as connected:
        yield connected


# ------------------------------------------------------------------------------------------- calling


class ToolFailed(AssertionError):
    pass


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """The structured answer of a successful call (checked to equal its JSON text)."""
    result = await client.call_tool(tool, arguments)
    text = getattr(result.content[0], "text", "") if result.content else ""
    if result.is_error:
        raise ToolFailed(f"{tool}({arguments}) failed: {text}")
    assert result.structured_content is not None, tool
    assert json.loads(text) == result.structured_content, tool
    return result.structured_content


async def refused(client: Client, tool: str, **arguments: Any) -> str:
    """The error text of a call that must fail."""
    result = await client.call_tool(tool, arguments)
    text = getattr(result.content[0], "text", "") if result.content else ""
    assert result.is_error, f"{tool}({arguments}) should have failed, answered {text[:300]}"
    return text
