"""Response conformance: does the data an API returned fit the schema it publishes?

:func:`check_response` walks an operation's selection set alongside the ``data`` of its response, the way
an executor completes values, and reports every place where the response breaks the schema's promise:

==========================  ==============================================================================
``null_in_non_null``        ``null`` in a non-null position that no error in ``errors`` accounts for
``unknown_enum_value``      an enum value the enum does not define
``impossible_typename``     a ``__typename`` that is not the field's type or one of its possible types
``wrong_scalar``            a built-in scalar of the wrong JSON shape (``"3"`` for an ``Int``, 2**40, ...)
``wrong_shape``             an object where a list belongs, a list where an object belongs, ...
``missing_field``           a selected field absent from the response
``unexpected_field``        a key in the response that the query did not select
==========================  ==============================================================================

Each :class:`Violation` carries the response path (``("stacks", 0, "branch")``, shown as
``stacks[0].branch``). Custom scalars accept any JSON value: the schema does not say what they look like.

Pure: no IO, deterministic; the document must be valid for the schema (a field the schema does not
define is skipped, not reported: that is validation's job, not conformance's).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    is_abstract_type,
    is_enum_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    is_scalar_type,
    parse,
)

__all__ = ["Violation", "ViolationKind", "check_response", "format_path"]

ViolationKind = Literal[
    "null_in_non_null",
    "unknown_enum_value",
    "impossible_typename",
    "wrong_scalar",
    "wrong_shape",
    "missing_field",
    "unexpected_field",
]

Path = tuple[str | int, ...]

_INT_MIN: Final = -(2**31)
_INT_MAX: Final = 2**31 - 1
_INTROSPECTION_FIELDS: Final = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class Violation:
    """One place where a response breaks the schema: where (response path), what, and which kind."""

    path: Path
    message: str
    kind: ViolationKind = field(default="wrong_shape")

    @property
    def where(self) -> str:
        """The path as text: ``stacks[0].branch`` (``data`` for the root)."""
        return format_path(self.path)


def format_path(path: Sequence[str | int]) -> str:
    """``("stacks", 0, "branch")`` -> ``stacks[0].branch``; the empty path is ``data``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "data"


def check_response(
    schema: GraphQLSchema,
    document: DocumentNode | str,
    operation_name: str | None,
    data: Any,
    *,
    errors: Sequence[Any] | None = None,
    variables: Mapping[str, Any] | None = None,
) -> list[Violation]:
    """Every violation of ``schema`` in the ``data`` a server returned for one operation of ``document``.

    ``errors`` (the response's ``errors`` list) excuses nulls where the spec says a field error puts them:
    at the error's path and at every enclosing position the null propagated to. ``variables`` decide
    ``@skip`` / ``@include`` conditions; an unknown condition makes the field optional.
    Raises ``ValueError`` when the document has no such operation, ``GraphQLError`` when it does not parse.
    """
    doc = parse(document) if isinstance(document, str) else document
    operation = _operation(doc, operation_name)
    root = schema.get_root_type(operation.operation)
    if root is None:
        return [Violation((), f"the schema has no {operation.operation.value} type", "wrong_shape")]
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    checker = _Checker(schema, fragments, _variables(operation, variables), _error_paths(errors))
    if data is None:
        if errors:
            return []
        return [Violation((), "data is null but the response has no errors", "null_in_non_null")]
    if not isinstance(data, dict):
        return [Violation((), f"data is {_json_kind(data)}, expected an object", "wrong_shape")]
    checker.object(root, [operation.selection_set], data, ())
    return checker.violations


# --------------------------------------------------------------------------------------------- internals


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        if len(operations) != 1:
            raise ValueError(f"the document has {len(operations)} operations: name the one that was sent")
        return operations[0]
    for operation in operations:
        if operation.name is not None and operation.name.value == name:
            return operation
    raise ValueError(f"the document has no operation named {name!r}")


def _variables(operation: OperationDefinitionNode, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The boolean values known for the operation's variables (given, else their literal defaults)."""
    known: dict[str, Any] = dict(given or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in known and isinstance(definition.default_value, BooleanValueNode):
            known[name] = definition.default_value.value
    return known


def _error_paths(errors: Sequence[Any] | None) -> list[Path]:
    paths: list[Path] = []
    for error in errors or ():
        path = error.get("path") if isinstance(error, Mapping) else None
        if isinstance(path, list) and all(isinstance(p, str | int) for p in path):
            paths.append(tuple(path))
    return paths


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(slots=True)
class _Collected:
    """The field nodes merged under one response key; ``optional`` when a condition could not be decided."""

    nodes: list[FieldNode]
    optional: bool


class _Checker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        error_paths: list[Path],
    ) -> None:
        self.schema, self.fragments, self.variables, self.error_paths = (
            schema,
            fragments,
            variables,
            error_paths,
        )
        self.violations: list[Violation] = []

    def report(self, path: Path, message: str, kind: ViolationKind) -> None:
        self.violations.append(Violation(path, message, kind))

    # ------------------------------------------------------------------------------- objects

    def object(
        self,
        type_: GraphQLObjectType,
        selections: Sequence[SelectionSetNode],
        value: dict[str, Any],
        path: Path,
    ) -> None:
        fields = self.collect(type_, selections)
        for key, collected in fields.items():
            if key not in value:
                if not collected.optional:
                    name = collected.nodes[0].name.value
                    self.report(
                        (*path, key), f"selected field {type_.name}.{name} is missing", "missing_field"
                    )
                continue
            self.field(type_, collected.nodes, value[key], (*path, key))
        for key in value:
            if key not in fields:
                self.report((*path, key), f"key {key!r} was not selected on {type_.name}", "unexpected_field")

    def field(self, parent: GraphQLObjectType, nodes: list[FieldNode], value: Any, path: Path) -> None:
        name = nodes[0].name.value
        if name == "__typename":
            if value != parent.name:
                self.report(
                    path, f"__typename is {_show(value)}, expected {parent.name!r}", "impossible_typename"
                )
            return
        if name in _INTROSPECTION_FIELDS:
            return
        definition = parent.fields.get(name)
        if definition is None:  # not in the schema: the document is invalid, which validation reports
            return
        selections = [n.selection_set for n in nodes if n.selection_set is not None]
        self.value(definition.type, selections, value, path, f"{parent.name}.{name}")

    def abstract(
        self,
        type_: GraphQLAbstractType,
        selections: Sequence[SelectionSetNode],
        value: dict[str, Any],
        path: Path,
    ) -> None:
        """Check an interface or union value as its ``__typename``, else as its best-fitting possible type."""
        possible = list(self.schema.get_possible_types(type_))
        named = self._typename(possible, selections, value)
        if named is not None:
            concrete = next((t for t in possible if t.name == named), None)
            if concrete is None:
                self.report(
                    path,
                    f"__typename {_show(named)} is not a possible type of {type_.name}",
                    "impossible_typename",
                )
                return
            self.object(concrete, selections, value, path)
            return
        best: list[Violation] | None = None
        for candidate in possible:
            trial = _Checker(self.schema, self.fragments, self.variables, self.error_paths)
            trial.object(candidate, selections, value, path)
            if best is None or len(trial.violations) < len(best):
                best = trial.violations
            if not best:
                break
        self.violations.extend(best or [])

    def _typename(
        self, possible: list[GraphQLObjectType], selections: Sequence[SelectionSetNode], value: dict[str, Any]
    ) -> Any:
        """The ``__typename`` the response gives, if the query selected it for every possible type."""
        for candidate in possible:
            for key, collected in self.collect(candidate, selections).items():
                if collected.nodes[0].name.value == "__typename" and key in value:
                    return value[key]
        return None

    # ------------------------------------------------------------------------------- values

    def value(
        self,
        type_: GraphQLOutputType,
        selections: Sequence[SelectionSetNode],
        value: Any,
        path: Path,
        coordinate: str,
    ) -> None:
        if is_non_null_type(type_):
            if value is None:
                if not self.excused(path):
                    self.report(path, f"null in non-null field {coordinate} ({type_})", "null_in_non_null")
                return
            type_ = type_.of_type
        if value is None:
            return
        if is_list_type(type_):
            if not isinstance(value, list):
                self.report(
                    path, f"{coordinate} ({type_}) is {_json_kind(value)}, expected a list", "wrong_shape"
                )
                return
            for index, item in enumerate(value):
                self.value(type_.of_type, selections, item, (*path, index), coordinate)
            return
        if is_enum_type(type_):
            self.enum(type_, value, path, coordinate)
        elif is_scalar_type(type_):
            self.scalar(type_, value, path, coordinate)
        elif not isinstance(value, dict):
            self.report(
                path, f"{coordinate} ({type_}) is {_json_kind(value)}, expected an object", "wrong_shape"
            )
        elif is_object_type(type_):
            self.object(type_, selections, value, path)
        elif is_abstract_type(type_):
            self.abstract(type_, selections, value, path)

    def enum(self, type_: GraphQLEnumType, value: Any, path: Path, coordinate: str) -> None:
        if not isinstance(value, str) or value not in type_.values:
            self.report(
                path,
                f"{_show(value)} is not a value of enum {type_.name} (field {coordinate})",
                "unknown_enum_value",
            )

    def scalar(self, type_: GraphQLScalarType, value: Any, path: Path, coordinate: str) -> None:
        problem = _scalar_problem(type_.name, value)
        if problem is not None:
            self.report(path, f"{coordinate} is {type_.name} but the response has {problem}", "wrong_scalar")

    def excused(self, path: Path) -> bool:
        """Is a null here the propagation of a reported field error at or below ``path``?"""
        return any(error[: len(path)] == path for error in self.error_paths)

    # ------------------------------------------------------------------------------- selections

    def collect(
        self, type_: GraphQLObjectType, selections: Sequence[SelectionSetNode]
    ) -> dict[str, _Collected]:
        """The fields a response object of ``type_`` must carry, by response key (CollectFields)."""
        out: dict[str, _Collected] = {}
        for selection_set in selections:
            self._collect(type_, selection_set, out, optional=False, seen=set())
        return out

    def _collect(
        self,
        type_: GraphQLObjectType,
        selection_set: SelectionSetNode,
        out: dict[str, _Collected],
        *,
        optional: bool,
        seen: set[str],
    ) -> None:
        for selection in selection_set.selections:
            included = self._included(selection)
            if included is False:
                continue
            maybe = optional or included is None
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                entry = out.get(key)
                if entry is None:
                    out[key] = _Collected([selection], maybe)
                else:
                    entry.nodes.append(selection)
                    entry.optional = entry.optional and maybe
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                if condition is None or self._applies(condition, type_):
                    self._collect(type_, selection.selection_set, out, optional=maybe, seen=seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                if self._applies(fragment.type_condition.name.value, type_):
                    self._collect(type_, fragment.selection_set, out, optional=maybe, seen=seen | {name})

    def _applies(self, condition: str, type_: GraphQLObjectType) -> bool:
        target = self.schema.get_type(condition)
        if target is None:
            return False
        if target is type_:
            return True
        return is_abstract_type(target) and self.schema.is_sub_type(target, type_)

    def _included(self, selection: SelectionNode) -> bool | None:
        """True / False for a decided ``@skip`` / ``@include``, None when a variable is unknown."""
        result: bool | None = True
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition: bool | None = None
            for argument in directive.arguments or ():
                if argument.name.value != "if":
                    continue
                node = argument.value
                if isinstance(node, BooleanValueNode):
                    condition = node.value
                elif isinstance(node, VariableNode):
                    known = self.variables.get(node.name.value)
                    condition = known if isinstance(known, bool) else None
            if condition is None:
                result = None
            elif condition == (name == "skip"):
                return False
        return result


def _is_int(value: Any) -> bool:
    integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return integral and not isinstance(value, bool) and _INT_MIN <= value <= _INT_MAX


def _is_float(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


#: What each built-in scalar looks like in JSON (custom scalars accept anything: the schema does not say).
_SCALAR_SHAPES: Final[Mapping[str, Callable[[Any], bool]]] = {
    "Int": _is_int,
    "Float": _is_float,
    "String": lambda value: isinstance(value, str),
    "Boolean": lambda value: isinstance(value, bool),
    "ID": lambda value: isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)),
}


def _scalar_problem(name: str, value: Any) -> str | None:
    """What is wrong with ``value`` for a built-in scalar, or None."""
    fits = _SCALAR_SHAPES.get(name)
    if fits is None or fits(value):
        return None
    if name == "Int" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{_show(value)}, not a 32-bit integer"
    return f"{_json_kind(value)} {_show(value)}"
