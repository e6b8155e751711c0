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

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Final

from graphql import (
    DirectiveLocation,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
)

__all__ = ["EXECUTABLE_LOCATIONS", "Usage", "combine_usage", "describe_usage", "schema_usage", "usage_of"]


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

_WRAPPERS: Final = (GraphQLList, GraphQLNonNull)


def _named(type_: GraphQLType) -> GraphQLNamedType:
    while isinstance(type_, _WRAPPERS):
        type_ = type_.of_type
    return type_  # type: ignore[return-value]


def schema_usage(schema: GraphQLSchema) -> dict[str, Usage]:
    """Usage of every type reachable from the root types; a name that is absent is unreachable."""
    output: set[str] = set()
    inputs: list[GraphQLNamedType] = []
    stack: list[GraphQLNamedType] = [
        root
        for root in (schema.query_type, schema.mutation_type, schema.subscription_type)
        if root is not None
    ]
    while stack:
        type_ = stack.pop()
        name = type_.name
        if name in output:
            continue
        output.add(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field in type_.fields.values():
                stack.append(_named(field.type))
                for arg in field.args.values():
                    inputs.append(_named(arg.type))
            stack.extend(type_.interfaces)
            if isinstance(type_, GraphQLInterfaceType):
                implementations = schema.get_implementations(type_)
                stack.extend(implementations.objects)
                stack.extend(implementations.interfaces)
        elif isinstance(type_, GraphQLUnionType):
            stack.extend(type_.types)
    for directive in schema.directives:
        if not EXECUTABLE_LOCATIONS.isdisjoint(directive.locations):
            inputs.extend(_named(arg.type) for arg in directive.args.values())
    input_names = _reach_inputs(inputs)
    usage = {name: Usage.OUTPUT for name in output}
    for name in input_names:
        usage[name] = Usage.BOTH if name in output else Usage.INPUT
    return usage


def _reach_inputs(seeds: Iterable[GraphQLNamedType]) -> set[str]:
    seen: set[str] = set()
    stack = list(seeds)
    while stack:
        type_ = stack.pop()
        if type_.name in seen:
            continue
        seen.add(type_.name)
        if isinstance(type_, GraphQLInputObjectType):
            stack.extend(_named(field.type) for field in type_.fields.values())
    return seen


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

