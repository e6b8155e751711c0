"""Validate saved operations against a schema: errors, usage, deprecations, causes; incrementally.

Each operation is validated as its own document (the operation plus the fragments it needs) with
graphql-core's specified rules and a usage collector in the same walk. Validation is run here rather
than through ``graphql.validate`` so that a schema graphql-core considers invalid (real-world schemas
often are) is validated against anyway.

Incremental runs: given the previous result and the coordinates a diff touches
(:func:`~monitor.core.contracts.impact.touched_coordinates`), an operation whose text is unchanged and
whose used coordinates the diff does not touch keeps its previous result without validating again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import replace
from datetime import datetime
from typing import Final

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    ParallelVisitor,
    SelectionSetNode,
    Source,
    TypeInfo,
    TypeInfoVisitor,
    ValidationContext,
    Visitor,
    specified_rules,
    visit,
)
from graphql.language.ast import QUERY_DOCUMENT_KEYS

from monitor.core.changes import Change
from monitor.core.contracts.collect import Deprecation, NearIndex, Usage, UsageCollector, error_levels
from monitor.core.contracts.deprecations import parse_removal_date, replacement_for
from monitor.core.contracts.impact import affected_operations, causes, touches
from monitor.core.contracts.limits import Limits, check_limits
from monitor.core.contracts.model import (
    ContractsResult,
    DeprecatedUsage,
    Operation,
    OperationError,
    OperationResult,
    OperationSet,
    Status,
)
from monitor.core.contracts.parsing import node_position

MAX_ERRORS: Final = 50
# Per the specification, descriptions do not take part in validation.
_KEYS: Final = {
    kind: tuple(k for k in keys if k != "description") for kind, keys in QUERY_DOCUMENT_KEYS.items()
}


def validate_operations(
    schema: GraphQLSchema,
    operations: OperationSet,
    *,
    previous: ContractsResult | None = None,
    changed_coordinates: Set[str] | None = None,
    deprecated_since: Mapping[str, str | datetime] | None = None,
    changes: Sequence[Change] = (),
    old_schema: GraphQLSchema | Callable[[], GraphQLSchema | None] | None = None,
    limits: Limits | None = None,
) -> ContractsResult:
    """Validate every operation of ``operations`` against ``schema``.

    ``previous`` with ``changed_coordinates`` (from ``touched_coordinates(changes)``) enables reuse:
    without both, everything is validated. ``deprecated_since`` maps a schema coordinate to when gqlmon
    first saw it deprecated (ISO text or ``datetime``). ``changes`` (the diff that produced ``schema``)
    are matched to broken operations as their causes, and to every operation for ``affected``;
    ``old_schema`` (the schema before the diff) lets a broken operation's causes include what it used
    before (a removed type); a callable is called only when an operation is broken (building a large
    schema costs more than validating every operation). ``limits`` are checked too and switch reuse off.
    """
    since = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in (deprecated_since or {}).items()}
    before_by_name = previous.by_name() if previous is not None else {}
    incremental = previous is not None and changed_coordinates is not None and not limits
    touched = frozenset(changed_coordinates or ())
    closures: dict[str, frozenset[str]] = {}
    results: list[OperationResult] = []
    revalidated = reused = 0
    for op in operations.operations:
        before = before_by_name.get(op.name)
        if (
            incremental
            and before is not None
            and before.digest == op.digest
            and not touches(touched, before.used_coordinates)
        ):
            results.append(_carried_over(before, op, since))
            reused += 1
            continue
        checker = _Checker(schema, op, since, closures)
        results.append(checker.run(changes, old_schema, before, limits))
        revalidated += 1
    affected = {k: tuple(v) for k, v in affected_operations(changes, results).items()}
    return ContractsResult(
        operations=tuple(results),
        problems=operations.problems,
        revalidated=revalidated,
        reused=reused,
        affected=affected,
    )


def _carried_over(before: OperationResult, op: Operation, since: Mapping[str, str]) -> OperationResult:
    deprecations = tuple(
        replace(d, first_seen=since.get(d.coordinate, d.first_seen)) for d in before.deprecations
    )
    return replace(
        before,
        kind=op.kind,
        file=op.file,
        line=op.line,
        column=op.column,
        deprecations=deprecations,
        reused=True,
    )


class _Checker:
    """Validates one operation and turns what graphql-core reports into an :class:`OperationResult`."""

    def __init__(
        self,
        schema: GraphQLSchema,
        op: Operation,
        since: Mapping[str, str],
        closures: dict[str, frozenset[str]],
    ) -> None:
        self.schema = schema
        self.op = op
        self.since = since
        self.closures = closures

    def run(
        self,
        changes: Sequence[Change],
        old_schema: GraphQLSchema | Callable[[], GraphQLSchema | None] | None,
        before: OperationResult | None,
        limits: Limits | None,
    ) -> OperationResult:
        op = self.op
        usage = Usage()
        raw = self._validate(usage)
        if limits:
            raw.extend(check_limits(op, limits))
        used = set(usage.coordinates)
        caused: tuple[str, ...] = ()
        if raw and changes:
            indexes = [NearIndex(self.schema, op.document)]
            old = old_schema() if callable(old_schema) else old_schema
            if old is not None:
                indexes.append(NearIndex(old, op.document))
            for index in indexes:
                used |= index.used
            known = (used | before.used_coordinates) if before is not None else used
            found: dict[str, None] = {}
            for error in raw:
                nodes = list(error.nodes or ())
                if not nodes:
                    continue
                found.update(dict.fromkeys(causes(changes, error_levels(indexes, nodes), known)))
            caused = tuple(found)
        deprecations = tuple(self._deprecation(d) for _, d in sorted(usage.deprecations.items()))
        status = Status.BROKEN if raw else Status.DEPRECATED if deprecations else Status.VALID
        paths = _SelectionPaths(op) if raw else None
        return OperationResult(
            name=op.name,
            kind=op.kind,
            file=op.file,
            line=op.line,
            status=status,
            digest=op.digest,
            errors=tuple(self._error(e, paths) for e in raw),
            caused_by=caused,
            deprecations=deprecations,
            used_coordinates=frozenset(used),
            column=op.column,
        )

    def _validate(self, usage: Usage) -> list[GraphQLError]:
        errors: list[GraphQLError] = []

        def on_error(error: GraphQLError) -> None:
            if len(errors) < MAX_ERRORS:
                errors.append(error)

        document = self.op.document
        info = TypeInfo(self.schema)
        context = ValidationContext(self.schema, document, info, on_error)
        visitors: list[Visitor] = [rule(context) for rule in specified_rules]
        visitors.append(UsageCollector(context, self.schema, usage, self.closures))
        try:
            visit(document, TypeInfoVisitor(info, ParallelVisitor(visitors)), _KEYS)
        except RecursionError:
            errors.append(
                GraphQLError("The operation nests fragments too deeply to validate.", self.op.definition)
            )
        return errors

    def _error(self, error: GraphQLError, paths: _SelectionPaths | None) -> OperationError:
        node = error.nodes[0] if error.nodes else None
        if node is None:
            return OperationError(error.message, self.op.file, self.op.line, None, None)
        file, line, column = node_position(node)
        path = next((p for n in error.nodes or () if paths and (p := paths.path_of(n))), None)
        return OperationError(error.message, file, line, column, path)

    def _deprecation(self, found: Deprecation) -> DeprecatedUsage:
        file, line, _ = node_position(found.node)
        return DeprecatedUsage(
            coordinate=found.coordinate,
            reason=found.reason,
            first_seen=self.since.get(found.coordinate),
            removal_date=parse_removal_date(found.reason),
            replacement=replacement_for(found.reason, found.coordinate, self.schema),
            file=file,
            line=line,
        )


class _SelectionPaths:
    """Selection paths (field names from the root, through fragment spreads) of an operation's fields."""

    def __init__(self, op: Operation) -> None:
        self.by_node: dict[int, str] = {}
        self.ranges: list[tuple[Source, int, int, str]] = []
        self.fragments: dict[str, FragmentDefinitionNode] = {f.name.value: f for f in op.fragments}
        self.expanded: set[str] = set()
        self._walk(op.definition.selection_set, "")

    def _walk(self, selection_set: SelectionSetNode, prefix: str) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                path = f"{prefix}.{selection.name.value}" if prefix else selection.name.value
                self.by_node.setdefault(id(selection), path)
                if selection.loc is not None:
                    loc = selection.loc
                    self.ranges.append((loc.source, loc.start, loc.end, path))
                if selection.selection_set:
                    self._walk(selection.selection_set, path)
            elif isinstance(selection, InlineFragmentNode):
                self._walk(selection.selection_set, prefix)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in self.expanded:
                    self.expanded.add(name)  # first spread wins; also stops cycles
                    self._walk(fragment.selection_set, prefix)

    def path_of(self, node: Node) -> str | None:
        """The path of ``node`` if it is a field, else of the innermost field around it."""
        path = self.by_node.get(id(node))
        if path is not None or node.loc is None:
            return path
        source, start = node.loc.source, node.loc.start
        best: tuple[int, str] | None = None
        for field_source, field_start, field_end, field_path in self.ranges:
            if field_source is source and field_start <= start < field_end:
                size = field_end - field_start
                if best is None or size < best[0]:
                    best = (size, field_path)
        return best[1] if best else None
