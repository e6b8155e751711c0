"""The JSON diff: two introspection results compared without building either schema whole.

Building a graphql-core schema from a large introspection result costs more than diffing it (about
1.8 s of a 3 s ``gqlmon diff`` on 5,000 types). Two versions of an API share most types value for
value, so :func:`diff_introspections`:

1. matches the types by name and compares them as JSON values, then the unequal ones in canonical form
   (lists sorted by name, absent and empty values alike: :func:`monitor.core.schema.canonical_type`);
   equal ones are *unchanged*;
2. builds a partial schema for each side: the changed types (added, removed or different) -- an object or
   interface type without the fields equal on both sides --, the
   enums, scalars and input objects they reach through input positions in full (default values are
   coerced through them), and every other type that they, the directives or the root operation types
   name as an empty *stub* of the same kind -- equal on both sides, so the diff skips it;
3. takes usage (input, output, both, unreachable), which needs the whole schema, from the JSON
   (:func:`monitor.core.usage.introspection_usage`);
4. runs :func:`.dispatch.diff_schemas` on the partial schemas.

The result equals the diff of the fully built schemas: tests/core/diff/test_introspected.py checks that
on every pair of the element tests and on random mutations of a large schema. Types equal in both inputs
are not validated (a malformed one changes nothing that is reported); changed ones are, with the same
one-line errors as a full build. Whatever the partial build cannot handle raises :class:`NeedsFullBuild`,
and the caller builds both schemas whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from monitor.core.changes import Change
from monitor.core.diff.dispatch import diff_schemas
from monitor.core.schema import IntrospectionDict, canonical_type, schema_from_introspection
from monitor.core.usage import Edges, introspection_usage, json_type_edges, json_type_name
from monitor.errors import SchemaError

if TYPE_CHECKING:
    from graphql import DocumentNode, GraphQLSchema

Fingerprints = Mapping[str, str] | None

__all__ = ["NeedsFullBuild", "diff_introspections", "diff_versions"]

log = logging.getLogger(__name__)

#: What an empty stub of each output kind keeps besides kind and name (build_client_schema needs them).
_STUB_LISTS: Final = {
    "OBJECT": ("fields", "interfaces"),
    "INTERFACE": ("fields", "interfaces", "possibleTypes"),
    "UNION": ("possibleTypes",),
}
_ROOTS: Final = ("queryType", "mutationType", "subscriptionType")


class NeedsFullBuild(Exception):
    """The partial build cannot answer for this pair; build both schemas whole (that reports any error)."""


def diff_versions(
    old: IntrospectionDict,
    new: IntrospectionDict,
    *,
    build_old: Callable[[], GraphQLSchema],
    build_new: Callable[[], GraphQLSchema],
    old_source: str = "old",
    new_source: str = "new",
    old_sdl: DocumentNode | None = None,
    new_sdl: DocumentNode | None = None,
    unstated_directives: frozenset[str] = frozenset(),
    type_fingerprints: Callable[[], tuple[Fingerprints, Fingerprints]] | None = None,
) -> list[Change]:
    """Every change from ``old`` to ``new``: the one way the check, ``gqlmon diff`` and the MCP tools diff.

    The JSON diff (:func:`diff_introspections`) when it can answer; otherwise -- or with two SDL documents,
    whose applied directives only the built schemas carry -- :func:`.dispatch.diff_schemas` on the schemas
    ``build_old`` and ``build_new`` return (built only then), skipping the types whose fingerprints
    ``type_fingerprints`` says are equal on both sides.
    """
    if old_sdl is None or new_sdl is None:
        try:
            return diff_introspections(
                old,
                new,
                old_source=old_source,
                new_source=new_source,
                unstated_directives=unstated_directives,
            )
        except NeedsFullBuild as exc:
            log.info("the JSON diff cannot answer (%s): diffing the built schemas", exc)
    old_types, new_types = type_fingerprints() if type_fingerprints is not None else (None, None)
    return diff_schemas(
        build_old(),
        build_new(),
        old_type_fingerprints=old_types,
        new_type_fingerprints=new_types,
        old_sdl=old_sdl,
        new_sdl=new_sdl,
        unstated_directives=unstated_directives,
    )


def diff_introspections(
    old: IntrospectionDict,
    new: IntrospectionDict,
    *,
    old_source: str = "old",
    new_source: str = "new",
    unstated_directives: frozenset[str] = frozenset(),
) -> list[Change]:
    """Every change from ``old`` to ``new``, as :func:`.dispatch.diff_schemas` on the built schemas finds.

    Raises :class:`NeedsFullBuild` when an input is malformed or the partial schemas do not build.
    """
    try:
        old_types, new_types = _types_by_name(old), _types_by_name(new)
        changed = {n for n in old_types.keys() | new_types.keys() if old_types.get(n) != new_types.get(n)}
        # A type whose members only moved (a server that orders fields differently after a deploy) is
        # equal in canonical form, as fingerprints see it: the diff matches members by name, so it is
        # unchanged, and building it would only cost time.
        changed = {
            n
            for n in changed
            if n not in old_types
            or n not in new_types
            or canonical_type(old_types[n]) != canonical_type(new_types[n])
        }
        edges: dict[str, Edges] = {}  # unchanged types lead to the same types on both sides
        old_usage = introspection_usage(old, cache=edges)
        new_usage = introspection_usage(new, cache=edges, reuse=old_types.keys() - changed)
        old_types, new_types = _without_equal_fields(changed, old_types, new_types)
        kept = _kept_closure(changed, old, new, old_types, new_types)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise NeedsFullBuild(f"{type(exc).__name__}: {exc}") from exc
    same = dict.fromkeys(kept, "=")  # kept types are equal on both sides: the diff skips them
    try:
        old_schema = schema_from_introspection(_partial(old, old_types, changed, kept), source=old_source)
        new_schema = schema_from_introspection(_partial(new, new_types, changed, kept), source=new_source)
    except SchemaError as exc:
        raise NeedsFullBuild(str(exc)) from exc
    return diff_schemas(
        old_schema,
        new_schema,
        old_type_fingerprints=same,
        new_type_fingerprints=same,
        old_usage=old_usage,
        new_usage=new_usage,
        unstated_directives=unstated_directives,
    )


def _types_by_name(intro: IntrospectionDict) -> dict[str, Mapping[str, Any]]:
    types = intro["__schema"]["types"]
    by_name = {t["name"]: t for t in types}
    if len(by_name) != len(types) or not all(isinstance(n, str) for n in by_name):
        raise ValueError("type names are missing or repeated")
    return by_name


def _without_equal_fields(
    changed: set[str],
    old_types: Mapping[str, Mapping[str, Any]],
    new_types: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, Mapping[str, Any]], dict[str, Mapping[str, Any]]]:
    """The types with each changed object or interface type cut to the fields that differ: a field equal on
    both sides (as a value, or in canonical form) has no change to report, as an equal type has none, and
    building it (and the types it names) would only cost time."""
    old_view, new_view = dict(old_types), dict(new_types)
    for name in changed:
        before, after = old_types.get(name), new_types.get(name)
        if before is None or after is None or before["kind"] != after["kind"]:
            continue
        if before["kind"] not in ("OBJECT", "INTERFACE"):
            continue
        old_fields, new_fields = before["fields"] or [], after["fields"] or []
        old_by_name = {f["name"]: f for f in old_fields}
        new_by_name = {f["name"]: f for f in new_fields}
        if len(old_by_name) != len(old_fields) or len(new_by_name) != len(new_fields):
            continue  # a repeated field name: let the build see the type as it is
        equal = {
            n
            for n in old_by_name.keys() & new_by_name.keys()
            if old_by_name[n] == new_by_name[n]
            or canonical_type(old_by_name[n]) == canonical_type(new_by_name[n])
        }
        if equal:
            old_view[name] = {**before, "fields": [f for f in old_fields if f["name"] not in equal]}
            new_view[name] = {**after, "fields": [f for f in new_fields if f["name"] not in equal]}
    return old_view, new_view


def _kept_closure(
    changed: set[str],
    old: IntrospectionDict,
    new: IntrospectionDict,
    old_types: Mapping[str, Mapping[str, Any]],
    new_types: Mapping[str, Mapping[str, Any]],
) -> dict[str, Mapping[str, Any]]:
    """The unchanged types the partial schemas need: full for input kinds, stubs for output kinds."""
    named: list[str] = []
    for name in sorted(changed):
        for types in (old_types, new_types):
            if name in types:
                outs, ins = json_type_edges(types[name])
                named += outs
                named += ins
    for intro in (old, new):
        schema = intro["__schema"]
        named += [root["name"] for key in _ROOTS if (root := schema.get(key))]
        named += [
            json_type_name(a["type"]) for d in schema.get("directives") or () for a in d.get("args") or ()
        ]
    kept: dict[str, Mapping[str, Any]] = {}
    while named:
        name = named.pop()
        if name in changed or name in kept:
            continue
        type_ = old_types.get(name)
        if type_ is None:  # named but defined on neither side: the full build says so
            raise ValueError(f"unknown type {name!r}")
        kind = type_["kind"]
        if kind in _STUB_LISTS:
            type_ = {"kind": kind, "name": name, **{key: [] for key in _STUB_LISTS[kind]}}
        elif kind == "INPUT_OBJECT":
            named += json_type_edges(type_)[1]
        kept[name] = type_
    return kept


def _partial(
    intro: IntrospectionDict,
    types: Mapping[str, Mapping[str, Any]],
    changed: Iterable[str],
    kept: Mapping[str, Mapping[str, Any]],
) -> IntrospectionDict:
    schema = intro["__schema"]
    partial = {key: value for key, value in schema.items() if key != "types"}
    partial["types"] = [types[n] for n in sorted(changed) if n in types] + list(kept.values())
    return {"__schema": partial}
