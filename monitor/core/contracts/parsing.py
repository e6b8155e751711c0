"""Saved operations from source texts: parse every file, then resolve fragments across the whole set.

``.graphql``/``.gql`` files may hold any number of operations and fragments; a fragment defined in one
file can be spread in any other. Manifest entries (``.json``) are self-contained documents whose own
fragments come first, then the shared ones. Every problem (a file that does not parse, a duplicate
name, a missing fragment, an anonymous operation among others) becomes a :class:`ContractProblem`
naming the file and line; the remaining operations are still returned.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from graphql import (
    DefinitionNode,
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSyntaxError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    parse,
    print_ast,
)

from monitor.core.contracts.embedded import EmbeddedDocument
from monitor.core.contracts.manifests import parse_manifest
from monitor.core.contracts.model import (
    ContractProblem,
    EntrySource,
    IndexedSource,
    Operation,
    OperationSet,
    SourceFile,
)

DOCUMENT_SUFFIXES = frozenset({".graphql", ".gql"})
MANIFEST_SUFFIXES = frozenset({".json"})


@dataclass(slots=True)
class _Candidate:
    """An operation definition before its fragments are resolved."""

    name: str
    definition: OperationDefinitionNode
    local: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    persisted_id: str | None = None


def node_position(node: Node) -> tuple[str, int | None, int | None]:
    """``(file, line, column)`` of a node; a manifest entry's line (and no column) for embedded documents."""
    loc = node.loc
    if loc is None:
        return "<unknown>", None, None
    source = loc.source
    if isinstance(source, EntrySource):
        return source.name, source.entry_line, None
    where = source.get_location(loc.start)
    return source.name, where.line, where.column


def parse_sources(files: Iterable[SourceFile], embedded: Iterable[EmbeddedDocument] = ()) -> OperationSet:
    """Every operation in ``files`` and ``embedded`` documents (GraphQL found in source code, see
    :mod:`~monitor.core.contracts.embedded`) with the fragments it needs, and every problem found."""
    problems: list[ContractProblem] = []
    candidates: list[_Candidate] = []
    shared: dict[str, FragmentDefinitionNode] = {}
    for document in embedded:
        definitions = _parse(document.source, problems)
        if definitions is None:
            continue
        for fragment in _fragments(definitions):
            _add_fragment(shared, fragment, problems)
        if document.checked:
            file = SourceFile(document.source.name, "")
            candidates.extend(_document_candidates(file, definitions, problems, document.default_name))
    for file in files:
        suffix = PurePath(file.path).suffix.lower()
        if suffix in MANIFEST_SUFFIXES:
            candidates.extend(_manifest_candidates(file, problems))
            continue
        definitions = _parse(IndexedSource(file.text, file.path), problems)
        if definitions is None:
            continue
        for fragment in _fragments(definitions):
            _add_fragment(shared, fragment, problems)
        candidates.extend(_document_candidates(file, definitions, problems))
    operations: list[Operation] = []
    seen: dict[str, OperationDefinitionNode] = {}
    for candidate in candidates:
        first = seen.get(candidate.name)
        if first is not None:
            if print_ast(first) != print_ast(candidate.definition):
                problems.append(_duplicate("operation", candidate.name, candidate.definition, first))
            continue
        seen[candidate.name] = candidate.definition
        operations.append(_resolve(candidate, shared, problems))
    return OperationSet(operations=tuple(operations), problems=tuple(problems))


def _parse(source: Source, problems: list[ContractProblem]) -> list[DefinitionNode] | None:
    try:
        return list(parse(source).definitions)
    except GraphQLSyntaxError as exc:
        line = exc.locations[0].line if exc.locations else None
        if isinstance(source, EntrySource):
            line = source.entry_line
        problems.append(ContractProblem(source.name, line, exc.message))
    except RecursionError:
        problems.append(ContractProblem(source.name, None, "document is nested too deeply to parse"))
    return None


def _fragments(definitions: list[DefinitionNode]) -> list[FragmentDefinitionNode]:
    return [d for d in definitions if isinstance(d, FragmentDefinitionNode)]


def _document_candidates(
    file: SourceFile,
    definitions: list[DefinitionNode],
    problems: list[ContractProblem],
    default_name: str | None = None,
) -> list[_Candidate]:
    executable = [d for d in definitions if isinstance(d, ExecutableDefinitionNode)]
    if executable and len(executable) != len(definitions):
        other = next(d for d in definitions if not isinstance(d, ExecutableDefinitionNode))
        _, line, _ = node_position(other)
        message = "schema definitions among operations are ignored; keep the schema in its own file"
        problems.append(ContractProblem(file.path, line, message))
    ops = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    out: list[_Candidate] = []
    for op in ops:
        if op.name is not None:
            out.append(_Candidate(op.name.value, op))
        elif len(ops) == 1:
            out.append(_Candidate(default_name or PurePath(file.path).stem, op))
        else:
            _, line, _ = node_position(op)
            message = f"anonymous operation in a file with {len(ops)} operations: give it a name"
            problems.append(ContractProblem(file.path, line, message))
    return out


def _manifest_candidates(file: SourceFile, problems: list[ContractProblem]) -> list[_Candidate]:
    entries, found = parse_manifest(file)
    problems.extend(found)
    out: list[_Candidate] = []
    for entry in entries:
        definitions = _parse(EntrySource(entry.body, file.path, entry.line), problems)
        if definitions is None:
            continue
        ops = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
        if len(ops) != 1:
            message = f"entry {entry.id!r} holds {len(ops)} operations; a persisted query holds exactly one"
            problems.append(ContractProblem(file.path, entry.line, message))
            continue
        op = ops[0]
        name = entry.name or (op.name.value if op.name else entry.id)
        local = {f.name.value: f for f in _fragments(definitions)}
        out.append(_Candidate(name, op, local=local, persisted_id=entry.id))
    return out


def _add_fragment(
    shared: dict[str, FragmentDefinitionNode],
    fragment: FragmentDefinitionNode,
    problems: list[ContractProblem],
) -> None:
    name = fragment.name.value
    first = shared.get(name)
    if first is None:
        shared[name] = fragment
    elif print_ast(first) != print_ast(fragment):
        problems.append(_duplicate("fragment", name, fragment, first))


def _duplicate(kind: str, name: str, node: Node, first: Node) -> ContractProblem:
    file, line, _ = node_position(node)
    first_file, first_line, _ = node_position(first)
    message = (
        f"duplicate {kind} name {name!r}: already defined at {first_file}:{first_line}; this one is skipped"
    )
    return ContractProblem(file, line, message)


def _resolve(
    candidate: _Candidate, shared: dict[str, FragmentDefinitionNode], problems: list[ContractProblem]
) -> Operation:
    """The operation with every fragment it spreads, transitively; missing ones become problems."""
    found: dict[str, FragmentDefinitionNode] = {}
    missing: set[str] = set()
    pending: list[SelectionSetNode] = [candidate.definition.selection_set]
    while pending:
        for spread in _spreads(pending.pop()):
            name = spread.name.value
            if name in found or name in missing:
                continue
            fragment = candidate.local.get(name) or shared.get(name)
            if fragment is None:
                file, line, _ = node_position(spread)
                message = f"operation {candidate.name!r} spreads fragment {name!r}, which no file defines"
                problems.append(ContractProblem(file, line, message))
                missing.add(name)
                continue
            found[name] = fragment
            pending.append(fragment.selection_set)
    fragments = tuple(found.values())
    file, line, column = node_position(candidate.definition)
    return Operation(
        name=candidate.name,
        kind=candidate.definition.operation.value,
        file=file,
        line=line or 1,
        definition=candidate.definition,
        fragments=fragments,
        digest=_digest(candidate.definition, fragments),
        persisted_id=candidate.persisted_id,
        column=column,
    )


def _spreads(selection_set: SelectionSetNode) -> list[FragmentSpreadNode]:
    out: list[FragmentSpreadNode] = []
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                out.append(selection)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                stack.append(selection.selection_set)
    return out


def _digest(definition: OperationDefinitionNode, fragments: tuple[FragmentDefinitionNode, ...]) -> str:
    """sha256 of the operation's and its fragments' text and position (fragments sorted by name).

    Positions are included because results carry line numbers: a shifted definition is validated again.
    """
    digest = hashlib.sha256()
    for node in (definition, *sorted(fragments, key=lambda f: f.name.value)):
        file, line, column = node_position(node)
        digest.update(f"{file}\x1f{line}\x1f{column}\x1f{_text(node)}\x1e".encode())
    return digest.hexdigest()[:24]


def _text(node: Node) -> str:
    loc = node.loc
    return loc.source.body[loc.start : loc.end] if loc is not None else print_ast(node)
