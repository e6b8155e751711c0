"""Shared helpers: diff two SDL strings and reduce each change to the facts a test asserts."""

from __future__ import annotations

from graphql import build_schema, parse

from monitor.core.changes import Change
from monitor.core.diff import diff_schemas

Row = tuple[str, str, str, str]


def changes(old: str, new: str, *, sdl: bool = False) -> list[Change]:
    old_schema, new_schema = build_schema(old), build_schema(new)
    if sdl:
        return diff_schemas(old_schema, new_schema, old_sdl=parse(old), new_sdl=parse(new))
    return diff_schemas(old_schema, new_schema)


def rows(old: str, new: str, *, sdl: bool = False) -> list[Row]:
    """(type, criticality, path, coordinate) per change, in the diff's order (worst first)."""
    return [(c.type.value, c.criticality.value, c.path, c.coordinate) for c in changes(old, new, sdl=sdl)]
