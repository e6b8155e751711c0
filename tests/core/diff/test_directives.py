from __future__ import annotations

from tests.core.diff.helpers import changes, rows

BASE = "type Query { a: Int }\n"
OLD = BASE + '"""Limit"""\ndirective @limit(max: Int = 10, unit: String) on FIELD | FRAGMENT_SPREAD\n'
KEY = BASE + "directive @key(fields: String!) repeatable on OBJECT | INTERFACE\n"


def test_directive_added_and_removed() -> None:
    assert rows(BASE, OLD) == [("DIRECTIVE_ADDED", "safe", "@limit", "@limit")]
    assert rows(OLD, BASE) == [("DIRECTIVE_REMOVED", "breaking", "@limit", "@limit")]
    assert changes(OLD, BASE)[0].message == "Directive 'limit' was removed"


def test_type_system_directive_removed_is_dangerous() -> None:
    (change,) = changes(KEY, BASE)
    assert (change.type.value, change.criticality.value) == ("DIRECTIVE_REMOVED", "dangerous")
    assert "only type-system locations" in change.reason


def test_locations_and_repeatable() -> None:
    new = OLD.replace("on FIELD | FRAGMENT_SPREAD", "repeatable on FIELD | INLINE_FRAGMENT")
    found = changes(OLD, new)
    assert [(c.type.value, c.criticality.value, c.path, c.old, c.new) for c in found] == [
        ("DIRECTIVE_LOCATION_REMOVED", "breaking", "@limit", "FRAGMENT_SPREAD", None),
        ("DIRECTIVE_LOCATION_ADDED", "safe", "@limit", None, "INLINE_FRAGMENT"),
        ("DIRECTIVE_REPEATABLE_ADDED", "safe", "@limit", "false", "true"),
    ]
    assert rows(new, new.replace("repeatable ", "")) == [
        ("DIRECTIVE_REPEATABLE_REMOVED", "breaking", "@limit", "@limit")
    ]
    key_new = KEY.replace("repeatable on OBJECT | INTERFACE", "on OBJECT")
    assert rows(KEY, key_new) == [
        ("DIRECTIVE_LOCATION_REMOVED", "dangerous", "@key", "@key"),
        ("DIRECTIVE_REPEATABLE_REMOVED", "dangerous", "@key", "@key"),
    ]


def test_directive_arguments() -> None:
    new = OLD.replace("max: Int = 10, unit: String", '"""Most""" max: Int = 5, scope: String!, per: Int')
    assert rows(OLD, new) == [
        ("DIRECTIVE_ARGUMENT_ADDED", "breaking", "@limit.scope", "@limit(scope:)"),
        ("DIRECTIVE_ARGUMENT_REMOVED", "breaking", "@limit.unit", "@limit(unit:)"),
        ("DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED", "dangerous", "@limit.max", "@limit(max:)"),
        ("DIRECTIVE_ARGUMENT_DESCRIPTION_CHANGED", "safe", "@limit.max", "@limit(max:)"),
        ("DIRECTIVE_ARGUMENT_ADDED", "safe", "@limit.per", "@limit(per:)"),
    ]
    tightened = OLD.replace("unit: String", "unit: String!")
    assert rows(OLD, tightened) == [
        ("DIRECTIVE_ARGUMENT_TYPE_CHANGED", "breaking", "@limit.unit", "@limit(unit:)")
    ]


def test_directive_description() -> None:
    assert rows(OLD, OLD.replace('"""Limit"""', '"""Cap"""')) == [
        ("DIRECTIVE_DESCRIPTION_CHANGED", "safe", "@limit", "@limit")
    ]
