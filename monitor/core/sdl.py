"""SDL for people and assistants: one type, a type and its neighbours, or the whole schema in chunks.

Printing goes through graphql-core's ``print_type`` (descriptions, arguments, defaults, ``@deprecated`` on
every deprecated member, ``@oneOf``, ``@specifiedBy``); this module decides *what* to print: types sorted
by name without the introspection types and built-in scalars, the ``schema { ... }`` block only when the
root names are not the conventional ones, and comments naming an interface's implementations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_introspection_type,
    is_specified_directive,
    is_specified_scalar_type,
    print_type,
)
from graphql.language.block_string import print_block_string
from graphql.utilities.print_schema import (
    print_args,
    print_deprecated,
    print_description,
    print_directive,
    print_implemented_interfaces,
    print_input_value,
    print_specified_by_url,
)

from monitor.core.diff.types import kind_name
from monitor.core.search import PAGING_ARGUMENTS, one_line

_CONVENTIONAL_ROOTS: Final = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


def kind_of(type_: GraphQLNamedType) -> str:
    """``object``, ``interface``, ``union``, ``enum``, ``input`` or ``scalar``: the introspection kind, with
    ``input`` (the SDL keyword) for ``INPUT_OBJECT``."""
    return kind_name(type_).removesuffix("_OBJECT").lower()


def user_types(schema: GraphQLSchema) -> list[GraphQLNamedType]:
    """The schema's own named types, sorted by name (introspection types and built-in scalars left out)."""
    return [
        schema.type_map[name]
        for name in sorted(schema.type_map)
        if not is_introspection_type(schema.type_map[name])
        and not is_specified_scalar_type(schema.type_map[name])
    ]


def roots(schema: GraphQLSchema) -> dict[str, str | None]:
    """Operation -> root type name (``None`` where the schema has no such root)."""
    return {
        "query": schema.query_type.name if schema.query_type else None,
        "mutation": schema.mutation_type.name if schema.mutation_type else None,
        "subscription": schema.subscription_type.name if schema.subscription_type else None,
    }


def root_type(schema: GraphQLSchema, operation: str) -> GraphQLObjectType | None:
    """The root type of ``query``, ``mutation`` or ``subscription``."""
    return {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }.get(operation)


def implementations(schema: GraphQLSchema, type_: GraphQLNamedType) -> list[str]:
    """Possible types of an interface (objects and interfaces implementing it) or a union, sorted."""
    if isinstance(type_, GraphQLInterfaceType):
        found = schema.get_implementations(type_)
        return sorted(t.name for t in (*found.objects, *found.interfaces))
    if isinstance(type_, GraphQLUnionType):
        return sorted(t.name for t in type_.types)
    return []


def type_sdl(schema: GraphQLSchema, type_: GraphQLNamedType) -> str:
    """The type's SDL with descriptions and deprecations; an interface also names its implementations."""
    text = print_type(type_)
    if isinstance(type_, GraphQLInterfaceType):
        names = implementations(schema, type_)
        if names:
            text = f"# implemented by: {', '.join(names)}\n{text}"
    return text


def schema_block(schema: GraphQLSchema) -> str | None:
    """The ``schema { ... }`` definition, only when it says something (unusual root names, a description)."""
    named = {op: name for op, name in roots(schema).items() if name}
    if named == {op: _CONVENTIONAL_ROOTS[op] for op in named} and not schema.description:
        return None
    body = "\n".join(f"  {op}: {name}" for op, name in named.items())
    prefix = f"{print_block_string(schema.description)}\n" if schema.description else ""
    return f"{prefix}schema {{\n{body}\n}}"


@dataclass(frozen=True, slots=True)
class Chunk:
    """One printable piece of a schema: the schema block, a directive definition or a type."""

    name: str
    sdl: str


def schema_chunks(schema: GraphQLSchema) -> list[Chunk]:
    """The whole schema as chunks: schema block, custom directives, then every type sorted by name."""
    chunks: list[Chunk] = []
    block = schema_block(schema)
    if block:
        chunks.append(Chunk("schema", block))
    for directive in sorted(schema.directives, key=lambda d: d.name):
        if not is_specified_directive(directive):
            chunks.append(Chunk(f"@{directive.name}", print_directive(directive)))
    chunks.extend(Chunk(t.name, type_sdl(schema, t)) for t in user_types(schema))
    return chunks


def referenced_types(schema: GraphQLSchema, type_: GraphQLNamedType) -> list[str]:
    """Named types the type mentions (field and argument types, interfaces, members), in order of appearance."""
    found: dict[str, None] = {}

    def add(named: GraphQLNamedType) -> None:
        if (
            named.name != type_.name
            and not is_introspection_type(named)
            and not is_specified_scalar_type(named)
        ):
            found.setdefault(named.name, None)

    for named in _references(schema, type_):
        add(named)
    return list(found)


def _references(schema: GraphQLSchema, type_: GraphQLNamedType) -> Iterator[GraphQLNamedType]:
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        yield from type_.interfaces
        for field in type_.fields.values():
            yield get_named_type(field.type)
            for arg in field.args.values():
                yield get_named_type(arg.type)
        if isinstance(type_, GraphQLInterfaceType):
            for name in implementations(schema, type_):
                yield schema.type_map[name]
    elif isinstance(type_, GraphQLUnionType):
        yield from type_.types
    elif isinstance(type_, GraphQLInputObjectType):
        for input_field in type_.fields.values():
            yield get_named_type(input_field.type)


def neighbourhood(schema: GraphQLSchema, name: str, depth: int) -> list[str]:
    """``name`` and the types within ``depth - 1`` references of it, nearest first (depth 1: the type alone)."""
    order = [name]
    seen = {name}
    frontier = [name]
    for _ in range(max(depth, 1) - 1):
        following: list[str] = []
        for current in frontier:
            for ref in referenced_types(schema, schema.type_map[current]):
                if ref not in seen:
                    seen.add(ref)
                    order.append(ref)
                    following.append(ref)
        frontier = following
    return order


def deprecated_members(type_: GraphQLNamedType) -> list[str]:
    """Coordinates of the type's deprecated fields, arguments, input fields and enum values."""
    out: list[str] = []
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        for field_name, field in type_.fields.items():
            if field.deprecation_reason is not None:
                out.append(f"{type_.name}.{field_name}")
            out.extend(
                f"{type_.name}.{field_name}({arg_name}:)"
                for arg_name, arg in field.args.items()
                if arg.deprecation_reason is not None
            )
    elif isinstance(type_, GraphQLInputObjectType):
        out.extend(f"{type_.name}.{n}" for n, f in type_.fields.items() if f.deprecation_reason is not None)
    elif isinstance(type_, GraphQLEnumType):
        out.extend(f"{type_.name}.{n}" for n, v in type_.values.items() if v.deprecation_reason is not None)
    return out


def field_signature(name: str, field: GraphQLField) -> str:
    """``stacks(first: Int = 10, after: String): [Stack!]!`` with ``@deprecated`` on deprecated arguments."""
    args = ", ".join(print_input_value(arg_name, arg) for arg_name, arg in field.args.items())
    return f"{name}({args}): {field.type}" if args else f"{name}: {field.type}"


def describe(type_: GraphQLNamedType) -> str:
    """The type's description on one line (empty when it has none)."""
    return one_line(type_.description)


# ------------------------------------------------------------------------------------------- members

#: A member's description in compact SDL: its first sentence, at most this long.
COMPACT_DESCRIPTION: Final = 100


def members(type_: GraphQLNamedType) -> dict[str, Any]:
    """The type's fields, input fields or enum values by name (empty for scalars and unions)."""
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        return dict(type_.fields)
    if isinstance(type_, GraphQLEnumType):
        return dict(type_.values)
    return {}


def type_header(schema: GraphQLSchema, type_: GraphQLNamedType) -> str:
    """The type's first line, after its description as a comment: ``type Repository implements Node & ...``;
    a union or a scalar is whole in its header."""
    comment = _comment(type_.description, 300)
    lines = [f"# {comment}"] if comment else []
    if isinstance(type_, GraphQLInterfaceType):
        names = implementations(schema, type_)
        if names:
            lines.append(f"# implemented by: {', '.join(names)}")
    if isinstance(type_, GraphQLObjectType):
        lines.append(f"type {type_.name}{print_implemented_interfaces(type_)}")
    elif isinstance(type_, GraphQLInterfaceType):
        lines.append(f"interface {type_.name}{print_implemented_interfaces(type_)}")
    elif isinstance(type_, GraphQLInputObjectType):
        lines.append(f"input {type_.name}" + (" @oneOf" if type_.is_one_of else ""))
    elif isinstance(type_, GraphQLEnumType):
        lines.append(f"enum {type_.name}")
    elif isinstance(type_, GraphQLUnionType):
        lines.append(f"union {type_.name} = " + " | ".join(t.name for t in type_.types))
    elif isinstance(type_, GraphQLScalarType):
        lines.append(f"scalar {type_.name}{print_specified_by_url(type_)}")
    return "\n".join(lines)


def compact_member(name: str, member: Any) -> str:
    """One member on one line, its description's first sentence as a comment; Relay's paging arguments
    (``first``, ``after``, ``last``, ``before``) folded into ``first/after/last/before``."""
    if isinstance(member, GraphQLField):
        args = dict(member.args)
        shown = [
            print_input_value(n, a) for n, a in args.items() if not (_pages(args) and n in PAGING_ARGUMENTS)
        ]
        if _pages(args):
            shown.append("/".join(PAGING_ARGUMENTS))
        text = f"{name}({', '.join(shown)})" if shown else name
        text += f": {member.type}{print_deprecated(member.deprecation_reason)}"
    elif hasattr(member, "type"):  # an input field
        text = print_input_value(name, member)
    else:  # an enum value
        text = name + print_deprecated(member.deprecation_reason)
    comment = _comment(member.description, COMPACT_DESCRIPTION)
    return f"  {text}" + (f"  # {comment}" if comment else "")


def detailed_member(name: str, member: Any) -> str:
    """One member in full SDL: its whole description, and each argument with its own description."""
    text = print_description(member, "  ")
    if isinstance(member, GraphQLField):
        text += f"  {name}{print_args(member.args, '  ')}: {member.type}{print_deprecated(member.deprecation_reason)}"
    elif hasattr(member, "type"):
        text += "  " + print_input_value(name, member)
    else:
        text += f"  {name}{print_deprecated(member.deprecation_reason)}"
    return text


def compact_type_sdl(schema: GraphQLSchema, type_: GraphQLNamedType) -> str:
    """The whole type in compact SDL (see :func:`compact_member`)."""
    return block(type_header(schema, type_), [compact_member(n, m) for n, m in members(type_).items()])


def block(header: str, lines: list[str]) -> str:
    """``header { lines }``, or the header alone for a type without members."""
    return f"{header} {{\n" + "\n".join(lines) + "\n}" if lines else header


def _pages(args: dict[str, Any]) -> bool:
    """Whether a field takes Relay's four paging arguments as plain ``Int`` / ``String`` without defaults."""
    for name in PAGING_ARGUMENTS:
        arg = args.get(name)
        wanted = "Int" if name in ("first", "last") else "String"
        if arg is None or str(arg.type) != wanted or arg.default_value is not Undefined:
            return False
    return True


def _comment(description: str | None, limit: int) -> str:
    """The first sentence of a description on one line, cut at ``limit`` characters."""
    text = one_line(description, 10_000)
    end = text.find(". ")
    if 0 < end < limit:
        text = text[: end + 1]
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
