"""``gqlmon introspect`` (URL, TARGET, TARGET@snapshot; stdout or file, JSON or SDL) and ``gqlmon diff``."""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path

import pytest
from graphql import build_schema

from tests import realschemas
from tests.cli.conftest import BREAKING, DANGEROUS, ROOT, Drifted, Workspace, breaking_of, target
from tests.servers.demo import DemoServer

V1 = ROOT / "monitor" / "demo" / "schema_v1.graphql"
V2 = ROOT / "monitor" / "demo" / "schema_v2.graphql"
CHANGE_KEYS = {"id", "type", "criticality", "path", "coordinate", "message", "reason"}


def test_introspect_url_to_json_and_sdl_files(ws: Workspace, demo_api: DemoServer) -> None:
    as_json, as_sdl = ws.root / "out" / "v1.json", ws.root / "v1.graphql"

    wrote_json = ws.run("introspect", demo_api.graphql_url, "-o", str(as_json), no_config=True)
    wrote_sdl = ws.run("introspect", demo_api.graphql_url, "--output", str(as_sdl), no_config=True)

    assert wrote_json.code == 0, wrote_json
    assert wrote_json.out == ""
    assert re.fullmatch(rf"wrote {re.escape(str(as_json))} \(\d+ types, query full\)\n", wrote_json.err)
    data = json.loads(as_json.read_text(encoding="utf-8"))
    types = {t["name"]: t for t in data["data"]["__schema"]["types"]}
    assert "commitHash" in {f["name"] for f in types["Run"]["fields"]}
    assert wrote_sdl.code == 0, wrote_sdl
    sdl = as_sdl.read_text(encoding="utf-8")
    assert "commitHash: String!" in sdl and not sdl.lstrip().startswith("{")
    build_schema(sdl)  # valid SDL
    # Both files hold exactly the schema the demo serves.
    for written in (as_json, as_sdl):
        same = ws.invoke("diff", str(written), str(V1))
        assert (same.code, same.out) == (0, "No changes.\n"), same


def test_introspect_prints_json_or_sdl_on_stdout(ws: Workspace, demo_api: DemoServer) -> None:
    ws.configure(target("demo", demo_api.graphql_url))
    demo_api.switch(version="v2")

    by_url = ws.invoke("introspect", demo_api.graphql_url)
    by_target = ws.invoke("introspect", "demo", "--sdl")

    assert by_url.code == 0, by_url
    assert set(by_url.json) == {"data"} and "__schema" in by_url.json["data"]
    assert by_target.code == 0, by_target
    assert "vcsIntegrationId: ID!" in by_target.out  # the target, live, at v2
    schema = build_schema(by_target.out)
    assert "commitHash" not in schema.get_type("Run").fields  # type: ignore[union-attr]


def test_introspect_a_stored_snapshot(drifted: Drifted, tmp_path: Path) -> None:
    ws = drifted.ws
    previous, latest = tmp_path / "previous.graphql", tmp_path / "latest.json"

    assert ws.invoke("introspect", "demo@previous", "-o", str(previous)).code == 0
    assert ws.invoke("introspect", "demo@latest", "-o", str(latest)).code == 0
    by_prefix = ws.invoke("introspect", f"demo@{drifted.v1_snapshot[:10]}", "--sdl")

    assert ws.invoke("diff", str(previous), str(V1)).out == "No changes.\n"
    assert ws.invoke("diff", str(latest), str(V2)).out == "No changes.\n"
    assert by_prefix.out.strip() == previous.read_text(encoding="utf-8").strip()


def test_diff_text_lists_the_breaking_changes_and_exits_1(ws: Workspace) -> None:
    result = ws.run("diff", str(V1), str(V2), no_config=True)

    assert result.code == 1, result
    lines = result.out.splitlines()
    assert lines[0] == "BREAKING (5)"
    for message in (
        "✖ Field 'commitHash' was removed from object type 'Run'",
        "✖ Field 'email' was removed from object type 'User'",
        "✖ Type for argument 'first' on field 'Query.stacks' changed from 'Int' to 'Int!'",
        "✖ Field 'Run.triggeredBy' changed type from 'String' to 'User'",
        "✖ Input field 'vcsIntegrationId' of type 'ID!' was added to input object type 'StackInput'",
    ):
        assert f"  {message}" in lines[1:11]
    assert re.search(r"\[FIELD_REMOVED Run\.commitHash #[0-9a-f]{16}\]", result.out)
    assert "DANGEROUS (3)" in lines and any(line.startswith("SAFE (") for line in lines)
    summary = re.fullmatch(r"(\d+) changes: 5 breaking, (\d+) dangerous, (\d+) safe", lines[-1])
    assert summary and int(summary[1]) == 5 + int(summary[2]) + int(summary[3])
    assert result.err == ""


def test_diff_json_is_the_documented_object(ws: Workspace) -> None:
    result = ws.invoke("diff", str(V1), str(V2), "--format", "json")

    assert result.code == 1
    payload = result.json
    assert set(payload) == {"changes", "summary"}
    changes = payload["changes"]
    assert all(set(c) >= CHANGE_KEYS for c in changes)
    assert breaking_of(payload) == BREAKING
    assert {(c["type"], c["coordinate"]) for c in changes if c["criticality"] == "dangerous"} == DANGEROUS
    assert len({c["id"] for c in changes}) == len(changes)
    assert all(re.fullmatch(r"[0-9a-f]{16}", c["id"]) for c in changes)
    by_level = {
        level: sum(c["criticality"] == level for c in changes) for level in ("breaking", "dangerous", "safe")
    }
    assert payload["summary"] == {**by_level, "total": len(changes)}
    assert [c["criticality"] for c in changes] == sorted(
        (c["criticality"] for c in changes), key=["breaking", "dangerous", "safe"].index
    )  # worst first
    stacks = next(c for c in changes if c["coordinate"] == "Query.stacks(first:)")
    assert stacks["path"] == "Query.stacks.first"
    assert stacks["reason"]


def test_diff_reads_introspection_json_with_or_without_the_data_wrapper(ws: Workspace) -> None:
    wrapped = ws.invoke("introspect", str(V1))
    assert wrapped.code == 0
    (ws.root / "wrapped.json").write_text(wrapped.out, encoding="utf-8")
    (ws.root / "bare.json").write_text(json.dumps(wrapped.json["data"]), encoding="utf-8")

    ids = []
    for old in (str(V1), str(ws.root / "wrapped.json"), str(ws.root / "bare.json")):
        result = ws.invoke("diff", old, str(V2), "--format", "json")
        assert result.code == 1
        ids.append(sorted(c["id"] for c in result.json["changes"]))
    assert ids[0] == ids[1] == ids[2]  # the same change has the same id whatever the input form


def test_two_json_files_give_the_sdl_diff_and_leave_the_garbage_collector_on(ws: Workspace) -> None:
    """JSON against JSON takes the partial-build path (monitor/core/diff/introspected.py)."""
    for name, sdl in (("v1", V1), ("v2", V2)):
        assert ws.invoke("introspect", str(sdl), "-o", str(ws.root / f"{name}.json")).code == 0
    from_sdl = ws.invoke("diff", str(V1), str(V2), "--format", "json")
    from_json = ws.invoke("diff", str(ws.root / "v1.json"), str(ws.root / "v2.json"), "--format", "json")

    assert from_json.code == from_sdl.code == 1
    assert from_json.json["changes"] == from_sdl.json["changes"]
    assert gc.isenabled()  # paused only while the command ran


ENUM_A = "type Query { e: E }\nenum E { A }\n"
ENUM_AB = "type Query { e: E }\nenum E { A B }\n"  # A -> A B: ENUM_VALUE_ADDED on an output enum, dangerous
FIELDS_AB = "type Query { a: Int b: Int }\n"
FIELDS_A = "type Query { a: Int }\n"  # AB -> A: FIELD_REMOVED, breaking


@pytest.mark.parametrize(
    ("old", "new", "fail_on", "code"),
    [
        (ENUM_A, ENUM_AB, None, 0),
        (ENUM_A, ENUM_AB, "dangerous", 1),
        (ENUM_A, ENUM_AB, "breaking", 0),
        (FIELDS_AB, FIELDS_A, None, 1),
        (FIELDS_AB, FIELDS_A, "dangerous", 1),
        (FIELDS_AB, FIELDS_A, "never", 0),
        (FIELDS_A, FIELDS_AB, "dangerous", 0),  # FIELD_ADDED: safe
    ],
)
def test_diff_exit_code_follows_fail_on(
    ws: Workspace, old: str, new: str, fail_on: str | None, code: int
) -> None:
    (ws.root / "old.graphql").write_text(old, encoding="utf-8")
    (ws.root / "new.graphql").write_text(new, encoding="utf-8")
    flags = ["--fail-on", fail_on] if fail_on else []

    result = ws.invoke("diff", str(ws.root / "old.graphql"), str(ws.root / "new.graphql"), *flags)

    assert result.code == code, result
    assert result.out.splitlines()[-1].endswith((" safe", "No changes."))


def test_diff_a_url_against_a_file(ws: Workspace, demo_api: DemoServer) -> None:
    demo_api.switch(version="v2")
    result = ws.invoke("diff", str(V1), demo_api.graphql_url, "--format", "json")
    assert result.code == 1
    assert breaking_of(result.json) == BREAKING


def test_diff_stored_snapshots_has_the_ids_of_the_check(drifted: Drifted) -> None:
    ws = drifted.ws
    checked = ws.report("demo", drifted.changed_run)

    by_name = ws.invoke("diff", "demo@previous", "demo@latest", "--format", "json")
    by_prefix = ws.invoke(
        "diff", f"demo@{drifted.v1_snapshot[:8]}", f"demo@{drifted.v2_snapshot[:8]}", "-f", "json"
    )
    back = ws.invoke("diff", "demo@latest", "demo@previous", "--format", "json", "--fail-on", "never")

    assert by_name.code == 1
    assert breaking_of(by_name.json) == BREAKING
    assert sorted(c["id"] for c in by_name.json["changes"]) == sorted(c["id"] for c in checked["changes"])
    assert by_prefix.json == by_name.json
    assert back.code == 0
    assert ("FIELD_ADDED", "Run.commitHash") in {(c["type"], c["coordinate"]) for c in back.json["changes"]}


def test_diff_exit_codes_of_the_console_script(ws: Workspace) -> None:
    (ws.root / "old.graphql").write_text(ENUM_A, encoding="utf-8")
    (ws.root / "new.graphql").write_text(ENUM_AB, encoding="utf-8")

    equal = ws.run("diff", str(V2), str(V2), "--fail-on", "dangerous", no_config=True)
    dangerous = ws.run("diff", "old.graphql", "new.graphql", "--fail-on", "dangerous", no_config=True)

    assert (equal.code, equal.out) == (0, "No changes.\n"), equal
    assert dangerous.code == 1, dangerous
    assert dangerous.out.startswith("DANGEROUS (1)\n  ▲ Enum value 'B' was added to enum 'E'")


def test_introspect_of_an_unknown_snapshot_is_one_line(drifted: Drifted) -> None:
    result = drifted.ws.run("introspect", "demo@ffffffffffff")
    assert result.code == 2, result
    assert result.err_lines == [
        "gqlmon: error: no snapshot 'ffffffffffff' for target 'demo' (see `gqlmon history demo`)"
    ]


@pytest.mark.parametrize(
    ("old", "message"),
    [
        ("missing.graphql", "missing.graphql: no such file"),
        ("nonsense", "'nonsense' is not a file, a URL or a configured target"),
    ],
)
def test_diff_of_an_unreadable_schema_is_one_line_and_exit_2(ws: Workspace, old: str, message: str) -> None:
    result = ws.run("diff", old, str(V1), no_config=True)
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result
    assert result.err_lines[0].startswith("gqlmon: error: ")
    assert message in result.err_lines[0]


def test_introspect_of_an_unreadable_schema_is_one_line_and_exit_2(ws: Workspace) -> None:
    (ws.root / "garbage.json").write_text('{"data": {"nope": 1}', encoding="utf-8")
    result = ws.run("introspect", "garbage.json", no_config=True)
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result
    assert result.err_lines[0].startswith("gqlmon: error: garbage.json: invalid JSON")


def test_gqlmon_diff_of_githubs_sdl_and_json_reports_no_change(ws: Workspace, tmp_path: Path) -> None:
    as_sdl = realschemas.write_sdl("github-14.0.0", tmp_path)
    as_json = realschemas.write("github-14.0.0", tmp_path)

    forward = ws.run("diff", str(as_sdl), str(as_json), no_config=True)
    backward = ws.run("diff", str(as_json), str(as_sdl), "--format", "json", no_config=True)

    assert (forward.code, forward.out, forward.err) == (0, "No changes.\n", "")
    assert backward.code == 0, backward
    assert json.loads(backward.out) == {
        "changes": [],
        "summary": {"breaking": 0, "dangerous": 0, "safe": 0, "total": 0},
    }
