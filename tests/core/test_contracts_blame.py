"""``blame`` (MCP ``validate_operation``) names the change the check names for the same break.

Both go through :func:`monitor.core.contracts.impact.causes`; these tests hold each kind of break to it, and
compare with what :func:`~monitor.core.contracts.validate_operations` records for a saved operation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from graphql import build_schema

from monitor.core.changes import Change
from monitor.core.contracts import SourceFile, parse_sources, validate_operations
from monitor.core.contracts.collect import NearIndex
from monitor.core.contracts.document import Recorded, blame, check_document
from monitor.core.diff import diff_schemas

OLD = """
type Query { stacks(first: Int): [Stack!]!  node(id: ID!): Node  search(q: String): [Result!]! }
interface Node { id: ID! }
type Stack implements Node { id: ID! name: String! branch: String labels: [String!]! owner: User }
type User { login: String! email: String }
type Space { id: ID! }
union Result = Stack | Space
"""

NEW = """
type Query { stacks(first: Int!): [Stack!]!  node(id: ID!, kind: Kind!): Node  search(q: String): [Result!]! }
interface Node { id: ID! }
type Stack implements Node { id: ID! name: String! labels: [String!]! owner: Owner }
type Owner { login: String! }
enum Kind { STACK SPACE }
type Space { id: ID! }
union Result = Stack
"""

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def history(changes: list[Change], at: datetime = T0) -> list[Recorded]:
    return [(at, "run-1", change) for change in changes]


@pytest.fixture(scope="module")
def changes() -> list[Change]:
    return diff_schemas(build_schema(OLD), build_schema(NEW))


CASES = [
    ("removed field", "{ stacks(first: 1) { branch } }", ("FIELD_REMOVED", "Stack.branch")),
    (
        "argument made required",
        "query($n: Int) { stacks(first: $n) { id } }",
        ("FIELD_ARGUMENT_TYPE_CHANGED", "Query.stacks.first"),
    ),
    (
        "required argument added",
        "{ node(id: 1) { id } }",
        ("FIELD_ARGUMENT_ADDED", "Query.node.kind"),
    ),
    # User went away and owner now returns Owner: the check and blame both name the removed type
    ("field retyped", "{ stacks(first: 1) { owner { email } } }", ("TYPE_REMOVED", "User")),
    (
        "union member removed",
        '{ search(q: "x") { ... on Space { id } } }',
        ("UNION_MEMBER_REMOVED", "Result"),
    ),
]


@pytest.mark.parametrize(("document", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_blame_names_the_change_the_check_names(
    changes: list[Change], document: str, expected: tuple[str, str]
) -> None:
    schema = build_schema(NEW)
    checked = check_document(schema, document)
    assert not checked.valid and checked.document is not None
    indexes = [NearIndex(schema, checked.document), NearIndex(build_schema(OLD), checked.document)]
    culprits = {blame(p, history(changes), indexes) for p in checked.problems}
    named = {(r[2].type.value, r[2].path) for r in culprits if r is not None}
    assert expected in named, named

    # The check, validating the same text as a saved operation against the same diff, agrees.
    operations = parse_sources(
        [
            SourceFile(
                "op.graphql",
                document.replace("{", "query Op {", 1)
                if document.startswith("{")
                else document.replace("query(", "query Op(", 1),
            )
        ]
    )
    [result] = validate_operations(
        schema, operations, changes=changes, old_schema=build_schema(OLD)
    ).operations
    by_id = {c.id: c for c in changes}
    assert {(by_id[i].type.value, by_id[i].path) for i in result.caused_by} == named


def test_the_latest_recording_of_a_change_is_named(changes: list[Change]) -> None:
    schema = build_schema(NEW)
    checked = check_document(schema, "{ stacks(first: 1) { branch } }")
    assert checked.document is not None
    removed = next(c for c in changes if c.path == "Stack.branch")
    later = T0 + timedelta(days=3)
    recorded = [*history(changes), (later, "run-2", removed)]  # it came back, then went again
    [problem] = checked.problems
    culprit = blame(problem, recorded, [NearIndex(schema, checked.document)])
    assert culprit == (later, "run-2", removed)


def test_nothing_is_blamed_for_an_operation_that_never_was_valid(changes: list[Change]) -> None:
    schema = build_schema(NEW)
    checked = check_document(schema, "{ stacks(first: 1) { nonsense } }")
    assert checked.document is not None
    [problem] = checked.problems
    assert blame(problem, history(changes), [NearIndex(schema, checked.document)]) is None
    assert blame(problem, [], []) is None
