"""Saved operations as MCP tools (``[targets.mcp] expose_operations = true``), through the SDK client.

A real store holds a check of the demo API (behind its key exchange); the server offers each valid saved
query as ``demo_<Name>`` with an input schema from its variables, runs it live through the target's
authentication, says in list_targets which operations are not offered and why, and announces
``notifications/tools/list_changed`` when a new snapshot breaks one of them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.client import Client
from mcp.client.subscriptions import ToolsListChanged
from pydantic import TypeAdapter

from monitor.core.contracts import OperationSet
from monitor.mcp import create_app
from monitor.mcp.saved_tools import plan_target, tool_name
from monitor.settings.loading import load_settings
from monitor.settings.models import Settings, TargetConfig
from tests.codegen.conftest import github_operations, github_schema
from tests.mcp.conftest import CONTRACTS, ENV, SECRETS, call, check
from tests.servers.demo import DemoServer

pytestmark = pytest.mark.anyio


def _settings(root: Path, url: str, max_tools: int = 20) -> Settings:
    contracts = Path(shutil.copytree(CONTRACTS, root / "contracts"))
    config = root / "monitor.toml"
    config.write_text(
        f"""state = "sqlite:///state.db"

[[targets]]
name = "demo"
url = "{url}"
contracts = "{contracts}"
headers = {{ "X-Canary-Token" = "${{GQLMON_TEST_CANARY}}" }}
auth = {{ kind = "api_key_exchange", key_id = "${{GQLMON_TEST_KEY_ID}}", key_secret = "${{GQLMON_TEST_KEY_SECRET}}" }}

[targets.mcp]
expose_operations = true
max_tools = {max_tools}

[[targets]]
name = "quiet"
url = "http://127.0.0.1:9/graphql"
""",
        encoding="utf-8",
    )
    return load_settings(config, env=ENV)


@pytest.fixture
def api(demo_session_server: DemoServer) -> Iterator[DemoServer]:
    demo_session_server.reset()
    demo_session_server.switch(version="v1", require_token=True)
    yield demo_session_server
    demo_session_server.reset()


async def test_valid_saved_queries_are_tools_that_run_live_and_follow_the_schema(
    api: DemoServer, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, api.graphql_url)
    await anyio.to_thread.run_sync(check, settings)
    app = create_app(settings, poll_interval=0.05, prewarm=False)
    assert app.saved is not None
    try:
        async with Client(app.server, cache=None) as client:
            await app.saved.sync()
            tools = {t.name: t for t in (await client.list_tools()).tools}
            offered = {n for n in tools if n.startswith("demo_")}
            assert offered == {
                "demo_SpaceTree",
                "demo_WorkerPoolUsage",
                "demo_ListStacks",
                "demo_StackBadge",
                "demo_RunCommits",
                "demo_RecentRuns",
                "demo_SearchEverything",
                "demo_StackDetails",
            }
            details = tools["demo_StackDetails"]
            assert details.input_schema["required"] == ["id"]
            assert details.input_schema["properties"]["id"]["type"] == "string"
            assert "(GraphQL type ID!)" in details.input_schema["properties"]["id"]["description"]
            assert details.annotations is not None and details.annotations.read_only_hint is True
            assert details.output_schema is not None
            recent = tools["demo_RecentRuns"].input_schema
            assert "required" not in recent or recent["required"] == []
            assert {s.get("type") for s in recent["properties"]["first"]["anyOf"]} == {"integer", "null"}

            stacks = await call(client, "demo_ListStacks", first=1)
            stack_id = stacks["data"]["stacks"][0]["id"]
            answer = await call(client, "demo_StackDetails", id=stack_id)
            assert answer["data"]["stack"]["id"] == stack_id and answer["status_code"] == 200
            assert not any(secret in str(answer) for secret in SECRETS)

            listed = await call(client, "list_targets")
            demo = next(t for t in listed["targets"] if t["target"] == "demo")
            reasons = {t["operation"]: t["reason"] for t in demo["operation_tools"] if t["reason"]}
            assert reasons["GetApiToken"] == "a mutation, and the target does not set allow_mutations"
            assert {t["operation"] for t in demo["operation_tools"] if t["tool"]} == {n[5:] for n in offered}
            assert next(t for t in listed["targets"] if t["target"] == "quiet")["operation_tools"] == []

            async with client.listen(tools_list_changed=True) as subscription:
                api.switch(version="v2")
                await anyio.to_thread.run_sync(check, settings)  # the poller notices the new snapshot
                with anyio.fail_after(20):
                    event = await anext(aiter(subscription))
            assert isinstance(event, ToolsListChanged)
            after = {t.name for t in (await client.list_tools()).tools if t.name.startswith("demo_")}
            assert after == offered - {"demo_ListStacks", "demo_RecentRuns", "demo_RunCommits"}
            listed = await call(client, "list_targets")
            demo = next(t for t in listed["targets"] if t["target"] == "demo")
            reasons = {t["operation"]: t["reason"] for t in demo["operation_tools"] if t["reason"]}
            assert reasons["RecentRuns"].startswith("broken at snapshot ")
            assert "commitHash" in reasons["RecentRuns"]

            async with client.listen(tools_list_changed=True) as subscription:
                (tmp_path / "contracts" / "extra.graphql").write_text("query Extra { spaces { id } }\n")
                with anyio.fail_after(20):
                    event = await anext(aiter(subscription))
            assert isinstance(event, ToolsListChanged)
            assert "demo_Extra" in {t.name for t in (await client.list_tools()).tools}
    finally:
        app.catalog.close()


def test_the_bound_enum_inputs_and_mutations() -> None:
    target = TargetConfig.model_validate(
        {
            "name": "gh",
            "url": "https://api.github.com/graphql",
            "allow_mutations": True,
            "mcp": {"expose_operations": True, "max_tools": 3},
        }
    )
    operations = github_operations()
    plan = plan_target(target, github_schema(), "f" * 64, operations, budget=100)
    assert [e.tool for e in plan.exposed] == ["gh_RepositoryOverview", "gh_NodeById", "gh_SearchRepositories"]
    assert {s.operation for s in plan.skipped} == {"IssueTimeline", "AddComment", "Viewer"}
    assert all(s.reason == "over the bound of 3 tools (targets.mcp.max_tools)" for s in plan.skipped)
    overview = plan.exposed[0]
    states = next(p for p in overview.parameters if p.name == "states")
    schema: dict[str, Any] = TypeAdapter(states.annotation).json_schema()
    values = schema["anyOf"][0]["items"]["enum"]
    assert set(values) == {"CLOSED", "OPEN"} and "optional" in schema["description"]
    search = next(p for p in plan.exposed[2].parameters if p.name == "type")
    assert set(TypeAdapter(search.annotation).json_schema()["enum"]) == {
        "DISCUSSION",
        "ISSUE",
        "REPOSITORY",
        "USER",
    }
    read_only = target.model_copy(
        update={"allow_mutations": False, "mcp": target.mcp.model_copy(update={"max_tools": 50})}
    )
    plan = plan_target(read_only, github_schema(), "f" * 64, operations, budget=2)
    assert len(plan.exposed) == 2 and tool_name("my api", "Op") == "my_api_Op"
    add = next(s for s in plan.skipped if s.operation == "AddComment")
    assert add.reason == "a mutation, and the target does not set allow_mutations"
    assert plan_target(read_only, github_schema(), "f" * 64, OperationSet(), budget=5).exposed == []
