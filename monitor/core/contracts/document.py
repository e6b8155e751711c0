"""Check a GraphQL document against a schema: errors with locations, deprecated usages, and blame.

Pure functions over graphql-core (no IO). :func:`check_document` parses and validates one document and
walks it once with a ``TypeInfo`` to learn the schema coordinate behind every AST node, so that each
validation error can name the coordinates it is about (the node itself first, then its enclosing fields).
:func:`blame` then finds, among the target's recorded changes, the one that most likely broke it, by the
rule the check uses for the saved operations (:func:`monitor.core.contracts.impact.causes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from graphql import (
    ArgumentNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    NamedTypeNode,
    Node,
    ObjectFieldNode,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    get_named_type,
    parse,
    validate,
    visit,
)
from graphql.execution.values import get_variable_values

from monitor.core.changes import Change
from monitor.core.contracts.collect import NearIndex, error_levels
from monitor.core.contracts.impact import causes

#: Largest document accepted, and most lexical tokens parsed (a guard against parser-exhaustion input).
MAX_DOCUMENT_CHARS: Final = 100_000
MAX_TOKENS: Final = 20_000
MAX_ERRORS: Final = 50


@dataclass(frozen=True, slots=True)
class Problem:
    """A syntax, validation or variable error. ``coordinates`` are Inspector-style paths, nearest first."""

    message: str
    line: int | None = None
    column: int | None = None
    coordinates: tuple[str, ...] = ()
    kind: str = "validation"  # syntax | validation | variables
    #: The AST nodes the error is about (what :func:`blame` locates it by).
    nodes: tuple[Node, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DeprecatedUse:
    """A deprecated field, argument, input field or enum value the document uses."""

    coordinate: str
    reason: str
    line: int | None
    column: int | None


@dataclass(frozen=True, slots=True)
class OperationShape:
    """One operation of the document: its name, kind and how deep and wide its selections go."""

    name: str | None
    kind: str
    depth: int
    fields: int


@dataclass(frozen=True, slots=True)
class Checked:
    """Everything :func:`check_document` learned."""

    operations: tuple[OperationShape, ...] = ()
    problems: tuple[Problem, ...] = ()
    deprecated: tuple[DeprecatedUse, ...] = ()
    document: DocumentNode | None = field(default=None, compare=False)

    @property
    def valid(self) -> bool:
        return not self.problems


def check_document(
    schema: GraphQLSchema,
    text: str | DocumentNode,
    variables: Mapping[str, Any] | None = None,
) -> Checked:
    """Parse (unless given a document), validate, find deprecated usages and coerce ``variables``."""
    if isinstance(text, DocumentNode):
        document = text
    else:
        if len(text) > MAX_DOCUMENT_CHARS:
            message = f"the document has {len(text)} characters; at most {MAX_DOCUMENT_CHARS} are accepted"
            return Checked(problems=(Problem(message, kind="syntax"),))
        try:
            document = parse(text, max_tokens=MAX_TOKENS)
        except GraphQLSyntaxError as exc:
            loc = exc.locations[0] if exc.locations else None
            problem = Problem(
                exc.message, loc.line if loc else None, loc.column if loc else None, kind="syntax"
            )
            return Checked(problems=(problem,))
        except RecursionError:
            return Checked(problems=(Problem("the document is nested too deeply", kind="syntax"),))
    walker = _Walker(schema)
    try:
        visit(document, TypeInfoVisitor(walker.type_info, walker))
        errors = validate(schema, document, max_errors=MAX_ERRORS)
    except RecursionError:
        return Checked(problems=(Problem("the document is nested too deeply", kind="syntax"),))
    problems = [_problem(error, walker.coordinates) for error in errors]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if variables is not None and not problems:
        for operation in operations:
            coerced = get_variable_values(schema, operation.variable_definitions or (), dict(variables))
            if isinstance(coerced, list):
                problems.extend(_problem(e, walker.coordinates, kind="variables") for e in coerced)
    shapes = []
    for op in operations:
        depth, fields = _depth_and_fields(op.selection_set, fragments, set())
        name = op.name.value if op.name else None
        shapes.append(OperationShape(name=name, kind=op.operation.value, depth=depth, fields=fields))
    return Checked(tuple(shapes), tuple(problems), tuple(walker.deprecated), document)


def _problem(
    error: GraphQLError, coordinates: Mapping[int, tuple[str, ...]], kind: str = "validation"
) -> Problem:
    loc = error.locations[0] if error.locations else None
    found: dict[str, None] = {}
    for node in error.nodes or ():
        for coordinate in coordinates.get(id(node), ()):
            found.setdefault(coordinate, None)
    return Problem(
        error.message,
        loc.line if loc else None,
        loc.column if loc else None,
        tuple(found),
        kind,
        tuple(error.nodes or ()),
    )


class _Walker(Visitor):
    """Records each node's coordinates (own first, then enclosing fields) and every deprecated usage."""

    def __init__(self, schema: GraphQLSchema) -> None:
        super().__init__()
        self.type_info = TypeInfo(schema)
        self.coordinates: dict[int, tuple[str, ...]] = {}
        self.deprecated: list[DeprecatedUse] = []
        self._fields: list[str] = []  # enclosing field paths
        self._arguments: list[str] = []  # enclosing argument paths
        self._reported: set[str] = set()

    def _record(self, node: Node, own: str | None) -> None:
        chain = ([own] if own else []) + self._arguments[-1:] + self._fields[::-1]
        self.coordinates[id(node)] = tuple(dict.fromkeys(chain))

    def _deprecated(self, node: Node, coordinate: str, reason: str | None) -> None:
        if reason is not None and coordinate not in self._reported:
            self._reported.add(coordinate)
            loc = node.loc.source.get_location(node.loc.start) if node.loc else None
            self.deprecated.append(
                DeprecatedUse(
                    coordinate,
                    reason or "No longer supported",
                    loc.line if loc else None,
                    loc.column if loc else None,
                )
            )

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        path = f"{parent.name}.{node.name.value}" if parent else None
        self._record(node, path)
        definition = self.type_info.get_field_def()
        if definition is not None and path:
            self._deprecated(node, path, definition.deprecation_reason)
        self._fields.append(path or node.name.value)

    def leave_field(self, *_: Any) -> None:
        self._fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        directive = self.type_info.get_directive()
        if directive is not None:
            path = f"@{directive.name}.{node.name.value}"
            schema_coordinate = f"@{directive.name}({node.name.value}:)"
        else:
            owner = self._fields[-1] if self._fields else "?"
            path = f"{owner}.{node.name.value}"
            schema_coordinate = f"{owner}({node.name.value}:)"
        self._record(node, path)
        definition = self.type_info.get_argument()
        if definition is not None:
            self._deprecated(node, schema_coordinate, definition.deprecation_reason)
        self._arguments.append(path)

    def leave_argument(self, *_: Any) -> None:
        self._arguments.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        parent = get_named_type(self.type_info.get_parent_input_type())
        path = f"{parent.name}.{node.name.value}" if parent else None
        self._record(node, path)
        if isinstance(parent, GraphQLInputObjectType) and path:
            definition = parent.fields.get(node.name.value)
            if definition is not None:
                self._deprecated(node, path, definition.deprecation_reason)

    def enter_enum_value(self, node: EnumValueNode, *_: Any) -> None:
        enum = get_named_type(self.type_info.get_input_type())
        path = f"{enum.name}.{node.value}" if enum else None
        self._record(node, path)
        if isinstance(enum, GraphQLEnumType) and path:
            value = enum.values.get(node.value)
            if value is not None:
                self._deprecated(node, path, value.deprecation_reason)

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        self._record(node, None)

    def enter_named_type(self, node: NamedTypeNode, *_: Any) -> None:
        self._record(node, node.name.value)

    def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> None:
        self._record(node, node.type_condition.name.value if node.type_condition else None)


def _depth_and_fields(
    selection_set: SelectionSetNode | None, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]
) -> tuple[int, int]:
    """How deep ``selection_set`` nests fields and how many fields it selects, fragments expanded (a
    fragment already being expanded on the way down is not expanded again)."""
    depth = fields = 0
    for selection in selection_set.selections if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            below, inside = _depth_and_fields(selection.selection_set, fragments, seen)
            depth, fields = max(depth, 1 + below), fields + 1 + inside
            continue
        if isinstance(selection, InlineFragmentNode):
            nested, within = selection.selection_set, seen
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is None:
                continue
            nested, within = fragment.selection_set, seen | {selection.name.value}
        else:
            continue
        below, inside = _depth_and_fields(nested, fragments, within)
        depth, fields = max(depth, below), fields + inside
    return depth, fields


# ------------------------------------------------------------------------------------------- blame

Recorded = tuple[datetime, str, Change]  # (seen_at, run_id, change), as Store.changes_since returns


def blame(problem: Problem, history: Sequence[Recorded], indexes: Sequence[NearIndex]) -> Recorded | None:
    """The recorded change that most likely caused ``problem``, or ``None``.

    The rule the check applies to the saved operations (:func:`~monitor.core.contracts.impact.causes`):
    the first level of coordinates around the error -- at its nodes, in their subtrees, their parents --
    that some change explains decides; among its changes, breaking ones before the rest and a member's
    before a whole type's; among those, the latest recorded. ``indexes`` locate the error's nodes
    (:class:`~monitor.core.contracts.collect.NearIndex` of ``Checked.document`` on the schema it was
    checked against and, when known, on the one before it); without any, the problem's own coordinates
    stand in, nearest first.
    """
    if not history:
        return None
    latest: dict[str, Recorded] = {}
    for recorded in history:
        known = latest.get(recorded[2].id)
        if known is None or recorded[0] >= known[0]:
            latest[recorded[2].id] = recorded
    if indexes and problem.nodes:
        levels: Sequence[set[str]] = error_levels(indexes, problem.nodes)
        used: set[str] = set().union(*(index.used for index in indexes))
    else:
        levels = [{c} for c in problem.coordinates]
        used = set(problem.coordinates)
    found = causes([r[2] for r in latest.values()], levels, used)
    return max((latest[i] for i in found), key=lambda r: r[0], default=None)
