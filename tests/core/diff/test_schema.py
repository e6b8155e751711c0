from __future__ import annotations

from tests.core.diff.helpers import changes, rows

BASE = "type Query { a: Int }\ntype Mutation { b: Int }\ntype Root { a: Int }\n"


def test_mutation_root_added_is_safe_and_removed_breaking() -> None:
    old = "type Query { a: Int }"
    new = old + "\ntype Mutation { b: Int }"
    assert rows(old, new) == [
        ("TYPE_ADDED", "safe", "Mutation", "Mutation"),
        ("SCHEMA_MUTATION_TYPE_CHANGED", "safe", "schema", "schema"),
    ]
    assert rows(BASE, BASE + "schema { query: Query }") == [
        ("SCHEMA_MUTATION_TYPE_CHANGED", "breaking", "schema", "schema")
    ]


def test_query_root_renamed_is_breaking() -> None:
    renamed = BASE + "schema { query: Root mutation: Mutation }"
    assert rows(BASE, renamed) == [("SCHEMA_QUERY_TYPE_CHANGED", "breaking", "schema", "schema")]
    (change,) = changes(BASE, renamed)
    assert (change.old, change.new) == ("Query", "Root")
    assert change.message == "Schema query root has changed from 'Query' to 'Root'"


def test_schema_description() -> None:
    described = BASE + '"""The API"""\nschema { query: Query mutation: Mutation }'
    assert rows(BASE, described) == [("SCHEMA_DESCRIPTION_CHANGED", "safe", "schema", "schema")]
    assert changes(BASE, described)[0].new == "The API"
