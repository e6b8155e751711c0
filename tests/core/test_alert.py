from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from monitor.core.alert import AlertPolicy, PlannedAlert, alerting_changes, decide_alerts, dedupe_key, preview
from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.report.blocks import MAX_BLOCKS, MAX_HEADER, violations
from monitor.core.report.model import DriftReport, SnapshotInfo
from monitor.settings.models import AlertConfig
from tests.core.report.fixtures import (
    ARG_TYPE,
    DEPRECATION_RULE,
    ENUM_ADDED,
    FIELD_REMOVED,
    failed_report,
    fixture_report,
    hostile_report,
)

URL = "https://ci.example.com/gqlmon/"


def _decide(
    report: DriftReport | None = None,
    policy: AlertPolicy | None = None,
    failures: int = 0,
    previous: str | None = "changed",
) -> list[PlannedAlert]:
    return decide_alerts(
        report or fixture_report(),
        policy or AlertPolicy(),
        consecutive_failures=failures,
        previous_outcome=previous,
        public_url=URL,
    )


def _texts(message: dict[str, Any]) -> str:
    out = [message["text"]]
    for block in message["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields", [])]
        out += [e["text"] for e in block.get("elements", [])]
    return "\n".join(out)


def _all_messages(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [payload["message"], payload["summary"], *payload["details"]]


def test_drift_alert_lists_breaking_changes_and_the_operations_they_break() -> None:
    [(key, kind, payload)] = _decide()
    assert kind == "drift"
    assert key.startswith("drift:demo:a1a1a1a1a1a1a1a1:b2b2b2b2b2b2b2b2:")
    json.dumps(payload)  # stored in the outbox as JSON
    text = _texts(payload["message"])
    assert payload["message"]["blocks"][0] == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "🔴 demo: 2 saved operations broken · 2 breaking changes",
            "emoji": True,
        },
    }
    assert "`a1a1a1a1a1a1` → `b2b2b2b2b2b2`" in text
    # The broken operations come first, each with the change that broke it.
    assert text.index("*✖ Saved operations broken (2)*") < text.index(
        "Breaking changes no saved operation uses"
    )
    for name in ("GetUser", "ListUsers"):
        entry = text[text.index(f"`{name}`") :].split("\n•")[0]
        assert "caused by *Field 'email' was removed from object type 'User'*" in entry
    assert "LegacyThing" not in text  # acknowledged: quiet
    assert "1 acknowledged, not alerted" in text
    assert "`User.role` is removed in 18 days (2026-01-30)" in text
    assert f"<{URL}demo/20260112T093000000-abc123.html|Open the report>" in text


def test_bot_mode_splits_summary_and_threaded_details() -> None:
    [(_, _, payload)] = _decide()
    summary = _texts(payload["summary"])
    assert "Details in the thread" in summary
    assert "`GetUser`" not in summary
    assert "`GetUser`" in _texts(payload["details"][0])


def test_dedupe_key_is_stable_and_tells_flip_flops_apart() -> None:
    report = fixture_report()
    assert dedupe_key("drift", report) == dedupe_key("drift", replace(report, run_id="another-replica"))
    assert report.old_snapshot is not None
    later = replace(report, old_snapshot=replace(report.old_snapshot, fetched_at="2026-03-01T00:00:00+00:00"))
    assert dedupe_key("drift", later) != dedupe_key("drift", report)
    assert len(dedupe_key("drift", replace(report, target="t" * 64))) <= 200


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (AlertPolicy(), [ARG_TYPE, FIELD_REMOVED]),
        (AlertPolicy(on="dangerous"), [ARG_TYPE, FIELD_REMOVED, ENUM_ADDED, DEPRECATION_RULE]),
        (AlertPolicy(only_used=True), [FIELD_REMOVED]),
        (AlertPolicy(include_types=("FIELD_*",)), [ARG_TYPE, FIELD_REMOVED]),
        (AlertPolicy(include_types=("FIELD_REMOVED",)), [FIELD_REMOVED]),
        (AlertPolicy(exclude_types=("FIELD_ARGUMENT_*",)), [FIELD_REMOVED]),
    ],
)
def test_policy_selects_changes(policy: AlertPolicy, expected: list[Change]) -> None:
    got = alerting_changes(fixture_report(), policy)
    assert {c.id for c in got} == {c.id for c in expected}
    assert [c.criticality.rank for c in got] == sorted(c.criticality.rank for c in got)


def test_policy_any_includes_safe_changes() -> None:
    changes = alerting_changes(fixture_report(), AlertPolicy(on="any"))
    assert {c.criticality for c in changes} == {Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE}


def test_policy_from_settings() -> None:
    config = AlertConfig(on="dangerous", only_used=True, exclude_types=["ENUM_*"], unreachable_after=5)
    policy = AlertPolicy.from_config(config)
    assert policy == AlertPolicy(
        on="dangerous", only_used=True, exclude_types=("ENUM_*",), unreachable_after=5
    )


def test_nothing_to_say_means_no_alert() -> None:
    report = fixture_report()
    all_acked = replace(report, acknowledged={c.id: "known" for c in report.changes})
    assert _decide(all_acked) == []
    assert _decide(replace(report, outcome="unchanged")) == []
    assert _decide(replace(report, outcome="baseline", old_snapshot=None)) == []
    assert _decide(report, AlertPolicy(include_types=("NO_SUCH_TYPE",))) == []


def test_unreachable_once_per_streak_then_recovered() -> None:
    policy = AlertPolicy(unreachable_after=3)
    failed = failed_report()
    assert _decide(failed, policy, failures=0, previous="changed") == []
    assert _decide(failed, policy, failures=1, previous="failed") == []
    [(key, kind, payload)] = _decide(failed, policy, failures=2, previous="failed")
    assert (kind, key) == ("unreachable", f"unreachable:demo:{failed.run_id}")
    text = _texts(payload["message"])
    assert "demo is unreachable" in text and "The last 3 checks failed" in text and "HTTP 502" in text
    assert _decide(failed, policy, failures=3, previous="failed") == []
    recovered = _decide(fixture_report(), policy, failures=7, previous="failed")
    assert [kind for _, kind, _ in recovered] == ["recovered", "drift"]
    assert "recovered after 7 failed checks" in recovered[0][2]["message"]["text"]
    assert (
        _decide(replace(fixture_report(), outcome="unchanged"), policy, failures=2, previous="failed") == []
    )


def test_limits_hold_for_a_huge_run() -> None:
    long = "x" * 5000
    used = (("used_by", ",".join(f"Op{j}" for j in range(50))),)
    changes = tuple(
        Change(ChangeType.FIELD_REMOVED, Criticality.BREAKING, f"T{i}.f", f"T{i}.f", long, long, meta=used)
        for i in range(3000)
    )
    report = replace(fixture_report(), target="t" * 300, changes=changes)
    [(_, _, payload)] = _decide(report)
    for message in _all_messages(payload):
        assert violations(message) == []
        assert len(message["blocks"]) <= MAX_BLOCKS
    assert len(payload["message"]["blocks"][0]["text"]["text"]) <= MAX_HEADER
    assert "and 2990 more in 2990 groups" in _texts(payload["message"])


def test_api_text_cannot_ping_or_forge_links() -> None:
    [(_, _, payload)] = _decide(hostile_report(), AlertPolicy(on="any"))
    for message in _all_messages(payload):
        text = _texts(message)
        for forbidden in ("<!channel>", "<@U123", "<http://evil", "<script>", "\x1b", "\u202e", "@here"):
            assert forbidden not in text, forbidden
        assert text.count("<") == text.count("|Open the report>")  # only gqlmon's own link
    text = _texts(payload["message"])
    assert "&lt;!channel&gt;" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_public_url_is_optional() -> None:
    [(_, _, payload)] = decide_alerts(
        fixture_report(), AlertPolicy(), consecutive_failures=0, previous_outcome="changed", public_url=None
    )
    assert "Open the report" not in _texts(payload["message"])


def test_snapshot_info_in_key_survives_missing_old() -> None:
    report = replace(fixture_report(), old_snapshot=SnapshotInfo("c3" * 32, "2026-01-01T00:00:00+00:00"))
    assert dedupe_key("drift", report).startswith("drift:demo:c3c3c3c3c3c3c3c3:")


def test_preview_shows_what_slack_would() -> None:
    [(_, _, payload)] = _decide(hostile_report())
    text = preview(payload)
    assert text.splitlines()[0] == "🔴 demo: 2 saved operations broken · 3 breaking changes"
    assert "*Breaking*: 4 (1 acknowledged)" in text
    assert "\x1b" not in text and "\u200b" not in text
    threaded = preview(payload, bot=True)
    assert "Details in the thread" in threaded and "↳ in thread:" in threaded
