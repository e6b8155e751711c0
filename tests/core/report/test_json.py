from __future__ import annotations

import json

import jsonschema

from monitor.core.report import REPORT_VERSION, DriftReport, render_json
from monitor.core.report.json_report import report_schema
from tests.core.report.fixtures import failed_report, fixture_report, hostile_report
from tests.core.report.golden import assert_golden


def test_golden() -> None:
    assert_golden("report.json", render_json(fixture_report()))


def test_round_trip_keeps_everything() -> None:
    for report in (fixture_report(), hostile_report(), failed_report()):
        data = json.loads(render_json(report))
        assert data["version"] == REPORT_VERSION
        again = DriftReport.from_dict(data)
        assert render_json(again) == render_json(report)


def test_breaking_first_and_acknowledged_inline() -> None:
    data = json.loads(render_json(fixture_report()))
    crits = [c["criticality"] for c in data["changes"]]
    assert crits == sorted(crits, key=["breaking", "dangerous", "safe"].index)
    acked = [c for c in data["changes"] if c["acknowledged"]]
    assert [c["path"] for c in acked] == ["LegacyThing"]


def test_control_characters_are_escaped() -> None:
    text = render_json(hostile_report())
    assert "\x1b" not in text
    assert "\\u001b" in text


def test_output_matches_the_documented_schema() -> None:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for report in (fixture_report(), hostile_report(), failed_report()):
        jsonschema.validate(json.loads(render_json(report)), schema)
    assert schema["properties"]["version"]["const"] == REPORT_VERSION
