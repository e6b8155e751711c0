"""Type-compatibility predicates: is changing a type reference from ``old`` to ``new`` safe for clients?

- Output positions (field types) may *tighten*: ``T -> T!`` and ``[T] -> [T!]!`` only promise more.
- Input positions (arguments, input fields) may *loosen*: ``T! -> T`` and ``[T!]! -> [T]`` accept more.
- Changing the named type itself (``Int -> Float``, ``User -> Node``) is breaking in either position.

Each predicate is a few lines of recursion over the wrappers, tested with a table (tests/core/test_compat.py).
"""

from __future__ import annotations

from graphql import GraphQLList, GraphQLNonNull, GraphQLType, get_named_type

__all__ = [
    "is_safe_input_change",
    "is_safe_output_change",
    "named_type_changed",
    "same_type_ref",
]


def same_type_ref(old: GraphQLType, new: GraphQLType) -> bool:
    """True when both references print the same (same wrappers, same type name): the diff's fast path."""
    while True:
        old_class = type(old)
        if old_class is not type(new):
            return bool(_named_name(old) == _named_name(new)) and _is_named(old) and _is_named(new)
        if old_class is GraphQLNonNull or old_class is GraphQLList:
            old, new = old.of_type, new.of_type  # type: ignore[attr-defined]
            continue
        return bool(old.name == new.name)  # type: ignore[attr-defined]


def _is_named(type_: GraphQLType) -> bool:
    return not isinstance(type_, GraphQLList | GraphQLNonNull)


def _named_name(type_: GraphQLType) -> str:
    return get_named_type(type_).name


def named_type_changed(old: GraphQLType, new: GraphQLType) -> bool:
    """True when the type under the wrappers is a different type (always breaking)."""
    return get_named_type(old).name != get_named_type(new).name


def is_safe_output_change(old: GraphQLType, new: GraphQLType) -> bool:
    """True when a field of type ``old`` may become ``new``: same shape or tighter, same named type."""
    if isinstance(old, GraphQLNonNull):
        return isinstance(new, GraphQLNonNull) and is_safe_output_change(old.of_type, new.of_type)
    if isinstance(new, GraphQLNonNull):
        # nullable -> non-null of a compatible type: clients only ever saw null as a possibility
        return is_safe_output_change(old, new.of_type)
    if isinstance(old, GraphQLList):
        return isinstance(new, GraphQLList) and is_safe_output_change(old.of_type, new.of_type)
    if isinstance(new, GraphQLList):
        return False
    return bool(old.name == new.name)  # type: ignore[attr-defined]


def is_safe_input_change(old: GraphQLType, new: GraphQLType) -> bool:
    """True when an argument or input field of type ``old`` may become ``new``: same or looser."""
    if isinstance(new, GraphQLNonNull):
        # a value that must now be present: safe only if it already had to be
        return isinstance(old, GraphQLNonNull) and is_safe_input_change(old.of_type, new.of_type)
    if isinstance(old, GraphQLNonNull):
        # non-null -> nullable: every value sent before is still accepted
        return is_safe_input_change(old.of_type, new)
    if isinstance(old, GraphQLList):
        return isinstance(new, GraphQLList) and is_safe_input_change(old.of_type, new.of_type)
    if isinstance(new, GraphQLList):
        return False
    return bool(old.name == new.name)  # type: ignore[attr-defined]
