"""Applied directives (``@auth(role: ADMIN)`` on a field, ``@key`` on a type ...): added, removed,
argument changed, on every location an SDL can carry one. Introspection does not expose applied
directives, so this runs only when both sides are SDL documents.

Criticality: **dangerous** for every kind -- an applied directive can change what the server does
(authorisation, cost limits, federation keys) without changing what an operation may ask, so clients
may be affected but no operation becomes invalid. ``@deprecated``, ``@specifiedBy`` and ``@oneOf`` are
left out: their effect is reported as deprecation, ``specifiedByURL`` and ``isOneOf`` changes.
Usages on an element that was itself added or removed are not reported (that element's change says it).

Paths: ``<element path>.@name`` (``User.email.@auth``), ``<element path>.@name.arg`` for an argument;
the coordinate is the element's (``User.email``, ``Query.user(id:)``, ``schema``). A repeatable directive
applied several times at one place is compared as a multiset of its printed uses.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from graphql import (
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    print_ast,
)
from graphql.utilities.sort_value_node import sort_value_node

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.diff._compare import compare_by_name
from monitor.core.diff._context import make

__all__ = ["applied_directives", "diff_directive_usages"]

_REPORTED_ELSEWHERE = frozenset({"deprecated", "specifiedBy", "oneOf"})

Applied = list[ConstDirectiveNode]
#: location path -> (coordinate, directives applied there)
Locations = dict[str, tuple[str, Applied]]


def applied_directives(document: DocumentNode) -> Locations:
    """Every location of ``document`` with the directives applied there (extensions merged)."""
    found: defaultdict[str, tuple[str, Applied]] = defaultdict(lambda: ("", []))

    def add(path: str, coordinate: str, directives: Iterable[ConstDirectiveNode] | None) -> None:
        items = [d for d in directives or () if d.name.value not in _REPORTED_ELSEWHERE]
        entry = found[path]
        found[path] = (coordinate, entry[1] + items)

    def add_args(owner: str, args: Iterable[InputValueDefinitionNode] | None) -> None:
        for arg in args or ():
            name = arg.name.value
            add(f"{owner}.{name}", f"{owner}({name}:)", arg.directives)

    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            add("schema", "schema", node.directives)
        elif isinstance(node, DirectiveDefinitionNode):
            add_args(f"@{node.name.value}", node.arguments)
        elif isinstance(node, TypeDefinitionNode | TypeExtensionNode):
            owner = node.name.value
            add(owner, owner, node.directives)
            if isinstance(node, _WITH_FIELDS):
                for field in node.fields or ():
                    path = f"{owner}.{field.name.value}"
                    add(path, path, field.directives)
                    if isinstance(field, FieldDefinitionNode):
                        add_args(path, field.arguments)
            elif isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
                for value in node.values or ():
                    path = f"{owner}.{value.name.value}"
                    add(path, path, value.directives)
    return dict(found)


_WITH_FIELDS = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
)


def _print_value(node: ConstDirectiveNode, arg: str) -> str | None:
    for item in node.arguments or ():
        if item.name.value == arg:
            return print_ast(sort_value_node(item.value))
    return None


def _print(node: ConstDirectiveNode) -> str:
    args = sorted((a.name.value, print_ast(sort_value_node(a.value))) for a in node.arguments or ())
    inner = ", ".join(f"{name}: {value}" for name, value in args)
    return f"@{node.name.value}({inner})" if inner else f"@{node.name.value}"


def diff_directive_usages(old: DocumentNode, new: DocumentNode) -> list[Change]:
    """Changes of the directives applied at every location present in both documents."""
    changes: list[Change] = []
    for path, (coordinate, before), (_, after) in compare_by_name(
        applied_directives(old), applied_directives(new)
    ).kept:
        if before or after:
            changes.extend(_diff_location(path, coordinate, before, after))
    return changes


def _diff_location(path: str, coordinate: str, before: Applied, after: Applied) -> list[Change]:
    old_by_name: defaultdict[str, Applied] = defaultdict(list)
    new_by_name: defaultdict[str, Applied] = defaultdict(list)
    for node in before:
        old_by_name[node.name.value].append(node)
    for node in after:
        new_by_name[node.name.value].append(node)
    changes: list[Change] = []
    for name in sorted(old_by_name.keys() | new_by_name.keys()):
        olds, news = old_by_name.get(name, []), new_by_name.get(name, [])
        if len(olds) == 1 and len(news) == 1:
            changes.extend(_diff_arguments(path, coordinate, olds[0], news[0]))
            continue
        old_count = Counter(_print(n) for n in olds)
        new_count = Counter(_print(n) for n in news)
        for printed in sorted((new_count - old_count).elements()):
            changes.append(_usage(ChangeType.DIRECTIVE_USAGE_ADDED, path, coordinate, name, None, printed))
        for printed in sorted((old_count - new_count).elements()):
            changes.append(_usage(ChangeType.DIRECTIVE_USAGE_REMOVED, path, coordinate, name, printed, None))
    return changes


def _usage(
    kind: ChangeType, path: str, coordinate: str, name: str, old: str | None, new: str | None
) -> Change:
    where = "'schema'" if path == "schema" else f"'{path}'"
    if kind is ChangeType.DIRECTIVE_USAGE_ADDED:
        message = f"Directive '{new}' was added to {where}"
    else:
        message = f"Directive '{old}' was removed from {where}"
    return make(
        kind, Criticality.DANGEROUS, path=f"{path}.@{name}", coordinate=coordinate, message=message,
        reason="An applied directive can change what the server does (authorisation, limits, keys)",
        old=old, new=new,
    )  # fmt: skip


def _diff_arguments(
    path: str, coordinate: str, before: ConstDirectiveNode, after: ConstDirectiveNode
) -> list[Change]:
    name = before.name.value
    names = sorted(
        {a.name.value for a in before.arguments or ()} | {a.name.value for a in after.arguments or ()}
    )
    changes: list[Change] = []
    for arg in names:
        old, new = _print_value(before, arg), _print_value(after, arg)
        if old == new:
            continue
        changes.append(
            make(ChangeType.DIRECTIVE_USAGE_ARGUMENT_CHANGED, Criticality.DANGEROUS,
                 path=f"{path}.@{name}.{arg}", coordinate=coordinate,
                 message=f"Argument '{arg}' of '@{name}' on '{path}' changed from '{old}' to '{new}'",
                 reason="An applied directive can change what the server does (authorisation, limits, keys)",
                 old=old, new=new)
        )  # fmt: skip
    return changes
