"""Response conformance: each kind of violation, found with its response path; conforming data is clean."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema

from monitor.core.conformance import Violation, check_response, format_path

SCHEMA = build_schema(
    """
    enum State { QUEUED FINISHED }
    scalar Datetime
    interface Node { id: ID! }
    type Stack implements Node { id: ID! name: String! branch: String! labels: [String!]! runs: [Run!]! }
    type Run implements Node { id: ID! state: State! n: Int score: Float ok: Boolean at: Datetime stack: Stack! }
    union Result = Stack | Run
    type Query {
      stacks(first: Int): [Stack!]!
      stack(id: ID!): Stack
      node(id: ID!): Node
      search(q: String!): [Result!]!
      run: Run
    }
    type Mutation { touch: Boolean! }
    """
)


def found(query: str, data: Any, **kwargs: Any) -> list[tuple[str, str]]:
    """(path, kind) of every violation."""
    return [(v.where, v.kind) for v in check_response(SCHEMA, query, None, data, **kwargs)]


def test_conforming_data_has_no_violations() -> None:
    query = """
      query Q($s: Boolean = true) {
        stacks { id name labels runs { state n score ok at } ...F }
        first: stack(id: "1") { __typename branch @include(if: $s) }
        search(q: "x") { __typename ... on Stack { name } ... on Run { state } }
        node(id: "2") { id ... on Run { n } }
      }
      fragment F on Stack { branch }
    """
    data = {
        "stacks": [
            {
                "id": "s1",
                "name": "a",
                "labels": ["x"],
                "branch": "main",
                "runs": [{"state": "QUEUED", "n": 3, "score": 1, "ok": None, "at": {"any": "shape"}}],
            }
        ],
        "first": None,
        "search": [{"__typename": "Stack", "name": "a"}, {"__typename": "Run", "state": "FINISHED"}],
        "node": {"id": 7, "n": None},
    }
    assert found(query, data) == []


@pytest.mark.parametrize(
    ("query", "data", "expected"),
    [
        pytest.param(
            "{ stacks { branch } }",
            {"stacks": [{"branch": "main"}, {"branch": None}]},
            [("stacks[1].branch", "null_in_non_null")],
            id="null in non-null field",
        ),
        pytest.param(
            "{ stacks { labels } }",
            {"stacks": [{"labels": ["a", None]}]},
            [("stacks[0].labels[1]", "null_in_non_null")],
            id="null in non-null list item",
        ),
        pytest.param(
            "{ run { state } }",
            {"run": {"state": "ARCHIVED"}},
            [("run.state", "unknown_enum_value")],
            id="enum value the enum does not define",
        ),
        pytest.param(
            '{ search(q: "x") { __typename } }',
            {"search": [{"__typename": "Policy"}]},
            [("search[0]", "impossible_typename")],
            id="typename not a possible type of a union",
        ),
        pytest.param(
            '{ stack(id: "1") { __typename } }',
            {"stack": {"__typename": "Run"}},
            [("stack.__typename", "impossible_typename")],
            id="typename of another object type",
        ),
        pytest.param(
            "{ run { n score ok } }",
            {"run": {"n": "3", "score": "1.5", "ok": 1}},
            [("run.n", "wrong_scalar"), ("run.score", "wrong_scalar"), ("run.ok", "wrong_scalar")],
            id="wrong scalar shapes",
        ),
        pytest.param(
            "{ run { n } }",
            {"run": {"n": 2**40}},
            [("run.n", "wrong_scalar")],
            id="Int outside 32 bits",
        ),
        pytest.param(
            "{ run { n stack { id } } }",
            {"run": {"n": True, "stack": [{"id": "1"}]}},
            [("run.n", "wrong_scalar"), ("run.stack", "wrong_shape")],
            id="boolean for Int, list for object",
        ),
        pytest.param(
            "{ stacks { id } }",
            {"stacks": {"id": "1"}},
            [("stacks", "wrong_shape")],
            id="object for list",
        ),
        pytest.param(
            "{ stacks { id name } }",
            {"stacks": [{"id": "1", "extra": 1}]},
            [("stacks[0].name", "missing_field"), ("stacks[0].extra", "unexpected_field")],
            id="missing and unexpected keys",
        ),
        pytest.param(
            '{ search(q: "x") { ... on Run { state } ... on Stack { branch } } }',
            {"search": [{"state": "NOPE"}, {"branch": None}]},
            [("search[0].state", "unknown_enum_value"), ("search[1].branch", "null_in_non_null")],
            id="union without typename: best-fitting possible type",
        ),
    ],
)
def test_violations_are_found_with_their_path(query: str, data: Any, expected: list[tuple[str, str]]) -> None:
    assert found(query, data) == expected


def test_errors_excuse_the_nulls_they_propagate() -> None:
    query = '{ stack(id: "1") { name } node(id: "2") { id } }'
    # The error at stack.name made the non-null name null, which propagated to the nullable stack.
    errors = [{"message": "boom", "path": ["stack", "name"]}]
    assert found(query, {"stack": None, "node": None}, errors=errors) == []
    assert found(query, {"stack": {"name": None}, "node": None}, errors=errors) == []
    # A null that no error accounts for is still a violation.
    assert found(query, {"stack": None, "node": {"id": None}}, errors=errors) == [
        ("node.id", "null_in_non_null")
    ]
    assert found(query, None, errors=errors) == []
    assert found(query, None) == [("data", "null_in_non_null")]


def test_skip_and_include_follow_variables() -> None:
    query = "query Q($on: Boolean!) { run { n @include(if: $on) state @skip(if: true) } }"
    assert found(query, {"run": {}}, variables={"on": False}) == []
    assert found(query, {"run": {}}, variables={"on": True}) == [("run.n", "missing_field")]
    assert found(query, {"run": {}}) == []  # unknown: optional
    assert found(query, {"run": {"n": 1}}) == []


def test_aliases_and_merged_fields() -> None:
    query = "{ a: run { n } a: run { state } b: run { n } }"
    data = {"a": {"n": 1, "state": "DONE"}, "b": None}
    assert found(query, data) == [("a.state", "unknown_enum_value")]


def test_named_operation_and_mutation_root() -> None:
    document = "query A { run { n } } mutation B { touch }"
    assert check_response(SCHEMA, document, "B", {"touch": None}) == [
        Violation(("touch",), "null in non-null field Mutation.touch (Boolean!)", "null_in_non_null")
    ]
    with pytest.raises(ValueError, match="no operation named 'C'"):
        check_response(SCHEMA, document, "C", {})
    with pytest.raises(ValueError, match="2 operations"):
        check_response(SCHEMA, document, None, {})


def test_messages_name_the_schema_coordinate() -> None:
    [violation] = check_response(SCHEMA, "{ run { state } }", None, {"run": {"state": "ARCHIVED"}})
    assert violation.message == "'ARCHIVED' is not a value of enum State (field Run.state)"
    [violation] = check_response(SCHEMA, "{ stacks { branch } }", None, {"stacks": [{"branch": None}]})
    assert violation.message == "null in non-null field Stack.branch (String!)"


def test_format_path() -> None:
    assert format_path(()) == "data"
    assert format_path(("a", 0, "b", 1, 2)) == "a[0].b[1][2]"
