"""``gqlmon ack``: an acknowledged change is marked in the next report and no longer fails the check."""

from __future__ import annotations

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

    acked = ws.run("ack", "a", first, "--reason", REASON)
    assert acked.code == 0, acked
    assert acked.out == f"acknowledged {first} on a\n"
    for change_id in others:
        assert ws.invoke("ack", "a", change_id, "--reason", REASON).code == 0
    for change_id in ids.values():
        assert ws.invoke("ack", "b", change_id, "--reason", REASON).code == 0
    for change_id in others:
        assert ws.invoke("ack", "c", change_id, "--reason", REASON).code == 0
    expired = ws.invoke("ack", "c", first, "--until", "2000-01-01", "--reason", "too late")
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
