"""``gqlmon validate``: a target's saved operations against its stored snapshots, text and JSON."""

from __future__ import annotations

from tests.cli.conftest import ALL_OPERATIONS, BROKEN_OPERATIONS, ROOT, Drifted, Workspace, target
from tests.servers.demo import DemoServer

V2 = ROOT / "monitor" / "demo" / "schema_v2.graphql"


def test_validate_a_target_against_its_latest_snapshot(drifted: Drifted) -> None:
    result = drifted.ws.run("validate", "demo")

    assert result.code == 1, result
    lines = result.out.splitlines()
    broken = {line.split()[1] for line in lines if line.startswith("✗ ")}
    valid = {line.split()[1] for line in lines if line.startswith(("✓ ", "! "))}
    assert broken == BROKEN_OPERATIONS
    assert broken | valid == ALL_OPERATIONS
    assert (
        "    contracts/demo/recent_runs.graphql:6:5  Cannot query field 'commitHash' on type 'Run'."
        in "\n".join(lines)
    )
    assert lines[-1] == "11 operations: 5 valid, 5 broken, 1 deprecated; 0 problems"


def test_validate_json(drifted: Drifted) -> None:
    result = drifted.ws.run("validate", "demo", "--format", "json")

    assert result.code == 1, result
    payload = result.json
    assert payload["summary"] == {
        "total": 11,
        "valid": 5,
        "broken": 5,
        "deprecated": 1,
        "problems": 0,
        "exit_code": 1,
    }
    assert {op["name"] for op in payload["operations"] if op["status"] == "broken"} == BROKEN_OPERATIONS
    create = next(op for op in payload["operations"] if op["name"] == "CreateStack")
    assert create["kind"] == "mutation"
    assert "vcsIntegrationId" in create["errors"][0]["message"]
    assert payload["problems"] == []


def test_validate_against_the_previous_snapshot_passes(drifted: Drifted) -> None:
    result = drifted.ws.run("validate", "demo", "--schema", "demo@previous")
    assert result.code == 0, result
    assert result.out.splitlines()[-1] == "11 operations: 10 valid, 0 broken, 1 deprecated; 0 problems"
    strict = drifted.ws.run("validate", "demo", "--schema", "demo@previous", "--fail-on-deprecated")
    assert strict.code == 1  # ListStacks still reads the deprecated Stack.tags


def test_validate_chosen_files(drifted: Drifted) -> None:
    contracts = drifted.ws.root / "contracts" / "demo"
    files = [str(contracts / "list_stacks.graphql"), str(contracts / "fragments.graphql")]

    of_target = drifted.ws.run("validate", "demo", *files, "--format", "json")
    of_schema = drifted.ws.run("validate", files[0], files[1], "--schema", str(V2), "--format", "json")
    old_schema = drifted.ws.run("validate", "demo", *files, "--schema", f"demo@{drifted.v1_snapshot[:12]}")

    for result in (of_target, of_schema):
        assert result.code == 1, result
        assert [(op["name"], op["status"]) for op in result.json["operations"]] == [("ListStacks", "broken")]
    assert old_schema.code == 0, old_schema


def test_validate_prints_to_the_current_stdout_every_time(drifted: Drifted) -> None:
    for _ in range(2):
        result = drifted.ws.invoke("validate", "demo", "--schema", "demo@previous")
        assert result.code == 0, result
        assert result.out.splitlines()[-1] == "11 operations: 10 valid, 0 broken, 1 deprecated; 0 problems"


def test_validate_errors_are_one_line(ws: Workspace, demo_api: DemoServer) -> None:
    ws.configure(target("demo", demo_api.graphql_url))

    nothing = ws.run("validate")
    no_snapshot = ws.run("validate", "demo")

    assert nothing.code == 2, nothing
    assert nothing.err_lines == ["gqlmon: error: give a TARGET or --schema FILE|URL|TARGET@snapshot"]
    assert no_snapshot.code == 2, no_snapshot
    assert len(no_snapshot.err_lines) == 1 and "run `gqlmon check` first" in no_snapshot.err
