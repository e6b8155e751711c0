"""Shared helpers: diff two SDL strings and reduce each change to the facts a test asserts.

Every non-SDL diff here is also run through the JSON diff (:mod:`monitor.core.diff.introspected`) on
the two schemas' introspection results, which must find exactly what the built schemas give: so each
element test checks both paths.
"""

from __future__ import annotations

from graphql import build_schema, parse

from monitor.core.changes import Change
from monitor.core.diff import diff_schemas
from monitor.core.diff.introspected import diff_introspections
from monitor.core.schema import introspection_of, schema_from_introspection

Row = tuple[str, str, str, str]


def changes(old: str, new: str, *, sdl: bool = False) -> list[Change]:
    old_schema, new_schema = build_schema(old), build_schema(new)
    if sdl:
        return diff_schemas(old_schema, new_schema, old_sdl=parse(old), new_sdl=parse(new))
    assert_json_diff_agrees(introspection_of(old_schema), introspection_of(new_schema))
    return diff_schemas(old_schema, new_schema)


def assert_json_diff_agrees(
    old: dict[str, object], new: dict[str, object], *, unstated_directives: frozenset[str] = frozenset()
) -> list[Change]:
    """The JSON diff of two introspection results equals the diff of the schemas built from them."""
    built = diff_schemas(
        schema_from_introspection(old),
        schema_from_introspection(new),
        unstated_directives=unstated_directives,
    )
    from_json = diff_introspections(old, new, unstated_directives=unstated_directives)
    assert from_json == built, {
        "only from JSON": [c.message for c in from_json if c not in built],
        "only built": [c.message for c in built if c not in from_json],
    }
    return from_json


def rows(old: str, new: str, *, sdl: bool = False) -> list[Row]:
    """(type, criticality, path, coordinate) per change, in the diff's order (worst first)."""
    return [(c.type.value, c.criticality.value, c.path, c.coordinate) for c in changes(old, new, sdl=sdl)]
