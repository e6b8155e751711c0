"""What the renderers share: cleaning, which operations a change broke, deprecations, history."""

from __future__ import annotations

from dataclasses import replace

from monitor.core.report import view
from monitor.core.report.triage import broken_by
from tests.core.report.fixtures import CONTRACTS, FIELD_REMOVED, HISTORY, fixture_report


def test_clean_removes_escapes_and_folds_lines() -> None:
    assert view.clean("a\x1b[2J\x1b]0;title\x07b\nc\u202ed") == "ab cd"
    assert view.clean("x" * 10, limit=5) == "xxxx…"
    assert view.clean(None) == ""


def test_broken_by_names_only_operations_a_change_broke() -> None:
    """Operations that merely use a changed coordinate (the section's "affected" map) are never "broken by"
    it: only a broken operation whose errors the change explains is."""
    contracts = {**CONTRACTS, "affected": {"feedbeef": ["Other"], FIELD_REMOVED.id: ["Third"]}}
    broken = broken_by(replace(fixture_report(), contracts=contracts))
    assert broken == {FIELD_REMOVED.id: ["GetUser", "ListUsers"]}


def test_used_by_accepts_lists_and_comma_text() -> None:
    assert view.used_by(FIELD_REMOVED) == ["GetUser", "ListUsers"]
    assert view.used_by(FIELD_REMOVED.with_meta(used_by='["A", "B"]')) == ["A", "B"]
    assert view.used_by(FIELD_REMOVED.with_meta(used_by="")) == []


def test_deprecations_are_grouped_by_element_soonest_first() -> None:
    ops = [dict(op) for op in CONTRACTS["operations"]]  # type: ignore[attr-defined]
    dep = ops[2]["deprecations"][0]
    ops[3] = {
        **ops[3],
        "deprecations": [dep, {**dep, "coordinate": "User.old", "removal_date": "2026-01-13"}],
    }
    deps = view.deprecations(replace(fixture_report(), contracts={**CONTRACTS, "operations": ops}))
    assert [(d.coordinate, d.operations, d.days_left, d.near) for d in deps] == [
        ("User.old", ("CreateUser",), 1, True),
        ("User.role", ("CreateUser", "UserRoles"), 18, True),
    ]


def test_history_is_merged_with_the_run_oldest_first() -> None:
    report = fixture_report()
    runs = view.merged_history(report, [*reversed(HISTORY), {**HISTORY[0]}])
    assert [r["run_id"] for r in runs] == [h["run_id"] for h in HISTORY] + [report.run_id]


def test_target_folder_names() -> None:
    assert view.target_dir_name("demo") == "demo"
    assert view.target_dir_name("../x y") == "_x_y"
    assert view.target_dir_name("...") == "target"
