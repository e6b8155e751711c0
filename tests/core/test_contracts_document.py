"""``check_document`` measures each operation: how deep its fields nest and how many it selects."""

from __future__ import annotations

import pytest
from graphql import build_schema

from monitor.core.contracts.document import OperationShape, check_document

SCHEMA = build_schema("""
type Query { stacks: [Stack!]!  node(id: ID!): Node }
interface Node { id: ID! }
type Stack implements Node { id: ID! name: String! owner: User  parent: Stack }
type User { login: String! }
""")


@pytest.mark.parametrize(
    ("text", "depth", "fields"),
    [
        ("{ stacks { id } }", 2, 2),
        ("{ stacks { id name owner { login } } }", 3, 5),
        ("{ __typename }", 1, 1),
        # an inline fragment adds no level; its fields count
        ("{ node(id: 1) { id ... on Stack { owner { login } } } }", 3, 4),
        # a spread is expanded where it stands, once per place
        ("{ stacks { ...S } node(id: 1) { ...S } } fragment S on Stack { id owner { login } }", 3, 8),
        # a fragment nested in itself is not expanded again on the way down (the document is invalid)
        ("{ stacks { ...S } } fragment S on Stack { id parent { ...S } }", 2, 3),
        # an unknown fragment counts nothing
        ("{ stacks { id ...Missing } }", 2, 2),
    ],
)
def test_depth_and_fields(text: str, depth: int, fields: int) -> None:
    (shape,) = check_document(SCHEMA, text).operations
    assert shape == OperationShape(name=None, kind="query", depth=depth, fields=fields)


def test_each_operation_is_measured_alone() -> None:
    text = "query A { stacks { id } } query B { node(id: 1) { ... on Stack { owner { login } } } }"
    assert check_document(SCHEMA, text).operations == (
        OperationShape(name="A", kind="query", depth=2, fields=2),
        OperationShape(name="B", kind="query", depth=3, fields=3),
    )
