"""execute_query against the live demo API, the refusals, trimmed answers, resources and the canary secrets."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import anyio
import pytest
from graphql import build_schema
from mcp.client.client import Client

from monitor.demo import schema_sdl
from monitor.mcp import create_app
from monitor.mcp.execute_tools import LiveLimits
from monitor.settings.models import Settings
from monitor.support.redact import redact
from tests.mcp.conftest import SECRETS, TOOLS, World, call, refused
from tests.mcp.schemagen import store_snapshot
from tests.servers.demo import RunningServer

pytestmark = pytest.mark.anyio

#: Minimal arguments for each tool that takes a target.
ARGUMENTS: dict[str, dict[str, Any]] = {
    "get_schema": {},
    "search_schema": {"query": "stack"},
    "get_type": {"name": "Stack"},
    "list_operations": {},
    "get_drift_report": {},
    "schema_changes": {"since": "2000-01-01"},
    "coordinate_history": {"coordinate": "Stack.name"},
    "validate_operation": {"document": "{ stacks(first: 1) { id } }"},
    "check_contracts": {},
    "get_authentication_guide": {},
    "execute_query": {"query": "{ stacks(first: 1) { id } }"},
}


# ------------------------------------------------------------------------------------------- live


async def test_execute_query_runs_through_the_configured_auth(client: Client, world: World) -> None:
    answer = await call(client, "execute_query", target="demo", query="{ stacks(first: 2) { id name } }")
    assert answer["target"] == "demo" and answer["snapshot"] == world.second
    assert answer["status_code"] == 200 and answer["errors"] == []
    stacks = answer["data"]["stacks"]
    assert len(stacks) == 2 and all(s["id"] and s["name"] for s in stacks)
    assert answer["elapsed_ms"] >= 0 and answer["truncated"] is False

    document = "query One($id: ID!) { stack(id: $id) { id tags } }"
    wanted = stacks[0]["id"]
    as_string = await call(
        client, "execute_query", target="demo", query=document, variables=json.dumps({"id": wanted})
    )
    as_object = await call(client, "execute_query", target="demo", query=document, variables={"id": wanted})
    assert (
        as_string["data"]
        == as_object["data"]
        == {"stack": {"id": wanted, "tags": as_object["data"]["stack"]["tags"]}}
    )
    assert as_object["operation"] == "One"
    assert [d["coordinate"] for d in as_object["deprecated_usages"]] == ["Stack.tags"]


async def test_execute_query_refuses_mutations_invalid_and_oversized_queries(
    client: Client, world: World
) -> None:
    runs_before = len(world.api.app.store.runs)
    mutation = 'mutation { runTrigger(stack: "networking-prod") { id } }'
    message = await refused(client, "execute_query", target="demo", query=mutation)
    assert "not sent" in message and "allow_mutations" in message
    assert len(world.api.app.store.runs) == runs_before, "the mutation reached the API"

    invalid = await refused(client, "execute_query", target="demo", query="{ runs { commitHash } }")
    assert "does not validate against the latest schema" in invalid and "commitHash" in invalid
    two = await refused(
        client, "execute_query", target="demo", query="query A { viewer { id } } query B { spaces { id } }"
    )
    assert "exactly one operation" in two
    bad_variables = await refused(
        client,
        "execute_query",
        target="demo",
        query="query Q($id: ID!) { stack(id: $id) { id } }",
        variables="[1]",
    )
    assert "variables" in bad_variables


async def test_execute_query_limits_depth_size_and_trims_long_answers(world: World) -> None:
    strict = create_app(world.settings, live_limits=LiveLimits(max_depth=2, max_response_bytes=300))
    async with Client(strict.server) as client:
        deep = await refused(
            client, "execute_query", target="demo", query="{ stacks(first: 1) { space { stacks { id } } } }"
        )
        assert "4 levels deep; the limit is 2" in deep
        large = await refused(
            client, "execute_query", target="demo", query="{ spaces { id name description labels } }"
        )
        assert "exceeded" in large and "fewer" in large
    strict.catalog.close()

    small = create_app(world.settings, max_answer_chars=2_400)
    async with Client(small.server) as client:
        query = "{ runs(first: 50) { id title state type createdAt stack { id name description repository branch } } }"
        answer = await call(client, "execute_query", target="demo", query=query)
    small.catalog.close()
    assert answer["truncated"] is True and "fewer items" in answer["note"]
    assert answer["trimmed"] and answer["trimmed"][0].startswith("data.runs:")
    assert 1 <= len(answer["data"]["runs"]) < 12
    assert len(json.dumps(answer)) <= 2_400


# ------------------------------------------------------------------------------------------- refusals


async def test_an_unknown_target_is_refused_by_every_tool(client: Client) -> None:
    for tool, arguments in ARGUMENTS.items():
        message = await refused(client, tool, target="nope", **arguments)
        assert "unknown target 'nope'" in message and "list_targets" in message, (tool, message)
        assert "demo" in message, "the known targets are named"
        hostile = await refused(client, tool, target="../../etc/passwd", **arguments)
        assert "not a target name" in hostile, (tool, hostile)


async def test_a_target_never_checked_says_how_to_get_a_snapshot(client: Client) -> None:
    for tool in ("get_schema", "search_schema", "get_type", "list_operations", "validate_operation"):
        message = await refused(client, tool, target="idle", **ARGUMENTS[tool])
        assert "no snapshot stored for target 'idle'" in message and "gqlmon check idle" in message, tool


async def test_huge_answers_are_cut_with_a_note_saying_how_to_get_the_rest(world: World) -> None:
    cap = 2_000
    small = create_app(world.settings, max_answer_chars=cap)
    async with Client(small.server) as client:
        shown: list[str] = []
        offset = 0
        for _ in range(40):
            page = await call(client, "get_schema", target="demo", format="sdl", offset=offset)
            assert len(json.dumps(page)) <= cap
            shown += page["shown"]
            if not page["truncated"]:
                break
            assert f"offset={offset + len(page['shown'])}" in page["note"]
            offset += len(page["shown"])
        summary = await call(client, "get_schema", target="demo")
        tight = await call(client, "get_drift_report", target="demo")
    small.catalog.close()
    roomier = create_app(world.settings, max_answer_chars=2 * cap)
    async with Client(roomier.server) as client:
        report = await call(client, "get_drift_report", target="demo")
    roomier.catalog.close()
    everything = build_schema(schema_sdl("v2"))
    assert offset > 0, "the SDL was never cut"
    builtin = {"String", "Int", "Boolean", "ID", "Float"}
    assert set(shown) >= {n for n in everything.type_map if not n.startswith("__")} - builtin
    assert len(shown) == len(set(shown)), "no definition twice"
    assert summary["truncated"] is True and "offset=" in summary["note"]
    assert len(json.dumps(summary)) <= cap
    assert tight["truncated"] is True and len(json.dumps(tight)) <= cap
    assert report["truncated"] is True and report["changes_total"] > len(report["changes"]) > 0
    assert "schema_changes(" in report["note"]
    assert len(json.dumps(report)) <= 2 * cap


# ------------------------------------------------------------------------------------------- resources


async def test_resources_serve_schemas_and_the_report(client: Client, world: World) -> None:
    listed = {str(r.uri) for r in (await client.list_resources()).resources}
    assert {"schema://demo/latest", "report://demo/latest"} <= listed
    templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
    assert {
        "schema://{target}/latest",
        "schema://{target}/{snapshot}",
        "report://{target}/latest",
    } <= templates

    latest = (await client.read_resource("schema://demo/latest")).contents[0]
    assert "type Commit {" in latest.text
    old = (await client.read_resource(f"schema://demo/{world.first[:12]}")).contents[0]
    assert "commitHash: String!" in old.text and "type Commit {" not in old.text
    build_schema(old.text)
    report = json.loads((await client.read_resource("report://demo/latest")).contents[0].text)
    assert report["run_id"] == world.second_run and report["summary"]["breaking"] >= 3

    with pytest.raises(Exception, match="unknown target"):
        await client.read_resource("schema://nope/latest")
    with pytest.raises(Exception, match="not a snapshot id"):
        await client.read_resource("schema://demo/zzzzzz")


# ------------------------------------------------------------------------------------------- secrets


def store_contents(world: World) -> tuple[list[str], list[str]]:
    store = world.store()
    try:
        return [s.id for s in store.snapshot_history("demo")], [r.id for r in store.list_runs("demo")]
    finally:
        store.close()


async def test_no_answer_ever_holds_a_configured_secret(client: Client, world: World) -> None:
    before = store_contents(world)
    outputs: list[str] = []

    async def record(tool: str, **arguments: Any) -> None:
        result = await client.call_tool(tool, arguments)
        outputs.append(json.dumps(result.model_dump(mode="json")))

    await record("list_targets")
    for tool, arguments in ARGUMENTS.items():
        await record(tool, target="demo", **arguments)
        await record(tool, target="idle", **arguments)
    for method in ("none", "bearer", "github", "api_key_exchange", "oidc", "command"):
        await record("get_authentication_guide", target="demo", method=method)
    await record("get_schema", target="demo", format="sdl")
    await record("execute_query", target="demo", query="{ viewer { id name } }")
    await record("execute_query", target="demo", query='{ search(query: "prod") { __typename } }')
    # Errors carry secrets if anything does: a failing request through the configured auth and headers.
    await record("execute_query", target="demo", query="{ stacks { id } }")
    await record(
        "validate_operation", target="demo", document="{ x }", variables=json.dumps({"k": SECRETS[0]})
    )
    for uri in ("schema://demo/latest", "report://demo/latest", f"schema://demo/{world.first}"):
        outputs.append(json.dumps((await client.read_resource(uri)).model_dump(mode="json")))
    tools = {tool.name for tool in (await client.list_tools()).tools}
    assert tools == set(TOOLS)
    assert len(outputs) > 30
    for output in outputs:
        for secret in SECRETS:
            assert secret not in output
        assert "eyJ" not in output, "a JWT from the token exchange leaked"
    assert store_contents(world) == before, "the server wrote to the store"


async def test_execute_query_gives_up_after_the_time_limit(world: World, tmp_path: Path) -> None:
    async def slow_api(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await anyio.sleep(1.2)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'{"data": {}}'})

    store = world.store()
    try:
        introspection = store.load_snapshot(world.second)
    finally:
        store.close()
    state = f"sqlite:///{tmp_path / 'state.db'}"
    with RunningServer(slow_api, lifespan="off") as server:
        store_snapshot(state, "slow", introspection)
        settings = Settings(state=state, targets=[{"name": "slow", "url": server.url_for("/graphql")}])
        app = create_app(settings, live_limits=LiveLimits(timeout=0.3))
        try:
            async with Client(app.server) as client:
                with anyio.fail_after(1.0):
                    message = await refused(client, "execute_query", target="slow", query="{ spaces { id } }")
        finally:
            app.catalog.close()
    assert "did not answer within 0.3s" in message


def test_create_app_registers_the_configured_secrets_itself() -> None:
    header, token, mcp = (f"{kind}-{secrets.token_hex(8)}" for kind in ("header", "token", "mcp"))
    text = f"{header} {token} {mcp} plain-agent-value"
    assert redact(text) == text, "fresh values are not registered yet"
    settings = Settings(
        mcp_token=mcp,
        targets=[
            {
                "name": "t",
                "url": "http://127.0.0.1:9/graphql",
                "headers": {"X-Api-Key": header, "User-Agent": "plain-agent-value"},
                "auth": {"kind": "bearer", "token": token},
            }
        ],
    )
    create_app(settings).catalog.close()
    assert redact(text) == "*** *** *** plain-agent-value"
