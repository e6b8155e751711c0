"""Validating saved operations: statuses, located errors, selection paths, used coordinates, deprecations."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from graphql import build_schema

from monitor.core.contracts import (
    ContractsResult,
    Limits,
    OperationResult,
    SourceFile,
    Status,
    parse_sources,
    validate_operations,
)
from monitor.core.schema import schema_from_sdl

SDL = """
type Query {
  stacks(first: Int, filter: StackFilter): StackConnection!
  stack(id: ID!): Stack
  search(term: String!, fuzzy: Boolean @deprecated(reason: "Search is always fuzzy.")): [SearchResult!]!
}
type Mutation { stackCreate(input: StackInput!): Stack! }
union SearchResult = Stack | Space
type Space { id: ID! name: String! }
input StackFilter { state: State, label: String @deprecated(reason: "Use labels instead"), labels: [String!] }
input StackInput { name: String!, administrative: Boolean @deprecated(reason: "Removal on 2026-06-30.") }
enum State { OK FAILED DISCARDED @deprecated(reason: "Use `CANCELED`. Will be removed in 2026-Q3.") CANCELED }
type StackConnection { edges: [StackEdge!]! }
type StackEdge { node: Stack! }
type Stack {
  id: ID!
  name: String!
  state: State!
  tags: [String!]! @deprecated(reason: "use labels instead")
  labels: [String!]!
  owner: User
}
type User { login: String! }
"""
SCHEMA = build_schema(SDL)


def check(*files: SourceFile, **kwargs: object) -> ContractsResult:
    return validate_operations(SCHEMA, parse_sources(files), **kwargs)  # type: ignore[arg-type]


def one(*files: SourceFile, **kwargs: object) -> OperationResult:
    (op,) = check(*files, **kwargs).operations
    return op


def test_valid_operation() -> None:
    op = one(SourceFile("a.graphql", "query A { stacks { edges { node { id name } } } }"))
    assert (op.status, op.errors, op.deprecations, op.caused_by) == (Status.VALID, (), (), ())


def test_error_in_a_fragment_is_located_in_the_fragment_file_with_the_path_through_the_spread() -> None:
    frag = SourceFile("ops/frag.graphql", "fragment Bits on Stack {\n  id\n  labelsOld\n}\n")
    op_file = SourceFile(
        "ops/list.graphql", "query List {\n  stacks {\n    edges { node { ...Bits } }\n  }\n}\n"
    )
    op = one(op_file, frag)
    assert op.status is Status.BROKEN
    (error,) = op.errors
    assert error.message == "Cannot query field 'labelsOld' on type 'Stack'. Did you mean 'labels'?"
    assert (error.file, error.line, error.column, error.path) == (
        "ops/frag.graphql",
        3,
        3,
        "stacks.edges.node.labelsOld",
    )


def test_error_in_manifest_points_at_the_entry_line() -> None:
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
        {"id": "x1", "name": "Pq", "type": "query", "body": "query Pq {\n  stack(id: 1) { gone }\n}"},
    ]}  # fmt: skip
    op = one(SourceFile("pq.json", json.dumps(manifest, indent=2)))
    (error,) = op.errors
    assert (error.file, error.line, error.column, error.path) == ("pq.json", 6, None, "stack.gone")


def test_argument_and_variable_errors_get_the_enclosing_field_path() -> None:
    text = "query Q($n: String) {\n  stacks(first: $n) { edges { node { id } } }\n}"
    (error,) = one(SourceFile("q.graphql", text)).errors
    assert error.message == "Variable '$n' of type 'String' used in position expecting type 'Int'."
    assert (error.line, error.path) == (1, "stacks")


def test_used_coordinates_cover_fields_arguments_inputs_enums_types_and_directives() -> None:
    text = """
    query Q($f: StackFilter, $skip: Boolean!) {
      stacks(first: 1, filter: $f) { edges { node { id state owner @skip(if: $skip) { login } } } }
      again: stacks(filter: {state: OK}) { edges { node { ... on Stack { name } } } }
    }
    """
    used = one(SourceFile("q.graphql", text)).used_coordinates
    expected = {
        "Query", "Query.stacks", "Query.stacks(first:)", "Query.stacks(filter:)", "Int",
        "StackFilter", "StackFilter.state", "State", "State.OK", "String", "Boolean",  # input closure
        "StackConnection", "StackConnection.edges", "StackEdge", "StackEdge.node",
        "Stack", "Stack.id", "Stack.state", "Stack.owner", "Stack.name", "User", "User.login",
        "@skip", "@skip(if:)", "ID",
    }  # fmt: skip
    assert used == expected


def test_deprecated_field_argument_input_field_and_enum_value_with_dates_and_replacements() -> None:
    text = """
    query Q { stacks(filter: {label: "x", state: DISCARDED}) { edges { node { tags } } }
              search(term: "a", fuzzy: true) { __typename } }
    mutation M { stackCreate(input: {name: "n", administrative: true}) { id } }
    """
    since = {"Stack.tags": "2025-01-02T03:04:05+00:00", "State.DISCARDED": datetime(2025, 5, 1, tzinfo=UTC)}
    result = check(SourceFile("q.graphql", text), deprecated_since=since)
    q, m = result.operations
    assert q.status is Status.DEPRECATED and m.status is Status.DEPRECATED
    found = {d.coordinate: (d.first_seen, d.removal_date, d.replacement, d.line) for d in q.deprecations}
    assert found == {
        "Query.search(fuzzy:)": (None, None, None, 3),
        "Stack.tags": ("2025-01-02T03:04:05+00:00", None, "Stack.labels", 2),
        "StackFilter.label": (None, None, "StackFilter.labels", 2),
        "State.DISCARDED": ("2025-05-01T00:00:00+00:00", "2026-07-01", "State.CANCELED", 2),
    }
    (admin,) = m.deprecations
    assert (admin.coordinate, admin.removal_date, admin.reason) == (
        "StackInput.administrative",
        "2026-06-30",
        "Removal on 2026-06-30.",
    )


def test_broken_operation_keeps_its_deprecations() -> None:
    op = one(SourceFile("q.graphql", "{ stack(id: 1) { tags gone } }"))
    assert op.status is Status.BROKEN
    assert [d.coordinate for d in op.deprecations] == ["Stack.tags"]
    assert "Stack.gone" in op.used_coordinates  # the name is kept though the schema lacks it


def test_missing_fragment_makes_the_operation_broken_and_others_are_checked() -> None:
    result = check(
        SourceFile(
            "a.graphql", "query A { stacks { ...Nope } }\nquery B { stacks { edges { node { id } } } }"
        )
    )
    a, b = result.operations
    assert (a.status, a.errors[0].message, b.status) == (
        Status.BROKEN,
        "Unknown fragment 'Nope'.",
        Status.VALID,
    )
    assert len(result.problems) == 1
    assert not result.ok


def test_invalid_schema_is_validated_against_anyway() -> None:
    # An interface field the implementation lacks: graphql-core's schema validation rejects this schema.
    invalid = schema_from_sdl(
        __import__("graphql").parse("interface Node { id: ID! } type Thing implements Node { name: String } "
                                    "type Query { thing: Thing }")
    )  # fmt: skip
    result = validate_operations(invalid, parse_sources([SourceFile("q.graphql", "{ thing { name } }")]))
    assert result.operations[0].status is Status.VALID


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (Limits(max_depth=3), "Depth limit of 3 exceeded: 5 levels."),
        (Limits(max_aliases=1), "Alias limit of 1 exceeded: 2 aliases."),
        (Limits(max_directives=1), "Directive limit of 1 exceeded: 2 directives."),
        (Limits(max_tokens=20), "Token limit of 20 exceeded: 45 tokens."),
    ],
)
def test_limits_are_reported_like_validation_errors(limits: Limits, message: str) -> None:
    frag = SourceFile("f.graphql", "fragment N on Stack { a: id b: name owner @include(if: true) { login } }")
    text = "query Q {\n  stacks @skip(if: false) { edges { node { ...N } } }\n}"
    op = one(SourceFile("q.graphql", text), frag, limits=limits)
    assert [e.message for e in op.errors] == [message]
    assert op.status is Status.BROKEN


def test_limits_within_bounds_pass_and_depth_points_at_the_deepest_field() -> None:
    text = "{ stacks { edges { node { owner { login } } } } }"
    ok = one(SourceFile("q.graphql", text), limits=Limits(max_depth=5, max_aliases=0, max_tokens=99))
    assert ok.status is Status.VALID
    (error,) = one(SourceFile("q.graphql", text), limits=Limits(max_depth=4)).errors
    assert error.path == "stacks.edges.node.owner.login"
