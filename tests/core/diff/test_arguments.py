from __future__ import annotations

import pytest

from tests.core.diff.helpers import changes, rows

OLD = 'type Query { users(first: Int = 10, after: String, filter: String = "all"): [String] }'


def _with(args: str) -> str:
    return f"type Query {{ users({args}): [String] }}"


def test_arguments_added() -> None:
    new = _with('first: Int = 10, after: String, filter: String = "all", id: ID!, q: String, n: Int! = 1')
    assert rows(OLD, new) == [
        ("FIELD_ARGUMENT_ADDED", "breaking", "Query.users.id", "Query.users(id:)"),
        ("FIELD_ARGUMENT_ADDED", "safe", "Query.users.n", "Query.users(n:)"),
        ("FIELD_ARGUMENT_ADDED", "safe", "Query.users.q", "Query.users(q:)"),
    ]
    assert changes(OLD, new)[0].message == "Argument 'id: ID!' added to field 'Query.users'"


def test_argument_removed() -> None:
    new = _with("first: Int = 10, after: String")
    assert rows(OLD, new) == [
        ("FIELD_ARGUMENT_REMOVED", "breaking", "Query.users.filter", "Query.users(filter:)")
    ]


@pytest.mark.parametrize(
    ("old_type", "new_type", "criticality"),
    [
        ("ID!", "ID", "safe"),
        ("[ID!]!", "[ID]", "safe"),
        ("ID", "ID!", "breaking"),
        ("[ID]", "[ID!]", "breaking"),
        ("ID", "String", "breaking"),
        ("ID", "[ID]", "breaking"),
    ],
)
def test_argument_type_changes(old_type: str, new_type: str, criticality: str) -> None:
    (change,) = changes(_with(f"id: {old_type}"), _with(f"id: {new_type}"))
    assert (change.type.value, change.criticality.value, change.path, change.coordinate) == (
        "FIELD_ARGUMENT_TYPE_CHANGED",
        criticality,
        "Query.users.id",
        "Query.users(id:)",
    )
    assert (change.old, change.new) == (old_type, new_type)


def test_default_changed_added_removed_are_dangerous() -> None:
    new = _with('first: Int = 20, after: String = "x", filter: String')
    found = changes(OLD, new)
    assert [(c.type.value, c.criticality.value, c.path, c.old, c.new) for c in found] == [
        ("FIELD_ARGUMENT_DEFAULT_CHANGED", "dangerous", "Query.users.after", None, '"x"'),
        ("FIELD_ARGUMENT_DEFAULT_CHANGED", "dangerous", "Query.users.filter", '"all"', None),
        ("FIELD_ARGUMENT_DEFAULT_CHANGED", "dangerous", "Query.users.first", "10", "20"),
    ]
    # A side without a default is never printed (it read 'None'): added and removed say so.
    assert [c.message for c in found] == [
        "Default value '\"x\"' was added to argument 'after' on field 'Query.users'",
        "Default value '\"all\"' was removed from argument 'filter' on field 'Query.users'",
        "Default value for argument 'first' on field 'Query.users' changed from '10' to '20'",
    ]


def test_object_defaults_compare_with_sorted_fields() -> None:
    old = "input F { a: Int b: Int }\n" + _with("f: F = {a: 1, b: 2}")
    assert rows(old, old.replace("{a: 1, b: 2}", "{b: 2, a: 1}")) == []


def test_argument_description_and_deprecation() -> None:
    new = _with('"""How many""" first: Int = 10 @deprecated, after: String, filter: String = "all"')
    assert rows(OLD, new) == [
        ("FIELD_ARGUMENT_DEPRECATION_ADDED", "safe", "Query.users.first", "Query.users(first:)"),
        ("FIELD_ARGUMENT_DESCRIPTION_CHANGED", "safe", "Query.users.first", "Query.users(first:)"),
    ]
    newer = new.replace("@deprecated", '@deprecated(reason: "use limit")')
    assert rows(new, newer) == [
        ("FIELD_ARGUMENT_DEPRECATION_REASON_CHANGED", "safe", "Query.users.first", "Query.users(first:)")
    ]
    assert rows(newer, OLD.replace("first: Int = 10", '"""How many""" first: Int = 10')) == [
        ("FIELD_ARGUMENT_DEPRECATION_REMOVED", "safe", "Query.users.first", "Query.users(first:)")
    ]


def test_arguments_of_a_new_field_are_not_reported() -> None:
    new = OLD.replace("}", " teams(id: ID!, q: String): [String] }")
    assert rows(OLD, new) == [("FIELD_ADDED", "safe", "Query.teams", "Query.teams")]
