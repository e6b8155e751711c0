"""Policies after the raw diff."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.rules import (
    RuleOptions,
    annotate_usage,
    apply_rules,
    dangerous_is_breaking,
    deprecated_removal,
    ignore_descriptions,
    safe_unreachable,
)
from tests.core.diff.helpers import changes

NOW = datetime(2025, 6, 1, tzinfo=UTC)

OLD = """
type Query { user: User search(kind: Kind): [String] }
\"\"\"A user\"\"\"
type User { id: ID! legacy: String @deprecated(reason: "use id") name: String }
enum Kind { A B }
type Orphan { id: ID gone: Int }
"""
NEW = (
    OLD.replace('legacy: String @deprecated(reason: "use id")', "")
    .replace('"""A user"""', '"""Someone"""')
    .replace("gone: Int", "")
    .replace("Kind { A B }", "Kind { A }")
)


def _by_path(found: list[Change]) -> dict[str, Change]:
    return {c.path: c for c in found}


def test_rule_options_match_settings_fields() -> None:
    from monitor.settings.models import RulesConfig

    assert [f.name for f in dataclasses.fields(RuleOptions)] == list(RulesConfig.model_fields)
    defaults = RulesConfig()
    assert RuleOptions(**defaults.model_dump()) == RuleOptions()


def test_ignore_descriptions_drops_every_description_kind_and_reports_them() -> None:
    raw = changes(OLD, NEW) + changes(OLD, OLD.replace("id: ID! legacy", '"""x""" id: ID! legacy'))
    kept, dropped = ignore_descriptions(raw)
    assert {c.type for c in dropped} == {
        ChangeType.TYPE_DESCRIPTION_CHANGED,
        ChangeType.FIELD_DESCRIPTION_ADDED,
    }
    assert all("DESCRIPTION" not in c.type.value for c in kept)
    result = apply_rules(raw, RuleOptions(ignore_descriptions=True))
    assert result.dropped_count == 2


def test_ignore_descriptions_never_drops_a_breaking_change() -> None:
    odd = changes(OLD, NEW.replace('"""Someone"""', '"""Other"""'))
    breaking = [
        c.with_criticality(Criticality.BREAKING, rule="test", reason="x")
        for c in odd
        if c.type is ChangeType.TYPE_DESCRIPTION_CHANGED
    ]
    kept, dropped = ignore_descriptions(breaking)
    assert kept == breaking and dropped == []


def test_deprecated_removal_relaxes_old_deprecations_only() -> None:
    raw = changes(OLD, NEW)
    since = {"User.legacy": NOW - timedelta(days=100), "Kind.B": NOW - timedelta(days=5), "User": NOW}
    out = _by_path(deprecated_removal(raw, since, days=30, now=NOW))
    legacy = out["User.legacy"]
    assert legacy.criticality is Criticality.DANGEROUS
    assert legacy.meta_dict["original_criticality"] == "breaking"
    assert legacy.meta_dict["rule"] == "deprecated_removal"
    assert "100 days" in legacy.reason
    assert out["Kind.B"].criticality is Criticality.BREAKING


def test_deprecated_removal_never_relaxes_a_removed_type() -> None:
    old = "type Query { a: Int }\ntype Gone { id: ID }"
    raw = changes(old, "type Query { a: Int }")
    assert raw[0].type is ChangeType.TYPE_REMOVED
    out = deprecated_removal(raw, {"Gone": NOW - timedelta(days=1000)}, days=0, now=NOW)
    assert out == raw


def test_naive_datetimes_are_utc() -> None:
    raw = changes(OLD, NEW)
    out = _by_path(deprecated_removal(raw, {"User.legacy": datetime(2020, 1, 1)}, days=30, now=NOW))
    assert out["User.legacy"].criticality is Criticality.DANGEROUS


def test_dangerous_is_breaking_keeps_the_original() -> None:
    raw = changes(
        OLD, OLD.replace("Kind { A B }", "Kind { A B C }").replace("search(kind: Kind): [String]", "k: Kind")
    )
    out = _by_path(dangerous_is_breaking(raw))
    assert out["Kind.C"].criticality is Criticality.BREAKING
    assert out["Kind.C"].meta_dict["original_criticality"] == "dangerous"


def test_safe_unreachable_downgrades_with_reason() -> None:
    out = _by_path(safe_unreachable(changes(OLD, NEW)))
    gone = out["Orphan.gone"]
    assert gone.criticality is Criticality.SAFE
    assert gone.reason == "'Orphan' is not reachable from any root type: no operation can use it"
    assert gone.meta_dict["original_criticality"] == "breaking"
    assert out["User.legacy"].criticality is Criticality.BREAKING


def test_usage_hook_mapping_and_callable() -> None:
    raw = changes(OLD, NEW)
    mapped = _by_path(annotate_usage(raw, {"User.legacy": ["GetUser", "AdminUser", "GetUser"]}))
    assert mapped["User.legacy"].meta_dict["used_by"] == "AdminUser,GetUser"
    assert mapped["Kind.B"].meta_dict["used_by"] == ""
    assert mapped["Kind.B"].reason.endswith("; unused by your operations")
    assert mapped["Kind.B"].criticality is Criticality.BREAKING
    assert "used_by" not in mapped["User"].meta_dict  # safe description change: nothing to say
    called = _by_path(annotate_usage(raw, lambda c: ["Search"] if c.path.startswith("Kind") else []))
    assert called["Kind.B"].meta_dict["used_by"] == "Search"
    assert called["Kind.B"].id == mapped["Kind.B"].id


def test_apply_rules_composes_in_order() -> None:
    raw = changes(OLD, NEW)
    options = RuleOptions(ignore_descriptions=True, deprecated_removal_days=30, dangerous_is_breaking=True)
    result = apply_rules(raw, options, deprecated_since={"User.legacy": NOW - timedelta(days=60)}, now=NOW)
    out = _by_path(result.changes)
    assert out["User.legacy"].criticality is Criticality.DANGEROUS  # the relaxation is not undone
    assert out["Orphan.gone"].criticality is Criticality.SAFE
    assert out["Kind.B"].criticality is Criticality.BREAKING
    assert "User" not in out
    assert len(result.changes) + result.dropped_count == len(raw)
    assert [c.criticality.rank for c in result.changes] == sorted(c.criticality.rank for c in result.changes)


def test_apply_rules_defaults_only_mark_unreachable_safe() -> None:
    raw = changes(OLD, NEW)
    result = apply_rules(raw, RuleOptions())
    before, after = _by_path(raw), _by_path(result.changes)
    assert before.keys() == after.keys()
    assert [p for p in before if before[p].criticality != after[p].criticality] == ["Orphan.gone"]
    assert result.dropped == []
    assert apply_rules(raw, RuleOptions(safe_unreachable=False)).changes == raw


def test_apply_rules_needs_now_for_deprecated_removal() -> None:
    with pytest.raises(ValueError, match="now"):
        apply_rules(
            changes(OLD, NEW),
            RuleOptions(deprecated_removal_days=1),
            deprecated_since={"User.legacy": NOW},
        )


def test_public_names_are_exported() -> None:
    import monitor.core.rules as rules
    import monitor.core.usage as usage

    for module in (rules, usage):
        assert sorted(module.__all__) == module.__all__
        assert all(hasattr(module, name) for name in module.__all__)
