from __future__ import annotations

from tests.core.diff.helpers import changes, rows

OLD = """
type Query { find(filter: Filter): [String] }
input Filter { name: String limit: Int = 10 tags: [String!] }
"""


def test_input_fields_added() -> None:
    new = OLD.replace("tags: [String!]", "tags: [String!] id: ID! q: String n: Int! = 1")
    assert rows(OLD, new) == [
        ("INPUT_FIELD_ADDED", "breaking", "Filter.id", "Filter.id"),
        ("INPUT_FIELD_ADDED", "safe", "Filter.n", "Filter.n"),
        ("INPUT_FIELD_ADDED", "safe", "Filter.q", "Filter.q"),
    ]
    assert (
        changes(OLD, new)[0].message
        == "Input field 'id' of type 'ID!' was added to input object type 'Filter'"
    )


def test_input_field_removed_and_type_changed() -> None:
    new = OLD.replace("name: String", "").replace("tags: [String!]", "tags: [String]")
    loosened = rows(OLD, new)
    assert loosened == [
        ("INPUT_FIELD_REMOVED", "breaking", "Filter.name", "Filter.name"),
        ("INPUT_FIELD_TYPE_CHANGED", "safe", "Filter.tags", "Filter.tags"),
    ]
    assert rows(new, OLD) == [
        ("INPUT_FIELD_TYPE_CHANGED", "breaking", "Filter.tags", "Filter.tags"),
        ("INPUT_FIELD_ADDED", "safe", "Filter.name", "Filter.name"),
    ]


def test_input_field_default_changed() -> None:
    (change,) = changes(OLD, OLD.replace("= 10", "= 20"))
    assert (change.type.value, change.criticality.value, change.old, change.new) == (
        "INPUT_FIELD_DEFAULT_VALUE_CHANGED",
        "dangerous",
        "10",
        "20",
    )


def test_input_field_default_added_and_removed_name_the_value() -> None:
    assert "= 10" in OLD
    without = OLD.replace(" = 10", "")
    (added,) = changes(without, OLD)
    (removed,) = changes(OLD, without)
    assert (added.old, added.new, removed.old, removed.new) == (None, "10", "10", None)
    assert added.message.startswith("Default value '10' was added to input field '")
    assert removed.message.startswith("Default value '10' was removed from input field '")
    (changed,) = changes(OLD, OLD.replace("= 10", "= 20"))
    assert changed.message.endswith("default changed from '10' to '20'")


def test_input_field_description_and_deprecation() -> None:
    v2 = OLD.replace("name: String", '"""Exact""" name: String @deprecated')
    v3 = OLD.replace("name: String", '"""Prefix""" name: String @deprecated(reason: "use q")')
    assert rows(OLD, v2) == [
        ("INPUT_FIELD_DEPRECATION_ADDED", "safe", "Filter.name", "Filter.name"),
        ("INPUT_FIELD_DESCRIPTION_ADDED", "safe", "Filter.name", "Filter.name"),
    ]
    assert rows(v2, v3) == [
        ("INPUT_FIELD_DEPRECATION_REASON_CHANGED", "safe", "Filter.name", "Filter.name"),
        ("INPUT_FIELD_DESCRIPTION_CHANGED", "safe", "Filter.name", "Filter.name"),
    ]
    assert rows(v3, OLD) == [
        ("INPUT_FIELD_DEPRECATION_REMOVED", "safe", "Filter.name", "Filter.name"),
        ("INPUT_FIELD_DESCRIPTION_REMOVED", "safe", "Filter.name", "Filter.name"),
    ]


def test_one_of_added_is_breaking_and_removed_is_safe() -> None:
    old = "type Query { find(by: By): String }\ninput By { id: ID email: String }"
    new = old.replace("input By", "input By @oneOf")
    assert rows(old, new) == [("INPUT_ONE_OF_ADDED", "breaking", "By", "By")]
    assert rows(new, old) == [("INPUT_ONE_OF_REMOVED", "safe", "By", "By")]
    assert (changes(old, new)[0].old, changes(old, new)[0].new) == ("false", "true")
