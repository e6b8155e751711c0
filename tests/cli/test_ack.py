"""``gqlmon ack``: an acknowledged change is marked in the next report and no longer fails the check."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests.cli.conftest import BREAKING, Workspace, target
from tests.servers.demo import DemoServer

REASON = "clients migrated in release 42"


def _breaking_ids(ws: Workspace, name: str, url: str) -> dict[str, str]:
    """coordinate -> id of the breaking changes between the target's latest snapshot and the live API."""
    result = ws.invoke("diff", f"{name}@latest", url, "--format", "json")
    assert result.code == 1, result
    return {c["coordinate"]: c["id"] for c in result.json["changes"] if c["criticality"] == "breaking"}


def test_acknowledged_changes_are_marked_and_do_not_fail(ws: Workspace, demo_api: DemoServer) -> None:
    ws.copy_contracts("a")
    ws.configure(
        target("a", demo_api.graphql_url),
        target("b", demo_api.graphql_url),
        target("c", demo_api.graphql_url),
    )
    assert ws.invoke("check").code == 0
    demo_api.switch(version="v2")
    ids = _breaking_ids(ws, "a", demo_api.graphql_url)
    assert {coordinate for _, coordinate in BREAKING} == set(ids)
    first, *others = sorted(ids.values())

    # No check has recorded these changes yet (the API changed since): --force acknowledges them ahead.
    acked = ws.run("ack", "a", first, "--reason", REASON, "--force")
    assert acked.code == 0, acked
    assert acked.out == f"acknowledged {first} on a\n"
    for change_id in others:
        assert ws.invoke("ack", "a", change_id, "--reason", REASON, "--force").code == 0
    for change_id in ids.values():
        assert ws.invoke("ack", "b", change_id, "--reason", REASON, "--force").code == 0
    for change_id in others:
        assert ws.invoke("ack", "c", change_id, "--reason", REASON, "--force").code == 0
    expired = ws.invoke("ack", "c", first, "--until", "2000-01-01", "--reason", "too late", "--force")
    assert expired.out == f"acknowledged {first} on c until 2000-01-01\n"

    a = ws.run("check", "a")
    b = ws.invoke("check", "b", "--fail-on", "dangerous")
    c = ws.invoke("check", "c")

    # a: every breaking change acknowledged: still reported, no longer a failure.
    assert a.code == 0, a
    assert a.out.startswith("✖ a: changed ") and ": 5 breaking, " in a.out
    report = ws.report("a")
    marked = {c["id"]: c["acknowledged"] for c in report["changes"] if c["criticality"] == "breaking"}
    assert marked == dict.fromkeys(ids.values(), REASON)
    assert all(c["acknowledged"] is None for c in report["changes"] if c["criticality"] != "breaking")
    assert f"acknowledged: {REASON}" in (ws.reports / "a" / "latest.md").read_text(encoding="utf-8")
    junit = ET.parse(ws.reports / "a" / "latest.junit.xml").getroot()
    for case in junit.iter("testcase"):
        if case.get("classname", "").endswith(".breaking"):
            assert case.find("failure") is None and case.find("skipped") is not None, case.get("name")
    slack = ws.invoke("report", "a", "--format", "slack")
    assert slack.code == 0, slack
    assert slack.out.startswith("No alert: nothing in run ")  # acknowledged changes never alert
    # b: the acknowledgements do not cover the dangerous changes.
    assert b.code == 1, b
    # c: one acknowledgement expired: that change still fails the check and is not marked.
    assert c.code == 1, c
    marked_c = {
        c["id"]: c["acknowledged"] for c in ws.report("c")["changes"] if c["criticality"] == "breaking"
    }
    assert marked_c == {**dict.fromkeys(others, REASON), first: None}


def test_ack_errors_are_one_line(ws: Workspace, demo_api: DemoServer) -> None:
    ws.configure(target("demo", demo_api.graphql_url))

    bad_date = ws.run("ack", "demo", "0123456789abcdef", "--until", "next week")
    unknown = ws.run("ack", "nope", "0123456789abcdef")

    assert bad_date.code == 2, bad_date
    assert bad_date.err_lines == [
        "gqlmon: error: --until: expected a date such as 2026-12-31, got 'next week'"
    ]
    assert unknown.code == 2, unknown
    assert unknown.err_lines == [
        "gqlmon: error: unknown target 'nope' (known: demo); add it to monitor.toml or pass a URL"
    ]


def _recorded(ws: Workspace, demo_api: DemoServer) -> dict[str, str]:
    """Target ``a`` checked at v1 then v2: coordinate -> id of the breaking changes the store recorded."""
    ws.configure(target("a", demo_api.graphql_url))
    assert ws.invoke("check").code == 0
    demo_api.switch(version="v2")
    ws.invoke("check")
    report = ws.report("a")
    return {c["coordinate"]: c["id"] for c in report["changes"] if c["criticality"] == "breaking"}


def test_ack_resolves_prefixes_refuses_unknown_ids_and_can_be_listed_and_undone(
    ws: Workspace, demo_api: DemoServer
) -> None:
    ids = _recorded(ws, demo_api)
    removed = ids["Run.commitHash"]

    unknown = ws.run("ack", "a", "deadbeefdeadbeef")
    too_short = ws.run("ack", "a", removed[:3])
    acked = ws.run("ack", "a", removed[:7], "--reason", REASON, "--until", "2099-12-31")

    assert unknown.code == 2, unknown
    (line,) = unknown.err_lines
    assert line.startswith(
        "gqlmon: error: unknown change id 'deadbeefdeadbeef' in the changes recorded for 'a'; closest: "
    )
    assert len(re.findall(r"\b[0-9a-f]{16} \(", line)) == 3  # three recorded ids, each with its message
    assert too_short.code == 2 and "is too short: give at least 4 digits" in too_short.err, too_short
    assert acked.code == 0, acked
    assert acked.out == (
        f"acknowledged {removed} on a until 2099-12-31: Field 'commitHash' was removed from object type 'Run'\n"
    )

    listed = ws.invoke("ack", "a", "--list")
    assert listed.code == 0, listed
    assert listed.out.splitlines()[0] == "acknowledgements on a (1):"
    assert re.match(
        rf"  {removed}  until 2099-12-31 +since \d{{4}}-\d\d-\d\d  {re.escape(REASON)}$",
        listed.out.splitlines()[1],
    )
    assert listed.out.splitlines()[2] == "      Field 'commitHash' was removed from object type 'Run'"

    # The stored run's re-rendered report shows the acknowledgement made after it, in every format.
    as_json = ws.invoke("report", "a", "--format", "json")
    assert [(a["id"], a["reason"]) for a in as_json.json["acknowledged"]] == [(removed, REASON)]
    assert next(c for c in as_json.json["changes"] if c["id"] == removed)["acknowledged"] == REASON
    assert f"acknowledged (1):\n  - [{removed}] " in ws.invoke("report", "a", "--format", "text").out
    assert "Acknowledged (1)" in ws.invoke("report", "a", "--format", "markdown").out
    assert '<section id="acknowledged">' in ws.invoke("report", "a", "--format", "html").out

    undone = ws.run("unack", "a", removed[:5])
    assert (undone.code, undone.out) == (0, f"unacknowledged {removed} on a\n"), undone
    assert ws.invoke("ack", "a", "--list").out == "no acknowledgements on a\n"
    assert ws.invoke("report", "a", "--format", "json").json["acknowledged"] == []


def test_unack_resolves_against_the_acknowledgements_and_lists_an_ambiguous_prefix(
    ws: Workspace, demo_api: DemoServer
) -> None:
    ws.configure(target("a", demo_api.graphql_url))
    for change_id in ("abcd000000000001", "abcd000000000002"):
        forced = ws.run("ack", "a", change_id, "--force", "--reason", "ahead of the release")
        assert (forced.code, forced.out) == (0, f"acknowledged {change_id} on a\n"), forced

    ambiguous = ws.run("unack", "a", "abcd")
    unknown = ws.run("unack", "a", "abce000000000001")
    short_force = ws.run("ack", "a", "abcd", "--force")

    assert ambiguous.code == 2, ambiguous
    assert ambiguous.err_lines == [
        "gqlmon: error: change id 'abcd' is ambiguous in the acknowledgements of 'a': "
        "abcd000000000001 (ahead of the release); abcd000000000002 (ahead of the release)"
    ]
    assert unknown.code == 2 and "closest: abcd000000000001" in unknown.err, unknown
    assert short_force.err_lines == [
        "gqlmon: error: --force takes a full change id (16 hex digits), got 'abcd'"
    ]
    listed = ws.invoke("ack", "a", "--list").out
    assert "(no check has recorded this change yet)" in listed and listed.startswith(
        "acknowledgements on a (2):"
    )
    assert ws.run("unack", "a", "abcd000000000002").code == 0
    assert ws.invoke("ack", "a", "--list").out.startswith(
        "acknowledgements on a (1):\n  abcd000000000001  in force"
    )


def test_ack_usage_errors(ws: Workspace, demo_api: DemoServer) -> None:
    ws.configure(target("a", demo_api.graphql_url))
    no_id = ws.run("ack", "a")
    list_with_id = ws.run("ack", "a", "--list", "abcd")
    assert no_id.code == 2 and no_id.err_lines == ["gqlmon: error: ack: give a CHANGE_ID (or --list)"]
    assert list_with_id.code == 2 and list_with_id.err_lines == [
        "gqlmon: error: ack --list takes no change id"
    ]
