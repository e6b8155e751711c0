"""Which schema coordinates an operation uses, and which of them are deprecated.

:class:`UsageCollector` is a visitor driven by graphql-core's ``TypeInfo`` (directly, or as one more
rule inside validation, so the document is walked once). Names come from the document where the schema
cannot resolve them (a removed field still yields ``Type.removedField``), so a broken operation keeps
the coordinates that explain why it broke.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphql import (
    ArgumentNode,
    DirectiveNode,
    EnumValueNode,
    FieldNode,
    GraphQLArgument,
    GraphQLCompositeType,
    GraphQLDirective,
    GraphQLEnumValue,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputType,
    GraphQLNamedType,
    GraphQLSchema,
    NamedTypeNode,
    Node,
    ObjectFieldNode,
    OperationDefinitionNode,
    ParallelVisitor,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    Visitor,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    visit,
)


class TypeInfoLike(Protocol):
    """What the collector asks of ``TypeInfo`` (and of ``ValidationContext``, which delegates to it)."""

    def get_parent_type(self) -> GraphQLCompositeType | None: ...
    def get_field_def(self) -> GraphQLField | None: ...
    def get_argument(self) -> GraphQLArgument | None: ...
    def get_directive(self) -> GraphQLDirective | None: ...
    def get_input_type(self) -> GraphQLInputType | None: ...
    def get_parent_input_type(self) -> GraphQLInputType | None: ...
    def get_enum_value(self) -> GraphQLEnumValue | None: ...


@dataclass(slots=True)
class Deprecation:
    """A deprecated element met while walking, with where the operation first uses it."""

    coordinate: str
    reason: str
    node: Node


@dataclass(slots=True)
class Usage:
    """What one walk found; ``trail`` (when set) also lists each coordinate as it is added."""

    coordinates: set[str] = field(default_factory=set)
    deprecations: dict[str, Deprecation] = field(default_factory=dict)
    trail: list[str] | None = None

    def add(self, coordinate: str) -> None:
        """Add a coordinate and its parents (``T.f(a:)`` -> ``T.f`` -> ``T``)."""
        if self.trail is not None:
            self.trail.append(coordinate)
        coordinates = self.coordinates
        while coordinate and coordinate not in coordinates:
            coordinates.add(coordinate)
            coordinate = _parent(coordinate)

    def deprecated(self, coordinate: str, reason: str | None, node: Node) -> None:
        if reason is not None and coordinate not in self.deprecations:
            self.deprecations[coordinate] = Deprecation(coordinate, reason, node)


def _parent(coordinate: str) -> str:
    if coordinate.endswith(":)"):
        return coordinate.split("(", 1)[0]
    if "." in coordinate:
        return coordinate.split(".", 1)[0]
    return ""


class UsageCollector(Visitor):
    """Records into ``usage`` every coordinate the visited document uses, and its deprecated ones."""

    def __init__(
        self,
        info: TypeInfoLike,
        schema: GraphQLSchema,
        usage: Usage,
        closures: dict[str, frozenset[str]] | None = None,
    ) -> None:
        super().__init__()
        self.info = info
        self.schema = schema
        self.usage = usage
        self._fields: list[str | None] = []
        self._arguments: list[str | None] = []
        self._directives: list[str] = []
        # Input closures depend on the schema only: share the cache across one schema's operations.
        self._input_closure = closures if closures is not None else {}

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        root = self.schema.get_root_type(node.operation)
        if root is not None:
            self.usage.add(root.name)

    def enter_named_type(self, node: NamedTypeNode, *_: Any) -> None:
        self.usage.add(node.name.value)  # type conditions and variable types, resolvable or not

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> None:
        # A variable may carry any field of its input type at run time: the whole input closure is used.
        named = get_named_type(self.info.get_input_type())
        if named is not None:
            for name in self._closure(named):
                self.usage.add(name)

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.info.get_parent_type()
        name = node.name.value
        if parent is None or name.startswith("__"):
            self._fields.append(None)
            return
        coordinate = f"{parent.name}.{name}"
        self._fields.append(coordinate)
        self._use(coordinate, self.info.get_field_def(), node)

    def leave_field(self, *_: Any) -> None:
        self._fields.pop()

    def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
        self._directives.append(node.name.value)
        self.usage.add(f"@{node.name.value}")

    def leave_directive(self, *_: Any) -> None:
        self._directives.pop()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if self._directives:
            owner: str | None = f"@{self._directives[-1]}"
        else:
            owner = self._fields[-1] if self._fields else None
        coordinate = f"{owner}({node.name.value}:)" if owner is not None else None
        self._arguments.append(coordinate)
        if coordinate is not None:
            self._use(coordinate, self.info.get_argument(), node)

    def leave_argument(self, *_: Any) -> None:
        self._arguments.pop()

    def context(self) -> list[str]:
        """The coordinates of the field and the argument the walk is in, and the input type expected."""
        found = [self._fields[-1] if self._fields else None, self._arguments[-1] if self._arguments else None]
        expected = get_named_type(self.info.get_input_type())
        if expected is not None:
            found.append(expected.name)
        return [c for c in found if c is not None]

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        parent = get_named_type(self.info.get_parent_input_type())
        if not is_input_object_type(parent):
            return
        self._use(f"{parent.name}.{node.name.value}", parent.fields.get(node.name.value), node)

    def enter_enum_value(self, node: EnumValueNode, *_: Any) -> None:
        enum = get_named_type(self.info.get_input_type())
        if not is_enum_type(enum):
            return
        coordinate = f"{enum.name}.{node.value}"
        self.usage.add(coordinate)
        value = self.info.get_enum_value()
        if value is not None:
            self.usage.deprecated(coordinate, value.deprecation_reason, node)

    def _use(
        self,
        coordinate: str,
        definition: GraphQLField | GraphQLArgument | GraphQLInputField | None,
        node: Node,
    ) -> None:
        """A field, argument or input field the document names; with its definition (``None`` when the
        schema lacks it), the type it holds and its deprecation too."""
        self.usage.add(coordinate)
        if definition is not None:
            self.usage.add(get_named_type(definition.type).name)
            self.usage.deprecated(coordinate, definition.deprecation_reason, node)

    def _closure(self, named: GraphQLNamedType) -> frozenset[str]:
        """The named type and every named type reachable through its input fields."""
        cached = self._input_closure.get(named.name)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = [named]
        while stack:
            current = stack.pop()
            if current.name in seen:
                continue
            seen.add(current.name)
            if is_input_object_type(current):
                stack.extend(get_named_type(f.type) for f in current.fields.values())
        closure = frozenset(seen)
        self._input_closure[named.name] = closure
        return closure


class _NodeCoordinates(Visitor):
    """Runs after a :class:`UsageCollector` (same walk): what it added at each node, and where it was."""

    def __init__(self, collector: UsageCollector, trail: list[str]) -> None:
        super().__init__()
        self.collector = collector
        self.trail = trail
        self.by_node: dict[int, list[str]] = {}

    def enter(self, node: Node, *_: Any) -> None:
        self.by_node[id(node)] = [*self.trail, *self.collector.context()]
        self.trail.clear()


class _Ids(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[int] = []

    def enter(self, node: Node, *_: Any) -> None:
        self.ids.append(id(node))


class NearIndex:
    """Where a broken operation's errors are: the coordinates at, under and around given nodes.

    Built with one walk of the operation's document against one schema; :meth:`levels` then answers for
    any error's nodes, from the most specific level to the widest (see
    :func:`monitor.core.contracts.impact.causes`).
    """

    def __init__(self, schema: GraphQLSchema, document: Node) -> None:
        trail: list[str] = []
        usage = Usage(trail=trail)
        info = TypeInfo(schema)
        collector = UsageCollector(info, schema, usage)
        self._tracker = _NodeCoordinates(collector, trail)
        visit(document, TypeInfoVisitor(info, ParallelVisitor([collector, self._tracker])))
        self.used: set[str] = usage.coordinates

    def levels(self, nodes: Sequence[Node]) -> tuple[set[str], set[str], set[str]]:
        """``(at, under, around)``: the coordinates recorded at the nodes themselves (the field, argument,
        type condition or value the error is about), those in their subtrees, and the parents of both
        (``T.f`` -> ``T``). None of the three repeats what an earlier one holds."""
        by_node = self._tracker.by_node
        at: set[str] = set()
        under: set[str] = set()
        for node in nodes:
            at.update(by_node.get(id(node), ()))
            ids = _Ids()
            visit(node, ids)
            for key in ids.ids[1:]:
                under.update(by_node.get(key, ()))
        under -= at
        around = Usage()
        for coordinate in at | under:
            around.add(_parent(coordinate))
        return at, under, around.coordinates - at - under


def error_levels(indexes: Sequence[NearIndex], nodes: Sequence[Node]) -> list[set[str]]:
    """The ``(at, under, around)`` levels of an error's ``nodes`` in every schema's index at once: the new
    schema sees what the operation asks now, the old one what it meant (a removed field's type)."""
    per_index = [index.levels(nodes) for index in indexes]
    return [set().union(*(levels[i] for levels in per_index)) for i in range(3)]
