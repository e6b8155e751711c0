"""``gqlmon check``: baseline, drift, unchanged, failing targets, several targets, fail_on, one-off URLs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.conftest import (
    BREAKING,
    BREAKS,
    BROKEN_OPERATIONS,
    REPORT_SUFFIXES,
    Workspace,
    breaking_of,
    broken_of,
    closed_port_url,
    target,
)
from tests.servers.demo import DemoServer

HEX12 = r"[0-9a-f]{12}"


def test_baseline_then_drift_then_unchanged(ws: Workspace, demo_api: DemoServer) -> None:
    ws.copy_contracts()
    ws.configure(target("demo", demo_api.graphql_url))
    report_line = (
        f"    report: {ws.reports / 'demo' / 'latest.html'} (also .json, .md, .junit.xml, .sarif.json)"
    )

    first = ws.run("check", "demo")

    assert first.code == 0, first
    assert re.fullmatch(
        rf"✔ demo: baseline snapshot ({HEX12}) stored; operations: 0 broken of 11", first.out.splitlines()[0]
    )
    assert first.out.splitlines()[1:] == [report_line]
    baseline = ws.report("demo")
    assert baseline["outcome"] == "baseline" and baseline["old_snapshot"] is None
    assert baseline["contracts"]["total"] == 11 and baseline["contracts"]["broken"] == 0
    v1 = baseline["new_snapshot"]["id"]

    demo_api.switch(version="v2")
    second = ws.run("check", "demo")

    assert second.code == 1, second
    lines = second.out.splitlines()
    broken = "CreateStack, ListStacks, RunCommits, RecentRuns, TriggerRun"  # by file, then line
    assert re.fullmatch(
        rf"✖ demo: changed {v1[:12]} -> ({HEX12}): 5 breaking, \d+ dangerous, \d+ safe; "
        rf"operations: 5 broken of 11 \({broken}\)",
        lines[0],
    )
    # What breaks you first: each broken operation, where, why, and the one change that explains it.
    assert lines[1] == "  Broken operations (5):"
    assert lines[2] == "    ✖ CreateStack  contracts/demo/create_stack.graphql:3"
    assert lines[4].startswith(
        "        caused by: Input field 'vcsIntegrationId' of type 'ID!' was added to input object type"
    )
    causes = [line.split("caused by: ")[1].split("  [")[0] for line in lines if "caused by: " in line]
    assert causes == [
        "Input field 'vcsIntegrationId' of type 'ID!' was added to input object type 'StackInput'",
        "Type for argument 'first' on field 'Query.stacks' changed from 'Int' to 'Int!'",
        "Field 'commitHash' was removed from object type 'Run'",
        "Field 'commitHash' was removed from object type 'Run'",
        "Field 'Run.triggeredBy' changed type from 'String' to 'User'",
    ]
    unused = lines.index("  Breaking changes no saved operation uses (1):")
    assert lines[unused + 1].startswith("    ✖ Field 'email' was removed from object type 'User'")
    assert lines[-1] == report_line
    changed = ws.report("demo")
    assert changed["outcome"] == "changed"
    assert changed["old_snapshot"]["id"] == v1 and changed["new_snapshot"]["id"] != v1
    assert breaking_of(changed) == BREAKING
    contracts = changed["contracts"]
    assert broken_of(changed) == BROKEN_OPERATIONS
    assert (contracts["total"], contracts["broken"]) == (11, 5)
    ids = {c["coordinate"]: c["id"] for c in changed["changes"] if c["criticality"] == "breaking"}
    caused_by = {op["name"]: set(op["caused_by"]) for op in contracts["operations"]}
    for coordinate, operations in BREAKS.items():
        assert set(contracts["affected"].get(ids[coordinate], [])) == operations, coordinate
        for name in operations:
            assert ids[coordinate] in caused_by[name], (coordinate, name)

    third = ws.run("check", "demo")

    # Nothing changed, but five operations are still broken: the check stays red.
    assert third.code == 1, third
    v2 = changed["new_snapshot"]["id"]
    third_lines = third.out.splitlines()
    assert third_lines[0] == f"✖ demo: unchanged ({v2[:12]}); operations: 5 broken of 11 ({broken})"
    assert third_lines[1].startswith(f"    schema unchanged since run {changed['run_id']} (")
    assert third_lines[1].endswith("still open, unacknowledged: 5 breaking, 3 dangerous")
    assert third_lines[-1] == report_line
    unchanged = ws.report("demo")
    assert unchanged["outcome"] == "unchanged" and unchanged["changes"] == []
    assert unchanged["new_snapshot"]["id"] == v2
    assert unchanged["contracts"]["reused"] == unchanged["contracts"]["total"] == 11
    assert unchanged["contracts"]["revalidated"] == 0
    assert broken_of(unchanged) == BROKEN_OPERATIONS
    assert [s["id"] for s in ws.history("demo")["snapshots"]] == [v1, v2]

    # An operation fixed in place, schema unchanged: only that one is validated again.
    listing = ws.root / "contracts" / "demo" / "list_stacks.graphql"
    listing.write_text(listing.read_text(encoding="utf-8").replace("($first: Int)", "($first: Int!)"))
    fourth = ws.run("check", "demo")
    assert fourth.code == 1, fourth
    assert fourth.out.splitlines()[0] == (
        f"✖ demo: unchanged ({v2[:12]}); operations: 4 broken of 11 "
        "(CreateStack, RunCommits, RecentRuns, TriggerRun)"
    )
    revalidated = ws.report("demo")["contracts"]
    assert (revalidated["revalidated"], revalidated["reused"]) == (1, 10)
    assert broken_of(ws.report("demo")) == BROKEN_OPERATIONS - {"ListStacks"}


def test_an_unchanged_check_from_another_directory_reuses_the_operations(
    ws: Workspace, demo_api: DemoServer
) -> None:
    ws.copy_contracts()
    ws.configure(target("demo", demo_api.graphql_url))
    elsewhere = ws.root / "elsewhere"
    elsewhere.mkdir()
    assert ws.invoke("check").code == 0  # in pytest's working directory

    again = ws.run("check", cwd=elsewhere)

    assert again.code == 0, again
    contracts = ws.report("demo")["contracts"]
    assert (contracts["reused"], contracts["revalidated"]) == (11, 0)
    assert contracts["operations"][0]["file"].startswith("contracts/demo/")


def test_a_failing_target_exits_3_and_keeps_the_previous_snapshot(
    ws: Workspace, demo_api: DemoServer
) -> None:
    ws.configure(target("demo", demo_api.graphql_url))
    down = ws.configure(
        target("demo", closed_port_url(), retries=0, timeout="5s"), path=ws.root / "down.toml"
    )
    assert ws.invoke("check").code == 0
    v1 = ws.report("demo")["new_snapshot"]["id"]

    failed = ws.run("check", config=down)

    assert failed.code == 3, failed
    assert failed.out.splitlines()[0].startswith("✖ demo: check failed: demo: http://127.0.0.1:")
    assert "cannot reach the server" in failed.out.splitlines()[0]
    assert "Traceback" not in failed.err
    report = ws.report("demo")
    assert report["outcome"] == "failed" and "cannot reach the server" in report["error"]
    assert report["old_snapshot"]["id"] == v1 and report["new_snapshot"] is None
    history = ws.history("demo")
    assert [r["outcome"] for r in history["runs"]] == ["failed", "baseline"]
    assert [s["id"] for s in history["snapshots"]] == [v1]
    latest = ws.invoke("introspect", "demo@latest", "--sdl")
    assert latest.code == 0 and "commitHash: String!" in latest.out

    # The failure diffed nothing: the next good check compares v2 with the v1 baseline.
    demo_api.switch(version="v2")
    recovered = ws.invoke("check")
    assert recovered.code == 1, recovered
    after = ws.report("demo")
    assert after["outcome"] == "changed" and after["old_snapshot"]["id"] == v1
    assert breaking_of(after) == BREAKING


def test_several_targets(ws: Workspace, demo_api: DemoServer) -> None:
    ws.configure(
        target("a", demo_api.graphql_url),
        target("b", demo_api.graphql_url),
        target("down", closed_port_url(), retries=0, timeout="5s"),
    )

    named = ws.invoke("check", "a", "b")

    assert named.code == 0, named
    outcomes = {line.split(":")[0] for line in named.out.splitlines() if not line.startswith(" ")}
    assert outcomes == {"✔ a", "✔ b"}
    assert not (ws.reports / "down").exists()  # not named, not checked

    every = ws.run("check", "--all")

    assert every.code == 3, every
    heads = sorted(line for line in every.out.splitlines() if not line.startswith(" "))
    assert heads[0].startswith("✔ a: unchanged (") and heads[1].startswith("✔ b: unchanged (")
    assert heads[2].startswith("✖ down: check failed: down: ")

    demo_api.switch(version="v2")
    as_json = ws.invoke("check", "--format", "json")  # no names: every target

    assert as_json.code == 1, as_json  # a breaking change outranks a failed target
    payload = as_json.json
    assert payload["exit_code"] == 1
    assert [(t["target"], t["outcome"]) for t in payload["targets"]] == [
        ("a", "changed"),
        ("b", "changed"),
        ("down", "failed"),
    ]
    assert breaking_of(payload["targets"][0]) == breaking_of(payload["targets"][1]) == BREAKING
    for entry in payload["targets"]:
        published = {Path(p).name for p in entry["published"]}
        assert {f"latest.{s}" for s in REPORT_SUFFIXES} <= published
        assert all(Path(p).is_file() for p in entry["published"])
    index = (ws.reports / "index.html").read_text(encoding="utf-8")
    for name in ("a", "b", "down"):
        assert f'href="{name}/latest.html"' in index


def test_fail_on_from_the_file_the_environment_and_the_flag(
    ws: Workspace, demo_api: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.configure(
        target("a", demo_api.graphql_url),
        target("b", demo_api.graphql_url),
        target("c", demo_api.graphql_url),
        fail_on="never",
    )
    assert ws.invoke("check").code == 0
    demo_api.switch(version="v2")

    from_file = ws.run("check", "a")
    from_flag = ws.invoke("check", "b", "--fail-on", "breaking")
    monkeypatch.setenv("MONITOR_FAIL_ON", "dangerous")
    from_env = ws.invoke("check", "c")

    assert from_file.code == 0, from_file
    assert from_file.out.startswith("✖ a: changed ")  # found and reported, but not failed
    assert from_flag.code == 1, from_flag
    assert from_env.code == 1, from_env


def test_check_a_url_without_a_configuration(ws: Workspace, demo_api: DemoServer) -> None:
    first = ws.run("check", demo_api.graphql_url, no_config=True)
    demo_api.switch(version="v2")
    second = ws.run("check", demo_api.graphql_url, no_config=True)

    name = f"127.0.0.1-{demo_api.port}"
    assert first.code == 0, first
    assert first.out.startswith(f"✔ {name}: baseline snapshot ")
    assert second.code == 1, second
    assert (ws.root / ".gqlmon" / "state.db").is_file()  # the default state, in the current directory
    report = json.loads((ws.root / "reports" / name / "latest.json").read_text(encoding="utf-8"))
    assert report["outcome"] == "changed" and breaking_of(report) == BREAKING


def test_check_of_an_unknown_target_is_one_line(ws: Workspace, demo_api: DemoServer) -> None:
    ws.configure(target("demo", demo_api.graphql_url))
    result = ws.run("check", "nope")
    assert result.code == 2, result
    assert result.err_lines == [
        "gqlmon: error: unknown target 'nope' (known: demo); add it to monitor.toml or pass a URL"
    ]
    assert not (ws.root / "state.db").exists()


def test_check_without_targets_is_one_line(ws: Workspace) -> None:
    ws.configure()
    result = ws.run("check")
    assert result.code == 2, result
    assert len(result.err_lines) == 1 and "no targets configured" in result.err
