"""Every tool of the MCP server through a real in-memory MCP client, against a store two real checks filled."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import anyio
import httpx
import pytest
from graphql import build_schema
from mcp.client.client import Client

from monitor.core.changes import Change
from monitor.demo import schema_sdl
from tests.mcp.conftest import TOOLS, World, call, refused

pytestmark = pytest.mark.anyio

V2 = build_schema(schema_sdl("v2"))
V1 = build_schema(schema_sdl("v1"))

LIST_STACKS = "query ListStacks($first: Int) { stacks(first: $first) { id tags } }"


def user_type_names(schema: Any) -> set[str]:
    return {
        name
        for name in schema.type_map
        if not name.startswith("__") and name not in {"String", "Int", "Float", "Boolean", "ID"}
    }


def stored_report(world: World, run: str = "latest") -> dict[str, Any]:
    store = world.store()
    try:
        record = store.get_run("demo", run)
    finally:
        store.close()
    assert record.report is not None
    return record.report


def assert_envelope(answer: dict[str, Any], world: World, snapshot: str | None = None) -> None:
    expected = snapshot or world.second
    assert answer["target"] == "demo"
    assert answer["snapshot"] == expected
    assert answer["fingerprint"] == expected
    assert datetime.fromisoformat(answer["fetched_at"]).tzinfo is not None


# ------------------------------------------------------------------------------------------- the list


async def test_the_tools_are_the_issues_with_strict_schemas_and_read_only_annotations(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == set(TOOLS)
    for name, tool in tools.items():
        schema = json.dumps(tool.input_schema)
        assert "$ref" not in schema and "$defs" not in schema, name
        for prop, spec in tool.input_schema.get("properties", {}).items():
            types = [spec.get("type")] if "type" in spec else [s.get("type") for s in spec.get("anyOf", [])]
            assert types and all(types), (name, prop, spec)
            assert spec.get("description"), (name, prop)
        # No output schemas: they were three quarters of tools/list, which every assistant session pays for;
        # answers still come as structured content (see the tests below) and as the same JSON text.
        assert tool.output_schema is None, name
        assert tool.description and "\n" not in tool.description and "  " not in tool.description, name
        assert tool.annotations is not None and tool.annotations.read_only_hint is True, name
        assert tool.annotations.destructive_hint is False, name
    assert tools["execute_query"].annotations.open_world_hint is True
    assert tools["list_targets"].annotations.open_world_hint is False
    variables = tools["validate_operation"].input_schema["properties"]["variables"]
    assert {s["type"] for s in variables["anyOf"]} == {"object", "string", "null"}
    assert tools["search_schema"].input_schema["properties"]["scope"]["enum"] == [
        "all",
        "queries",
        "mutations",
        "subscriptions",
        "types",
        "fields",
    ]
    assert tools["get_schema"].input_schema["required"] == ["target"]
    assert tools["schema_changes"].input_schema["required"] == ["target", "since"]


async def test_list_targets_counts_the_open_breaking_changes(client: Client, world: World) -> None:
    answer = await call(client, "list_targets")
    targets = {t["target"]: t for t in answer["targets"]}
    assert list(targets) == ["demo", "idle"]
    demo = targets["demo"]
    report = stored_report(world)
    breaking = [c for c in report["changes"] if c["criticality"] == "breaking"]
    dangerous = [c for c in report["changes"] if c["criticality"] == "dangerous"]
    assert len(breaking) >= 3
    assert (demo["open_breaking"], demo["open_dangerous"]) == (len(breaking), len(dangerous))
    assert demo["snapshot"] == demo["fingerprint"] == world.second
    assert demo["snapshots"] == 2
    assert demo["last_outcome"] == "changed"
    assert demo["auth"] == "api_key_exchange"
    assert demo["url"] == world.api.graphql_url
    assert datetime.fromisoformat(demo["last_check"]) >= datetime.fromisoformat(demo["fetched_at"])
    idle = targets["idle"]
    assert (idle["snapshot"], idle["snapshots"], idle["last_check"]) == (None, 0, None)


# ------------------------------------------------------------------------------------------- schema


async def test_get_schema_summary_lists_every_type_with_its_description(client: Client, world: World) -> None:
    answer = await call(client, "get_schema", target="demo")
    assert_envelope(answer, world)
    assert answer["format"] == "summary" and answer["truncated"] is False
    names = [t["name"] for t in answer["types"]]
    assert set(names) == user_type_names(V2)
    assert names == sorted(names)
    lines = {t["name"]: t for t in answer["types"]}
    assert lines["Commit"] == {"name": "Commit", "kind": "object", "description": "A Git commit."}
    assert lines["SearchResult"]["kind"] == "union"
    assert lines["StackInput"]["kind"] == "input"
    assert {(r["operation"], r["type"], r["fields"]) for r in answer["roots"]} == {
        ("query", "Query", len(V2.query_type.fields)),
        ("mutation", "Mutation", len(V2.mutation_type.fields)),
    }

    previous = await call(client, "get_schema", target="demo", snapshot="previous")
    assert_envelope(previous, world, world.first)
    assert {t["name"] for t in previous["types"]} == user_type_names(V1)
    by_prefix = await call(client, "get_schema", target="demo", snapshot=world.first[:10])
    assert by_prefix["snapshot"] == world.first


async def test_get_schema_sdl_whole_or_named_types(client: Client, world: World) -> None:
    whole = await call(client, "get_schema", target="demo", format="sdl")
    assert_envelope(whole, world)
    rebuilt = build_schema(whole["sdl"])
    assert user_type_names(rebuilt) == user_type_names(V2)
    assert "projectRoot: String @deprecated" in whole["sdl"]

    some = await call(client, "get_schema", target="demo", format="sdl", types=["Commit", "RunState", "Nope"])
    assert some["shown"] == ["Commit", "RunState"]
    assert "type Commit {" in some["sdl"] and "enum RunState {" in some["sdl"]
    assert "type Stack " not in some["sdl"]
    assert some["unknown_types"] == ["Nope"] and "Nope" in some["note"]


async def test_search_schema_ranks_with_paths_kinds_and_deprecations(client: Client, world: World) -> None:
    answer = await call(client, "search_schema", target="demo", query="worker pool")
    assert_envelope(answer, world)
    top = answer["hits"][0]
    assert (top["coordinate"], top["kind"]) == ("WorkerPool", "type")
    assert top["path"] == "Query.workerPools -> WorkerPool"
    assert top["signature"] == "type WorkerPool implements Node"
    assert "Query.workerPools" in [h["coordinate"] for h in answer["hits"][:3]]
    scores = [h["score"] for h in answer["hits"]]
    assert scores == sorted(scores, reverse=True)

    commit = await call(client, "search_schema", target="demo", query="commit hash", scope="fields", limit=3)
    assert len(commit["hits"]) <= 3
    first = commit["hits"][0]
    assert first["coordinate"] == "Commit.hash"
    assert first["path"].startswith("Query.") and first["path"].endswith("Run.commit -> Commit.hash")
    assert first["signature"] == "hash: String!"

    roots = await call(client, "search_schema", target="demo", query="project_root")
    deprecated = next(h for h in roots["hits"] if h["coordinate"] == "Stack.projectRoot")
    assert deprecated["deprecated"] is True and "projectRoots" in deprecated["deprecation_reason"]
    assert roots["hits"][0]["coordinate"] != "Stack.projectRoot"  # the deprecated member ranks lower

    mutations = await call(client, "search_schema", target="demo", query="trigger a run", scope="mutations")
    assert mutations["hits"] and all(h["kind"] == "mutation" for h in mutations["hits"])
    assert mutations["hits"][0]["coordinate"] == "Mutation.runTrigger"
    assert mutations["hits"][0]["signature"].startswith("runTrigger(stack: ID!")
    queries = await call(client, "search_schema", target="demo", query="stacks", scope="queries")
    assert {h["coordinate"] for h in queries["hits"]} <= {f"Query.{f}" for f in V2.query_type.fields}
    assert queries["hits"][0]["coordinate"] == "Query.stacks"
    types = await call(client, "search_schema", target="demo", query="environment variables", scope="types")
    assert types["hits"][0]["coordinate"] == "Context"  # found by its description alone

    nothing = await call(client, "search_schema", target="demo", query="xylophone")
    assert nothing["hits"] == [] and "no match" in nothing["note"]


async def test_get_type_prints_members_deprecations_and_neighbours(client: Client, world: World) -> None:
    stack = await call(client, "get_type", target="demo", name="Stack")
    assert_envelope(stack, world)
    assert stack["kind"] == "object" and stack["interfaces"] == ["Node"]
    assert stack["included_types"] == ["Stack"]
    # Compact SDL: a member a line, the first sentence of its description as a comment.
    assert (
        "  runs(first: Int = 25, type: RunType): [Run!]!  # Runs of this stack, newest first." in stack["sdl"]
    )
    assert stack["member_count"] == len(V2.type_map["Stack"].fields) and stack["omitted_members"] == []
    assert 'tags: [String!]! @deprecated(reason: "Use `Stack.labels` instead.' in stack["sdl"]
    assert set(stack["deprecated_members"]) == {"Stack.tags", "Stack.projectRoot"}
    assert {"Run", "Space", "WorkerPool", "RunType"} <= set(stack["referenced_types"])
    assert stack["path"] == "Query.stacks -> Stack"

    deeper = await call(client, "get_type", target="demo", name="Stack", depth=2)
    assert deeper["included_types"][0] == "Stack"
    assert {"Run", "Space", "Node", "Policy"} <= set(deeper["included_types"])
    assert "type Run implements Node {" in deeper["sdl"]

    detail = await call(client, "get_type", target="demo", name="Stack", fields=["runs", "nope"])
    assert '"""Runs of this stack, newest first."""' in detail["sdl"] and "tags" not in detail["sdl"]
    assert "nope" in detail["note"]

    node = await call(client, "get_type", target="demo", name="Node")
    assert node["kind"] == "interface"
    assert {"Stack", "Run", "Context"} <= set(node["possible_types"])
    union = await call(client, "get_type", target="demo", name="SearchResult")
    assert union["possible_types"] == sorted(["Stack", "Run", "Space", "Policy", "Context"])
    input_type = await call(client, "get_type", target="demo", name="StackInput")
    assert 'spaceId: ID = "root"' in input_type["sdl"]
    assert "StackInput.administrative" in input_type["deprecated_members"]
    enum = await call(client, "get_type", target="demo", name="RunState")
    assert "DISCARDED @deprecated" in enum["sdl"] and "RunState.DISCARDED" in enum["deprecated_members"]

    message = await refused(client, "get_type", target="demo", name="Stak")
    assert "no type 'Stak'" in message and "Stack" in message


async def test_list_operations_gives_root_fields_with_signatures(client: Client, world: World) -> None:
    queries = await call(client, "list_operations", target="demo")
    assert_envelope(queries, world)
    assert [o["name"] for o in queries["operations"]] == list(V2.query_type.fields)
    ops = {o["name"]: o for o in queries["operations"]}
    assert ops["stacks"]["signature"] == "stacks(first: Int!): [Stack!]!"
    assert ops["stacks"]["description"] == "Stacks the caller can see, ordered by name."
    assert ops["search"]["signature"].startswith(
        "search(query: String!, first: Int = 20, fuzzy: Boolean = false @deprecated"
    )
    mutations = await call(client, "list_operations", target="demo", root="mutation")
    assert mutations["root_type"] == "Mutation" and mutations["total"] == 3
    assert "stackCreate(input: StackInput!, manageState: Boolean = true): Stack!" in {
        o["signature"] for o in mutations["operations"]
    }
    none = await call(client, "list_operations", target="demo", root="subscription")
    assert none["operations"] == [] and none["root_type"] is None and "no subscription" in none["note"]


# ------------------------------------------------------------------------------------------- history


async def test_get_drift_report_gives_summary_changes_broken_operations_deprecations(
    client: Client, world: World
) -> None:
    report = stored_report(world)
    answer = await call(client, "get_drift_report", target="demo")
    assert_envelope(answer, world)
    listed = (await call(client, "list_targets"))["targets"][0]
    assert answer["fetched_at"] == listed["fetched_at"], "one snapshot, one fetched_at"
    assert list(answer)[:6] == ["target", "snapshot", "fingerprint", "fetched_at", "truncated", "note"]
    assert answer["run_id"] == world.second_run and answer["outcome"] == "changed"
    assert answer["summary"] == report["summary"]
    assert answer["summary"]["breaking"] >= 3
    assert answer["previous_snapshot"] == world.first
    assert answer["changes_total"] == len(report["changes"]) == len(answer["changes"])
    assert {c["id"] for c in answer["changes"]} == {c["id"] for c in report["changes"]}
    ranks = {"breaking": 0, "dangerous": 1, "safe": 2}
    order = [ranks[c["criticality"]] for c in answer["changes"]]
    assert order == sorted(order), "worst first"
    broken = {op["name"] for op in answer["broken_operations"]}
    assert {"ListStacks", "RecentRuns", "CreateStack"} <= broken
    assert all(op["errors"] for op in answer["broken_operations"])
    deprecated = {(d["coordinate"], d["source"]) for d in answer["deprecations"]}
    assert ("Stack.projectRoot", "schema") in deprecated

    baseline = await call(client, "get_drift_report", target="demo", run=world.first_run)
    assert baseline["outcome"] == "baseline" and baseline["changes"] == []
    assert baseline["snapshot"] == world.first
    message = await refused(client, "get_drift_report", target="demo", run="../../etc/passwd")
    assert "not a run id" in message


async def every_change(client: Client, **arguments: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first page of schema_changes and every change of every page, following each page's offset."""
    first = await call(client, "schema_changes", **arguments)
    changes = list(first["changes"])
    page = first
    while page["truncated"]:
        offset = page["offset"] + len(page["changes"])
        assert f"offset={offset}" in page["note"]  # each page says how to get the next
        page = await call(client, "schema_changes", **arguments, offset=offset)
        assert page["changes"], page["note"]
        changes.extend(page["changes"])
    assert len(changes) == first["total"] == len({c["id"] for c in changes})
    return first, changes


async def test_schema_changes_since_baseline_a_run_a_snapshot_a_date_or_a_duration(
    client: Client, world: World
) -> None:
    report = stored_report(world)
    everything = {c["id"] for c in report["changes"]}
    first, by_snapshot = await every_change(client, target="demo", since=world.first[:12])
    assert_envelope(first, world)
    assert {c["id"] for c in by_snapshot} == everything
    assert first["total"] == len(everything) and sum(first["counts"].values()) == len(everything)
    assert all(c["introduced_in"] == world.second and c["run_id"] == world.second_run for c in by_snapshot)
    assert all(datetime.fromisoformat(c["seen_at"]) for c in by_snapshot)
    severities = [("breaking", "dangerous", "safe").index(c["criticality"]) for c in by_snapshot]
    assert severities == sorted(severities)  # worst first
    breaking = [c for c in report["changes"] if c["criticality"] == "breaking"]
    assert sum(f["count"] for f in first["breaking"]) == len(breaking)
    assert first["broken_operations"] and all(op["caused_by"] for op in first["broken_operations"])

    for since in ("baseline", world.first_run, world.first_run[:-3], "2000-01-01", "1d"):
        _, changes = await every_change(client, target="demo", since=since)
        assert {c["id"] for c in changes} == everything, since
    future = await call(client, "schema_changes", target="demo", since="2999-01-01")
    assert future["changes"] == [] and future["note"]
    for since in (world.second, world.second_run):
        none_since_latest = await call(client, "schema_changes", target="demo", since=since)
        assert none_since_latest["changes"] == [] and none_since_latest["total"] == 0

    _, only_breaking = await every_change(client, target="demo", since="2000-01-01", criticality="breaking")
    assert {c["id"] for c in only_breaking} == {c["id"] for c in breaking}
    _, dangerous = await every_change(client, target="demo", since="2000-01-01", criticality="dangerous")
    assert {c["criticality"] for c in dangerous} == {"breaking", "dangerous"}
    _, runs = await every_change(client, target="demo", since="2000-01-01", path_prefix="Run.")
    assert runs and all(c["path"].startswith("Run.") for c in runs)
    assert "Run.commitHash" in {c["path"] for c in runs}
    _, removed = await every_change(client, target="demo", since="baseline", change_type="field_removed")
    assert removed and {c["type"] for c in removed} == {"FIELD_REMOVED"}

    message = await refused(client, "schema_changes", target="demo", since="last tuesday")
    assert "since='last tuesday'" in message and "baseline" in message


async def test_coordinate_history_follows_a_field_an_argument_and_a_type(
    client: Client, world: World
) -> None:
    removed = await call(client, "coordinate_history", target="demo", coordinate="Run.commitHash")
    assert_envelope(removed, world)
    assert removed["exists"] is False and removed["in_first_snapshot"] is True
    assert [e["event"] for e in removed["events"]] == ["present", "removed"]
    assert removed["events"][1]["change_type"] == "FIELD_REMOVED"
    assert removed["events"][1]["snapshot"] == world.second

    argument = await call(client, "coordinate_history", target="demo", coordinate="Query.stacks(first:)")
    assert argument["exists"] is True and argument["signature"] == "first: Int!"
    assert [e["event"] for e in argument["events"]] == ["present", "type changed"]
    assert (argument["events"][1]["old"], argument["events"][1]["new"]) == ("Int", "Int!")

    deprecated = await call(client, "coordinate_history", target="demo", coordinate="Stack.projectRoot")
    assert "deprecated" in [e["event"] for e in deprecated["events"]]
    assert "projectRoots" in deprecated["deprecation_reason"]

    appeared = await call(client, "coordinate_history", target="demo", coordinate="Commit")
    assert appeared["in_first_snapshot"] is False and appeared["signature"] == "type Commit"
    assert [e["event"] for e in appeared["events"]] == ["appeared"]

    never = await call(client, "coordinate_history", target="demo", coordinate="Stack.nonsense")
    assert never["exists"] is False and never["events"] == [] and "never existed" in never["note"]
    message = await refused(client, "coordinate_history", target="demo", coordinate="not a coordinate!")
    assert "not a schema coordinate" in message


# ------------------------------------------------------------------------------------------- operations


async def test_validate_operation_names_the_change_that_broke_it(client: Client, world: World) -> None:
    broken = await call(client, "validate_operation", target="demo", document=LIST_STACKS)
    assert_envelope(broken, world)
    assert broken["valid"] is False
    [error] = broken["errors"]
    assert "'Int' used in position expecting type 'Int!'" in error["message"]
    assert error["locations"][0]["line"] == 1
    store = world.store()
    try:
        recorded = {
            c.id: c
            for _, _, c in store.changes_since("demo", datetime.fromisoformat("2000-01-01T00:00:00+00:00"))
        }
    finally:
        store.close()
    cause = error["caused_by"]
    assert isinstance(recorded[cause["change_id"]], Change)
    assert (cause["type"], cause["path"]) == ("FIELD_ARGUMENT_TYPE_CHANGED", "Query.stacks.first")
    assert cause["snapshot"] == world.second
    assert [d["coordinate"] for d in broken["deprecated_usages"]] == ["Stack.tags"]

    before = await call(
        client, "validate_operation", target="demo", document=LIST_STACKS, snapshot="previous"
    )
    assert before["valid"] is True and before["snapshot"] == world.first
    assert before["operations"] == [{"name": "ListStacks", "kind": "query", "depth": 2, "fields": 3}]

    removed = await call(client, "validate_operation", target="demo", document="{ runs { id commitHash } }")
    assert removed["errors"][0]["caused_by"]["type"] == "FIELD_REMOVED"
    assert removed["errors"][0]["caused_by"]["path"] == "Run.commitHash"

    document = "query Q($first: Int!) { stacks(first: $first) { id } }"
    as_object = await call(
        client, "validate_operation", target="demo", document=document, variables={"first": 2}
    )
    as_string = await call(
        client, "validate_operation", target="demo", document=document, variables='{"first": 2}'
    )
    assert as_object["valid"] is as_string["valid"] is True
    wrong = await call(
        client, "validate_operation", target="demo", document=document, variables={"first": "two"}
    )
    assert wrong["valid"] is False and wrong["errors"][0]["kind"] == "variables"
    syntax = await call(client, "validate_operation", target="demo", document="{ stacks(first: 1) { id ")
    assert syntax["valid"] is False and syntax["errors"][0]["kind"] == "syntax"
    message = await refused(
        client, "validate_operation", target="demo", document=document, variables="{not json"
    )
    assert "variables: not a JSON object" in message


async def test_check_contracts_reports_the_saved_operations_at_the_latest_snapshot(
    client: Client, world: World
) -> None:
    answer = await call(client, "check_contracts", target="demo")
    assert_envelope(answer, world)
    report = stored_report(world)
    expected = {op["name"]: op["status"] for op in report["contracts"]["operations"]}
    assert {op["name"]: op["status"] for op in answer["operations"]} == expected
    # The contracts live outside the configuration's directory: the files read as the check's report
    # shows them (same base, so the same digests), not as absolute paths of this machine.
    assert {op["name"]: op["file"] for op in answer["operations"]} == {
        op["name"]: op["file"] for op in report["contracts"]["operations"]
    }
    assert not any(op["file"].startswith("/") for op in answer["operations"])
    assert answer["total"] == len(expected) == answer["valid"] + answer["broken"] + answer["deprecated"]
    assert answer["broken"] >= 3
    statuses = [op["status"] for op in answer["operations"]]
    assert statuses == sorted(statuses, key=["broken", "deprecated", "valid"].index), "broken first"
    list_stacks = next(op for op in answer["operations"] if op["name"] == "ListStacks")
    assert list_stacks["file"].endswith("list_stacks.graphql")
    assert [c["path"] for c in list_stacks["caused_by"]] == ["Query.stacks.first"]
    assert list_stacks["deprecated_usages"][0]["replacement"] == "Stack.labels"
    assert all(op["caused_by"] for op in answer["operations"] if op["status"] == "broken")


# ------------------------------------------------------------------------------------------- auth


async def test_authentication_guide_describes_the_exchange_without_secrets(
    client: Client, world: World
) -> None:
    guide = await call(client, "get_authentication_guide", target="demo")
    assert_envelope(guide, world)
    assert guide["method"] == guide["configured_method"] == "api_key_exchange"
    exchange = guide["token_exchange"]
    assert "apiKeyUser(id: $id, secret: $secret)" in exchange["document"]
    assert (exchange["token_path"], exchange["expires_path"]) == ("apiKeyUser.jwt", "apiKeyUser.validUntil")
    assert {"DEMO_API_KEY_ID", "DEMO_API_KEY_SECRET", "DEMO_HEADER_X_CANARY_TOKEN"} <= set(
        guide["environment"]
    )
    assert {h["name"] for h in guide["headers"]} >= {"Authorization", "X-Canary-Token"}
    # A header that is not a credential is neither masked nor hidden behind an environment variable.
    assert {"name": "User-Agent", "value": "gqlmon", "secret": False} in guide["headers"]
    assert "Generated by gqlmon" in guide["python_example"]
    compile(guide["python_example"], "example.py", "exec")
    assert "export async function query" in guide["typescript_example"]

    bearer = await call(client, "get_authentication_guide", target="demo", method="bearer")
    assert bearer["method"] == "bearer" and bearer["configured_method"] == "api_key_exchange"
    assert bearer["token_exchange"] is None and "DEMO_TOKEN" in bearer["environment"]
    assert "generic guide" in bearer["note"]


async def test_the_python_example_of_the_guide_works_against_the_api(
    client: Client, world: World, tmp_path: Any
) -> None:
    import os
    import subprocess
    import sys

    from monitor.demo import DEMO_API_KEY_ID, DEMO_API_KEY_SECRET
    from tests.mcp.conftest import CANARY

    guide = await call(client, "get_authentication_guide", target="demo")
    script = tmp_path / "example.py"
    script.write_text(guide["python_example"], encoding="utf-8")
    env = {
        **os.environ,
        "DEMO_API_KEY_ID": DEMO_API_KEY_ID,
        "DEMO_API_KEY_SECRET": DEMO_API_KEY_SECRET,
        "DEMO_HEADER_X_CANARY_TOKEN": CANARY,
    }
    done = await anyio.to_thread.run_sync(
        lambda: subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=30
        )
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"data": {"__typename": "Query"}}
    # The API really requires a token: without the exchange the same request is refused.
    async with httpx.AsyncClient(timeout=5) as http:
        anonymous = await http.post(world.api.graphql_url, json={"query": "{ __typename }"})
    assert anonymous.status_code == 401
