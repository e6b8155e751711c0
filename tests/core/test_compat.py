"""The type-compatibility predicates, as a table."""

from __future__ import annotations

import pytest
from graphql import GraphQLType, build_schema
from graphql.language import parse_type
from graphql.utilities import type_from_ast

from monitor.core.diff.compat import is_safe_input_change, is_safe_output_change, named_type_changed

SCHEMA = build_schema("type Query { a: Int }\nscalar Other")


def _t(text: str) -> GraphQLType:
    found = type_from_ast(SCHEMA, parse_type(text))
    assert found is not None
    return found


#: (old, new, safe as output, safe as input, named type changed)
TABLE = [
    ("Int", "Int", True, True, False),
    ("Int", "Int!", True, False, False),
    ("Int!", "Int", False, True, False),
    ("[Int]", "[Int!]!", True, False, False),
    ("[Int]", "[Int]!", True, False, False),
    ("[Int!]!", "[Int]", False, True, False),
    ("[Int!]", "[Int]!", False, False, False),
    ("[Int]!", "[Int!]", False, False, False),
    ("[[Int]]", "[[Int!]!]!", True, False, False),
    ("[[Int!]]", "[[Int]]", False, True, False),
    ("Int", "[Int]", False, False, False),
    ("[Int]", "Int", False, False, False),
    ("Int", "Other", False, False, True),
    ("Int!", "Other!", False, False, True),
    ("[Int]", "[Other]", False, False, True),
    ("Int", "String", False, False, True),
]


@pytest.mark.parametrize(("old", "new", "output", "input_", "named"), TABLE)
def test_predicates(old: str, new: str, output: bool, input_: bool, named: bool) -> None:
    assert is_safe_output_change(_t(old), _t(new)) is output
    assert is_safe_input_change(_t(old), _t(new)) is input_
    assert named_type_changed(_t(old), _t(new)) is named


@pytest.mark.parametrize("text", sorted({row[0] for row in TABLE} | {row[1] for row in TABLE}))
def test_no_change_is_safe_both_ways(text: str) -> None:
    assert is_safe_output_change(_t(text), _t(text))
    assert is_safe_input_change(_t(text), _t(text))
    assert not named_type_changed(_t(text), _t(text))


CHANGES = [(old, new) for old, new, *_ in TABLE if old != new]


@pytest.mark.parametrize(("old", "new"), CHANGES)
def test_a_change_is_never_safe_both_ways_in_one_position(old: str, new: str) -> None:
    assert not (is_safe_output_change(_t(old), _t(new)) and is_safe_output_change(_t(new), _t(old)))
    assert not (is_safe_input_change(_t(old), _t(new)) and is_safe_input_change(_t(new), _t(old)))


@pytest.mark.parametrize(("old", "new"), CHANGES)
def test_output_and_input_safety_mirror_each_other(old: str, new: str) -> None:
    """Outputs are covariant, inputs contravariant: a change safe for a field's result is exactly the
    one whose reverse is safe for an argument."""
    assert is_safe_output_change(_t(old), _t(new)) is is_safe_input_change(_t(new), _t(old))
