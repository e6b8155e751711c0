"""Where each named type is used: as input, as output, both, or not at all (unreachable from the roots).

The diff uses this to decide criticality by context, where GraphQL Inspector decides by kind alone: a
value added to an enum that clients only *send* cannot surprise them, a value added to an enum they
*receive* can; a type no operation can reach cannot break an operation.

Reachability follows what a valid operation can name, starting at the query, mutation and subscription
root types:

- output positions: field types of reached object and interface types; members of reached unions; every
  implementation of a reached interface; every interface a reached object or interface implements (a
  fragment ``... on Node`` is valid inside any selection on a type that implements ``Node``);
- input positions: the arguments of fields of reached types; the fields of reached input objects; the
  arguments of directives that operations can use (executable locations: ``@include``, custom ones).

Type-system-only directives (``@key``, ``@cost`` ...) are not followed: clients never send their arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from enum import StrEnum
from typing import Any, Final

from graphql import (
    DirectiveLocation,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)

__all__ = [
    "EXECUTABLE_LOCATIONS",
    "Edges",
    "Usage",
    "combine_usage",
    "describe_usage",
    "introspection_usage",
    "json_type_edges",
    "json_type_name",
    "schema_usage",
    "type_edges",
    "usage_of",
]


class Usage(StrEnum):
    """How operations can use a named type."""

    INPUT = "input"
    OUTPUT = "output"
    BOTH = "both"
    UNREACHABLE = "unreachable"

    @property
    def is_input(self) -> bool:
        return self in (Usage.INPUT, Usage.BOTH)

    @property
    def is_output(self) -> bool:
        return self in (Usage.OUTPUT, Usage.BOTH)


#: Locations at which an operation document (not an SDL) can apply a directive.
EXECUTABLE_LOCATIONS: Final = frozenset(
    {
        DirectiveLocation.QUERY,
        DirectiveLocation.MUTATION,
        DirectiveLocation.SUBSCRIPTION,
        DirectiveLocation.FIELD,
        DirectiveLocation.FRAGMENT_DEFINITION,
        DirectiveLocation.FRAGMENT_SPREAD,
        DirectiveLocation.INLINE_FRAGMENT,
        DirectiveLocation.VARIABLE_DEFINITION,
    }
)

#: Per type name: (output type names it leads to, input type names it leads to).
Edges = tuple[tuple[str, ...], tuple[str, ...]]


def type_edges(type_: GraphQLNamedType) -> Edges:
    """Where a type leads by its own definition (implementations of an interface are not its own).

    The unwrapping is inlined: this runs once per type and field of a schema, on every diff with changes.
    """
    non_null, list_ = GraphQLNonNull, GraphQLList
    ref: Any
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        outs: list[str] = []
        ins: list[str] = []
        for field in type_.fields.values():
            ref = field.type
            while type(ref) is non_null or type(ref) is list_:
                ref = ref.of_type
            outs.append(ref.name)
            if field.args:
                for arg in field.args.values():
                    ref = arg.type
                    while type(ref) is non_null or type(ref) is list_:
                        ref = ref.of_type
                    ins.append(ref.name)
        outs.extend(i.name for i in type_.interfaces)
        return tuple(outs), tuple(ins)
    if isinstance(type_, GraphQLUnionType):
        return tuple(t.name for t in type_.types), ()
    if isinstance(type_, GraphQLInputObjectType):
        return (), tuple(get_named_type(f.type).name for f in type_.fields.values())
    return (), ()


def schema_usage(
    schema: GraphQLSchema,
    *,
    cache: dict[str, Edges] | None = None,
    reuse: Container[str] = (),
) -> dict[str, Usage]:
    """Usage of every type reachable from the root types; a name that is absent is unreachable.

    ``cache`` collects each visited type's :func:`type_edges`; a later call for another version of the
    schema may pass the same cache and, in ``reuse``, the names of types known to be unchanged (equal
    fingerprints, or no change found by the diff): their edges are not recomputed. The diff computes the
    usage of both versions this way, so the second costs a fraction of the first.
    """
    type_map = schema.type_map

    def compute(name: str) -> Edges | None:
        type_ = type_map.get(name)
        return None if type_ is None else type_edges(type_)  # None: a dangling reference

    def implementations(name: str) -> list[str]:
        type_ = type_map[name]
        if not isinstance(type_, GraphQLInterfaceType):
            return []
        found = schema.get_implementations(type_)
        return [t.name for t in found.objects] + [t.name for t in found.interfaces]

    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    directive_inputs = [
        get_named_type(arg.type).name
        for directive in schema.directives
        if not EXECUTABLE_LOCATIONS.isdisjoint(directive.locations)
        for arg in directive.args.values()
    ]
    return _reach(
        [root.name for root in roots if root is not None],
        _cached(compute, cache, reuse),
        implementations,
        lambda name: isinstance(type_map.get(name), GraphQLInputObjectType),
        directive_inputs,
    )


def introspection_usage(
    intro: Mapping[str, Any],
    *,
    cache: dict[str, Edges] | None = None,
    reuse: Container[str] = (),
) -> dict[str, Usage]:
    """:func:`schema_usage` computed on introspection JSON, without building a schema.

    The JSON diff (:mod:`monitor.core.diff.introspected`) builds schema objects for changed types only
    and takes usage from here; the two functions agree on every schema (tests/core/test_usage.py).
    ``cache`` and ``reuse`` work as in :func:`schema_usage`. Raises ``KeyError`` or ``TypeError`` on
    malformed JSON.
    """
    schema = intro["__schema"]
    types: dict[str, Mapping[str, Any]] = {t["name"]: t for t in schema["types"]}
    implementations: dict[str, list[str]] = {}
    for type_ in types.values():
        if type_["kind"] in ("OBJECT", "INTERFACE"):
            for ref in type_.get("interfaces") or ():
                implementations.setdefault(json_type_name(ref), []).append(type_["name"])

    def compute(name: str) -> Edges | None:
        type_ = types.get(name)
        return None if type_ is None else json_type_edges(type_)

    def implementations_of(name: str) -> list[str]:
        return implementations.get(name, []) if types[name]["kind"] == "INTERFACE" else []

    executable = {location.name for location in EXECUTABLE_LOCATIONS}
    directive_inputs = [
        json_type_name(arg["type"])
        for directive in schema.get("directives") or ()
        if not executable.isdisjoint(directive.get("locations") or ())
        for arg in directive.get("args") or ()
    ]
    roots = [
        root["name"]
        for root in (schema.get("queryType"), schema.get("mutationType"), schema.get("subscriptionType"))
        if root
    ]
    return _reach(
        roots,
        _cached(compute, cache, reuse),
        implementations_of,
        lambda name: name in types and types[name]["kind"] == "INPUT_OBJECT",
        directive_inputs,
    )


_WRAPPERS: Final = frozenset({"LIST", "NON_NULL"})


def json_type_edges(type_: Mapping[str, Any]) -> Edges:
    """:func:`type_edges` of one introspection type object (unwrapping inlined: it runs per field)."""
    kind = type_["kind"]
    wrappers = _WRAPPERS
    if kind == "OBJECT" or kind == "INTERFACE":
        outs: list[str] = []
        ins: list[str] = []
        for field in type_["fields"] or ():
            ref = field["type"]
            while ref["kind"] in wrappers:
                ref = ref["ofType"]
            outs.append(ref["name"])
            for arg in field.get("args") or ():
                ref = arg["type"]
                while ref["kind"] in wrappers:
                    ref = ref["ofType"]
                ins.append(ref["name"])
        outs.extend(json_type_name(ref) for ref in type_.get("interfaces") or ())
        return tuple(outs), tuple(ins)
    if kind == "UNION":
        return tuple(json_type_name(ref) for ref in type_["possibleTypes"] or ()), ()
    if kind == "INPUT_OBJECT":
        return (), tuple(json_type_name(f["type"]) for f in type_["inputFields"] or ())
    return (), ()


def json_type_name(ref: Mapping[str, Any]) -> str:
    """The named type under a JSON type reference's LIST/NON_NULL wrappers."""
    while ref["kind"] in _WRAPPERS:
        ref = ref["ofType"]
    return ref["name"]  # type: ignore[no-any-return]


def _cached(
    compute: Callable[[str], Edges | None], cache: dict[str, Edges] | None, reuse: Container[str]
) -> Callable[[str], Edges | None]:
    """``compute`` with the edges of the names in ``reuse`` taken from ``cache`` (filled as it goes)."""
    edges_cache: dict[str, Edges] = {} if cache is None else cache

    def edges(name: str) -> Edges | None:
        found = edges_cache.get(name) if name in reuse else None
        if found is None:
            found = compute(name)
            if found is not None:
                edges_cache[name] = found
        return found

    return edges


def _reach(
    roots: list[str],
    edges: Callable[[str], Edges | None],
    implementations: Callable[[str], list[str]],
    is_input_object: Callable[[str], bool],
    directive_inputs: list[str],
) -> dict[str, Usage]:
    """The traversal both :func:`schema_usage` and :func:`introspection_usage` run (module docstring)."""
    output: set[str] = set()
    input_seeds = list(directive_inputs)
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in output:
            continue
        found = edges(name)
        if found is None:  # a dangling reference in a broken schema
            continue
        output.add(name)
        stack.extend(found[0])
        input_seeds.extend(found[1])
        stack.extend(implementations(name))
    usage = dict.fromkeys(output, Usage.OUTPUT)
    seen: set[str] = set()
    while input_seeds:
        name = input_seeds.pop()
        if name in seen:
            continue
        seen.add(name)
        usage[name] = Usage.BOTH if name in output else Usage.INPUT
        if is_input_object(name):
            found = edges(name)
            if found is not None:
                input_seeds.extend(found[1])
    return usage


def combine_usage(*usages: Usage) -> Usage:
    """The widest of several usages: input-only only if input-only in each, unreachable only if in all."""
    is_input = any(u.is_input for u in usages)
    is_output = any(u.is_output for u in usages)
    if is_input and is_output:
        return Usage.BOTH
    if is_input:
        return Usage.INPUT
    if is_output:
        return Usage.OUTPUT
    return Usage.UNREACHABLE


def usage_of(usage: Mapping[str, Usage], name: str) -> Usage:
    return usage.get(name, Usage.UNREACHABLE)


def describe_usage(kind: str, name: str, usage: Usage) -> str:
    """A reason fragment such as ``enum Foo is only used as input``."""
    if usage is Usage.UNREACHABLE:
        return f"{kind} {name} is not reachable from any root type"
    if usage is Usage.BOTH:
        return f"{kind} {name} is used as both input and output"
    return f"{kind} {name} is only used as {usage.value}"
