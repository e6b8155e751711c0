"""The one query per root field that every live run sends first: every output field, no arguments.

Random generation picks a few fields per query, so with a small ``max_examples`` a field that always
answers ``null`` despite ``String!`` may go unselected. The canonical query selects every field that
needs no argument, two levels deep (abstract types through ``__typename`` and one inline fragment per
possible type), so each field's output is checked on every run, deterministically. It is given to
Hypothesis as an explicit example, so it goes through exactly the same checks as the generated ones.

Pure: schema in, query text out.
"""

from __future__ import annotations

from typing import Final

from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.pyutils import Undefined

__all__ = ["canonical_query"]

DEPTH: Final = 2
MAX_FIELDS: Final = 150
MAX_POSSIBLE_TYPES: Final = 12


def canonical_query(
    schema: GraphQLSchema,
    root_type: str,
    field_name: str,
    *,
    depth: int = DEPTH,
    max_fields: int = MAX_FIELDS,
) -> str | None:
    """``{ field { a b c nested { x y } } }`` for ``root_type.field_name``, or None when the field needs
    an argument (a generated query gives it one) or is not in the schema."""
    root = schema.get_type(root_type)
    if not is_object_type(root):
        return None
    assert isinstance(root, GraphQLObjectType)
    field = root.fields.get(field_name)
    if field is None or _needs_arguments(field):
        return None
    budget = [max_fields]
    selection = _selection(schema, field.type, depth, budget)
    keyword = "mutation " if schema.mutation_type is root else ""
    return f"{keyword}{{ {field_name}{selection} }}"


def _needs_arguments(field: GraphQLField) -> bool:
    return any(is_non_null_type(arg.type) and arg.default_value is Undefined for arg in field.args.values())


def _selection(schema: GraphQLSchema, type_: GraphQLOutputType, depth: int, budget: list[int]) -> str:
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if is_abstract_type(named):
        fragments = []
        for possible in list(schema.get_possible_types(named))[:MAX_POSSIBLE_TYPES]:
            inner = _fields(schema, possible, depth, budget)
            if inner:
                fragments.append(f"... on {possible.name} {{ {inner} }}")
        return " { " + " ".join(["__typename", *fragments]) + " }"
    assert isinstance(named, GraphQLObjectType)
    return " { " + (_fields(schema, named, depth, budget) or "__typename") + " }"


def _fields(schema: GraphQLSchema, type_: GraphQLObjectType, depth: int, budget: list[int]) -> str:
    parts: list[str] = []
    for name, field in type_.fields.items():
        if budget[0] <= 0:
            break
        if _needs_arguments(field):
            continue
        if is_leaf_type(get_named_type(field.type)):
            parts.append(name)
            budget[0] -= 1
        elif depth > 1:
            budget[0] -= 1
            parts.append(name + _selection(schema, field.type, depth - 1, budget))
    return " ".join(parts)
