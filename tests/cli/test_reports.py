"""Reports on disk after ``gqlmon check``, ``gqlmon report`` (every format) and ``gqlmon history``."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from monitor.errors import SnapshotError
from tests.cli.conftest import BREAKING, BROKEN_OPERATIONS, REPORT_SUFFIXES, Drifted, breaking_of, broken_of


def test_latest_dated_and_index_files(drifted: Drifted) -> None:
    directory = drifted.ws.reports / "demo"

    for suffix in REPORT_SUFFIXES:
        assert (directory / f"latest.{suffix}").is_file(), suffix
        assert (directory / f"{drifted.baseline_run}.{suffix}").is_file(), suffix
        assert (directory / f"{drifted.changed_run}.{suffix}").is_file(), suffix
        assert not (directory / f"{drifted.unchanged_run}.{suffix}").exists(), suffix  # latest.* only
    assert drifted.ws.report("demo")["run_id"] == drifted.unchanged_run
    changed = drifted.ws.report("demo", drifted.changed_run)
    assert changed["outcome"] == "changed" and breaking_of(changed) == BREAKING
    assert broken_of(changed) == BROKEN_OPERATIONS
    assert isinstance(changed["version"], int)

    junit = ET.parse(directory / f"{drifted.changed_run}.junit.xml").getroot()
    failed = {case.get("name") for case in junit.iter("testcase") if case.find("failure") is not None}
    # One failing case per broken operation; the changes that broke them are told inside those cases.
    assert failed == BROKEN_OPERATIONS
    assert int(junit.get("failures", "0")) == 5

    sarif = json.loads((directory / f"{drifted.changed_run}.sarif.json").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results if r["level"] == "error"} == {"BROKEN_OPERATION"}
    warned = {r["ruleId"] for r in results if r["level"] == "warning"}  # at the operations' files
    assert {kind for kind, coordinate in BREAKING if coordinate != "User.email"} <= warned

    markdown = (directory / f"{drifted.changed_run}.md").read_text(encoding="utf-8")
    assert markdown.startswith("## gqlmon · demo: 5 breaking, ")
    assert markdown.index("### ✖ Broken operations (5)") < markdown.index(
        "### 🔴 Breaking changes no saved operation uses (1)"
    )
    html = (directory / "latest.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and drifted.unchanged_run in html

    index = (drifted.ws.reports / "index.html").read_text(encoding="utf-8")
    assert index.startswith("<!DOCTYPE html>")
    assert 'href="demo/latest.html"' in index
    for run in (drifted.baseline_run, drifted.changed_run):
        assert f'href="demo/{run}.html"' in index
    history = json.loads((directory / "history.json").read_text(encoding="utf-8"))
    assert [r["run_id"] for r in history["runs"]] == [
        drifted.baseline_run,
        drifted.changed_run,
        drifted.unchanged_run,
    ]


def test_report_json_re_renders_the_published_file(drifted: Drifted) -> None:
    result = drifted.ws.invoke("report", "demo", "--run", drifted.changed_run[:20], "--format", "json")
    assert result.code == 0, result
    published = (drifted.ws.reports / "demo" / f"{drifted.changed_run}.json").read_text(encoding="utf-8")
    assert result.json == json.loads(published)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (
            "markdown",
            ["## gqlmon · demo: 5 breaking, ", "`ListStacks`", "argument 'first' on field 'Query.stacks'"],
        ),
        ("html", ["<!DOCTYPE html>", "Run.commitHash", "RunCommits"]),
        (
            "text",
            [
                "Broken operations (5):",
                "✖ CreateStack  contracts/demo/create_stack.graphql:3",
                "✖ RunCommits  contracts/demo/persisted-query-manifest.json:12",
                "saved operations: 11 total, 5 valid, 5 broken",
            ],
        ),
        ("sarif", ['"version": "2.1.0"', '"ruleId": "INPUT_FIELD_ADDED"']),
        ("junit", ["<testsuites ", 'name="RunCommits"', "caused by: Field 'commitHash' was removed"]),
        (
            "slack",
            [
                "🔴 demo: 5 saved operations broken · 5 breaking changes",
                "*Saved operations broken*: 5 of 11",
                "`RecentRuns` (contracts/demo/recent_runs.graphql:2)",
                "caused by *Field 'commitHash' was removed from object type 'Run'*",
            ],
        ),
    ],
)
def test_report_formats_of_a_stored_run(drifted: Drifted, fmt: str, expected: list[str]) -> None:
    result = drifted.ws.invoke("report", "demo", "--run", drifted.changed_run, "--format", fmt)

    assert result.code == 0, result
    for text in expected:
        assert text in result.out, text
    if fmt != "junit":
        assert drifted.changed_run in result.out
    else:
        root = ET.fromstring(result.out.encode())
        assert int(root.get("failures", "0")) == 5  # one per broken operation
    if fmt == "sarif":
        assert json.loads(result.out)["version"] == "2.1.0"


def test_report_defaults_to_the_latest_run_as_markdown(drifted: Drifted) -> None:
    result = drifted.ws.invoke("report", "demo")
    assert result.code == 0, result
    assert result.out.startswith("## gqlmon · demo: ")
    assert f"`{drifted.unchanged_run}`" in result.out
    slack = drifted.ws.invoke("report", "demo", "--format", "slack")
    assert slack.out.startswith(f"No alert: nothing in run {drifted.unchanged_run} matches the alert policy")


def test_report_to_a_file(drifted: Drifted) -> None:
    out = drifted.ws.root / "exported" / "changed.xml"
    result = drifted.ws.invoke("report", "demo", "--run", drifted.changed_run, "-f", "junit", "-o", str(out))
    assert result.code == 0, result
    assert result.out == "" and result.err == f"wrote {out}\n"
    assert ET.parse(out).getroot().tag == "testsuites"


def test_report_errors_are_one_line(drifted: Drifted) -> None:
    runs = (drifted.baseline_run, drifted.changed_run, drifted.unchanged_run)
    prefix = ""
    for chars in zip(*runs, strict=False):
        if len(set(chars)) > 1:
            break
        prefix += chars[0]
    assert prefix  # run ids start with their date

    unknown_format = drifted.ws.run("report", "demo", "--format", "pdf")
    assert unknown_format.code == 2, unknown_format
    assert unknown_format.out == ""
    assert unknown_format.err_lines == [
        "gqlmon: error: --format: unknown format 'pdf' (markdown, json, html, junit, sarif, text, slack)"
    ]
    # The same one-line path (main() prints any MonitorError); here only the messages are checked.
    with pytest.raises(
        SnapshotError, match=re.escape("no run 'nope' for target 'demo' (see `gqlmon history demo`)")
    ):
        drifted.ws.invoke("report", "demo", "--run", "nope")
    with pytest.raises(
        SnapshotError, match=re.escape(f"run id prefix {prefix!r} is ambiguous for target 'demo'")
    ):
        drifted.ws.invoke("report", "demo", "--run", prefix)


def test_history_table(drifted: Drifted) -> None:
    result = drifted.ws.invoke("history", "demo")

    assert result.code == 0, result
    rows = {line.split("│")[1].strip(): line for line in result.out.splitlines() if line.count("│") > 5}
    assert set(rows) >= {drifted.baseline_run, drifted.changed_run, drifted.unchanged_run}
    cells = [c.strip() for c in rows[drifted.changed_run].split("│")[2:-1]]
    assert cells[1:4] == ["changed", drifted.v2_snapshot[:12], "5"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", cells[0])
    assert "baseline" in rows[drifted.baseline_run] and "unchanged" in rows[drifted.unchanged_run]
    assert "runs of demo" in result.out and "snapshots of demo" in result.out
    assert drifted.v1_snapshot[:12] in result.out


def test_history_json(drifted: Drifted) -> None:
    result = drifted.ws.invoke("history", "demo", "--format", "json")

    assert result.code == 0, result
    data = result.json
    assert data["target"] == "demo"
    runs = data["runs"]
    assert [(r["run_id"], r["outcome"]) for r in runs] == [
        (drifted.unchanged_run, "unchanged"),
        (drifted.changed_run, "changed"),
        (drifted.baseline_run, "baseline"),
    ]
    assert runs[1]["summary"]["breaking"] == 5
    assert runs[1]["old_snapshot"] == drifted.v1_snapshot and runs[1]["new_snapshot"] == drifted.v2_snapshot
    assert all(r["error"] is None for r in runs)
    assert [(s["id"], s["run_id"]) for s in data["snapshots"]] == [
        (drifted.v1_snapshot, drifted.baseline_run),
        (drifted.v2_snapshot, drifted.changed_run),
    ]
    limited = drifted.ws.invoke("history", "demo", "--format", "json", "--limit", "1").json
    assert [r["run_id"] for r in limited["runs"]] == [drifted.unchanged_run]


def test_history_of_an_unknown_target_is_one_line(drifted: Drifted) -> None:
    result = drifted.ws.run("history", "nope")
    assert result.code == 2, result
    assert result.err_lines == [
        "gqlmon: error: unknown target 'nope' (known: demo); add it to monitor.toml or pass a URL"
    ]
