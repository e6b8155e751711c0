"""JUnit XML and SARIF: golden files, and the structure CI systems read."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

from monitor.core.report import render_junit, render_sarif
from tests.core.report.fixtures import failed_report, fixture_report, hostile_report
from tests.core.report.golden import assert_golden


def test_junit_golden() -> None:
    assert_golden("report.junit.xml", render_junit(fixture_report()))


def test_sarif_golden() -> None:
    assert_golden("report.sarif.json", render_sarif(fixture_report()))


def test_junit_fails_once_per_broken_operation_not_per_breaking_change() -> None:
    root = ET.fromstring(render_junit(fixture_report()))
    schema, contracts = root.findall("testsuite")
    breaking = [c for c in schema.iter("testcase") if c.get("classname") == "gqlmon.demo.breaking"]
    # User.email broke GetUser and ListUsers: it is told in their cases, not as a case of its own.
    assert [c.get("name") for c in breaking] == [
        "TYPE_REMOVED LegacyThing",
        "FIELD_ARGUMENT_TYPE_CHANGED Query.user(id:)",
    ]
    assert breaking[0].find("skipped") is not None  # acknowledged
    assert breaking[1].find("failure") is None  # no saved operation uses it: reported, not failed
    assert "no saved operation uses" in (breaking[1].findtext("system-out") or "")
    cases = list(contracts.iter("testcase"))
    assert [c.get("name") for c in cases] == [
        "GetUser",
        "ListUsers",
        "UserRoles",
        "CreateUser",
        "read contracts/demo/broken.graphql",
    ]
    failure = cases[0].find("failure")
    assert failure is not None and "caused by: Field 'email' was removed" in (failure.text or "")
    assert root.get("tests") == "8" and root.get("failures") == "2" and root.get("errors") == "1"


def test_junit_without_saved_operations_fails_each_breaking_family() -> None:
    root = ET.fromstring(render_junit(replace(fixture_report(), contracts=None)))
    breaking = [c for c in root.iter("testcase") if c.get("classname") == "gqlmon.demo.breaking"]
    assert [c.find("failure") is not None for c in breaking] == [False, True, True]  # first acknowledged


def test_junit_failed_run_is_an_error() -> None:
    root = ET.fromstring(render_junit(failed_report()))
    [case] = root.iter("testcase")
    error = case.find("error")
    assert error is not None and "HTTP 502" in (error.get("message") or "")


def test_hostile_text_is_well_formed_xml() -> None:
    text = render_junit(hostile_report())
    root = ET.fromstring(text)  # parses: everything escaped, control characters gone
    assert "\x1b" not in text and "<script>" not in text
    assert any("<script>alert(1)</script>" in (f.text or "") for f in root.iter("failure"))


def test_sarif_levels_locations_and_suppressions() -> None:
    run = json.loads(render_sarif(fixture_report()))["runs"][0]
    by_rule: dict[str, list[dict[str, object]]] = {}
    for result in run["results"]:
        by_rule.setdefault(result["ruleId"], []).append(result)
    # User.email broke two operations: a warning at their files; User.nickname no operation uses: a note.
    email, nickname = by_rule["FIELD_REMOVED"]
    assert (email["level"], nickname["level"]) == ("warning", "note")
    assert [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in email["locations"]] == [
        "contracts/demo/get_user.graphql",
        "contracts/demo/list_users.graphql",
    ]
    assert "physicalLocation" not in nickname["locations"][0]
    [acked] = by_rule["TYPE_REMOVED"]
    assert acked["suppressions"] == [
        {"kind": "external", "justification": "Nobody uses LegacyThing (ticket API-42)"}
    ]
    broken = by_rule["BROKEN_OPERATION"]
    assert broken[0]["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "contracts/demo/get_user.graphql"},
                "region": {"startLine": 4, "startColumn": 5},
            }
        }
    ]
    assert "ENUM_VALUE_ADDED" in by_rule and "FIELD_ADDED" not in by_rule  # safe changes are left out
