"""A real API's history, as a new user meets it: GitHub's public schema 12.41.1 -> 14.0.0 (about 1,600 types,
253 changes, 60 breaking), served by a real GraphQL server (GraphQL Inspector's ``serve``), checked by the
installed ``gqlmon`` with five saved operations of the kind people write, one of which uses
``Issue.projectNextItems`` (removed in 14.0.0).

It asserts what a reader of every output must be able to rely on: what breaks *them* comes first (the
console's first screen, Slack, Markdown, HTML, JUnit, SARIF), a valid operation is never said to be broken,
a check is never green while something is broken, and an unchanged run's report shows the state with no
dead link.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from monitor.adapters.store import Store
from tests.cli.conftest import Workspace
from tests.realapi.inspector import InspectorServer

pytestmark = pytest.mark.slow

CONTRACTS = Path(__file__).resolve().parents[1] / "fixtures" / "contracts" / "github"
BROKEN = "IssueProjectItems"
VALID = {"RepoOpenIssues", "PullRequestReviews", "Viewer", "SearchIssues"}
FIRST_SCREEN = 40  # lines of a terminal


class Scenario:
    def __init__(self, ws: Workspace, server: InspectorServer) -> None:
        self.ws = ws
        self.server = server
        self.runs: dict[str, Any] = {}

    def check(self, name: str) -> Any:
        result = self.ws.run("check", "github", timeout=180)
        assert result.code in (0, 1), result
        self.runs[name] = result
        return result


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    root = tmp_path_factory.mktemp("github")
    server = InspectorServer(root)
    ws = Workspace(root)
    shutil.copytree(CONTRACTS, root / "contracts" / "github")
    ws.configure(
        {
            "name": "github",
            "url": server.url,
            "contracts": "contracts/github",
            "timeout": "60s",
        },
        # Slack is configured but nothing listens: alerts stay queued in the outbox, where they are read.
        slack={"webhook_url": "http://127.0.0.1:9/hooks/gqlmon"},
    )
    scenario = Scenario(ws, server)
    try:
        server.serve("github-12.41.1")
        scenario.check("baseline")
        server.serve("github-14.0.0")
        scenario.check("changed")
        scenario.check("unchanged")
        yield scenario
    finally:
        server.stop()


def _store(scenario: Scenario) -> Store:
    return Store.open(f"sqlite:///{scenario.ws.root / 'state.db'}")


def _report(scenario: Scenario, outcome: str) -> dict[str, Any]:
    """The latest stored report with ``outcome``."""
    store = _store(scenario)
    try:
        record = next(r for r in store.list_runs("github", limit=20) if r.outcome == outcome)
        report = store.get_run("github", record.id).report
        assert report is not None
        return report
    finally:
        store.close()


def test_the_console_names_the_broken_operation_and_its_cause_first(scenario: Scenario) -> None:
    changed = scenario.runs["changed"]
    assert changed.code == 1
    screen = changed.out.splitlines()[:FIRST_SCREEN]
    text = "\n".join(screen)
    assert f"operations: 1 broken of 5 ({BROKEN})" in screen[0]
    broken_at = next(i for i, line in enumerate(screen) if line.strip().startswith(f"✖ {BROKEN}"))
    assert "contracts/github/issues.graphql:18" in screen[broken_at]
    assert "Cannot query field 'projectNextItems' on type 'Issue'" in screen[broken_at + 1]
    causes = [line for line in screen[broken_at:] if "caused by:" in line]
    assert causes and "Field 'projectNextItems' was removed from object type 'Issue'" in causes[0]
    # The 58 other breaking changes are a few family lines, not 50 type names.
    assert re.search(r"ProjectNext…: \d+ changes", text), text
    assert len(screen) < FIRST_SCREEN, text


def test_a_valid_operation_is_never_said_to_be_broken(scenario: Scenario) -> None:
    report = _report(scenario, "changed")
    ops = {op["name"]: op for op in report["contracts"]["operations"]}
    assert {n for n, op in ops.items() if op["status"] == "broken"} == {BROKEN}
    by_id = {c["id"]: c for c in report["changes"]}
    assert [(by_id[c]["type"], by_id[c]["coordinate"]) for c in ops[BROKEN]["caused_by"]] == [
        ("FIELD_REMOVED", "Issue.projectNextItems")
    ]
    out = scenario.runs["changed"].out
    for name in VALID:
        for line in out.splitlines():
            if name in line:
                assert "still valid" in line or "✔" in line, line
    markdown = (scenario.ws.reports / "github" / f"{report['run_id']}.md").read_text()
    broken_part = markdown[markdown.index("Broken operations") : markdown.index("Breaking changes")]
    assert not any(name in broken_part for name in VALID)


def test_slack_puts_the_broken_operation_first(scenario: Scenario) -> None:
    store = _store(scenario)
    try:
        later = datetime.now(UTC) + timedelta(days=1)  # past the retry delay of the failed send
        alerts = [a for a in store.due_alerts(now=later, limit=10) if a.kind == "drift"]
    finally:
        store.close()
    assert len(alerts) == 1
    message = alerts[0].payload["message"]
    texts = [json.dumps(block) for block in message["blocks"]]
    assert "1 saved operation broken" in texts[0]
    first_detail = next(t for t in texts if "Saved operations broken (" in t or "Breaking changes" in t)
    assert BROKEN in first_detail and "projectNextItems" in first_detail
    assert all(name not in t or "still valid" in t for t in texts for name in VALID)


def test_junit_and_sarif_fail_on_the_operation(scenario: Scenario) -> None:
    report = _report(scenario, "changed")
    directory = scenario.ws.reports / "github"
    junit = ET.fromstring((directory / f"{report['run_id']}.junit.xml").read_text())
    failed = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert failed == [BROKEN]
    sarif = json.loads((directory / f"{report['run_id']}.sarif.json").read_text())
    results = sarif["runs"][0]["results"]
    errors = [r for r in results if r["level"] == "error"]
    assert [r["ruleId"] for r in errors] == ["BROKEN_OPERATION"]
    location = errors[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "contracts/github/issues.graphql"
    assert location["region"]["startLine"] == 22
    unlocated = [r for r in results if not any("physicalLocation" in loc for loc in r["locations"])]
    assert unlocated and all(r["level"] == "note" for r in unlocated)


def test_an_unchanged_check_stays_red_while_the_operation_is_broken(scenario: Scenario) -> None:
    again = scenario.runs["unchanged"]
    assert again.code == 1, again
    first = again.out.splitlines()[0]
    assert first.startswith("✖ github: unchanged") and BROKEN in first
    assert "still open" in again.out


def test_the_unchanged_report_shows_the_state_and_every_link_resolves(scenario: Scenario) -> None:
    directory = scenario.ws.reports / "github"
    latest = (directory / "latest.html").read_text()
    assert BROKEN in latest and "still open" in latest
    changed = _report(scenario, "changed")
    assert f'href="{changed["run_id"]}.html"' in latest  # the run that brought this schema
    for page in sorted(directory.glob("*.html")):
        _assert_links_resolve(page)
    markdown = (directory / "latest.md").read_text()
    assert BROKEN in markdown and "still open" in markdown


def test_a_new_unparsable_operation_file_fails_the_check_and_is_shown(scenario: Scenario) -> None:
    bad = scenario.ws.root / "contracts" / "github" / "typo.graphql"
    bad.write_text("query Broken {\n  viewer { login \n")
    try:
        result = scenario.check("typo")
    finally:
        bad.unlink()
    assert result.code == 1
    assert "typo.graphql:3" in result.out and "Syntax Error" in result.out


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.hrefs.append(str(values["href"]))


def _assert_links_resolve(page: Path) -> None:
    parser = _Links()
    parser.feed(page.read_text())
    for href in parser.hrefs:
        if href.startswith("#"):
            assert href[1:] in parser.ids, f"{page.name}: dead anchor {href}"
        elif not re.match(r"[a-z]+:", href):
            target = (page.parent / href.split("#", 1)[0]).resolve()
            assert target.exists(), f"{page.name}: dead link {href}"
