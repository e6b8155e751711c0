"""Optional operation limits (``gqlmon validate --max-depth ...``), reported like validation errors.

Depth, aliases and directives are counted with fragments expanded where they are spread (what a server
would execute); tokens are counted over the operation's text and each fragment's text once (what a
server would parse). Fragment results are memoised, so cycles and deep reuse stay cheap; a cycle counts
as nothing (validation reports it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    SelectionSetNode,
    Token,
    TokenKind,
)

from monitor.core.contracts.model import Operation


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds checked on every operation; ``None`` switches a check off."""

    max_depth: int | None = None
    max_aliases: int | None = None
    max_tokens: int | None = None
    max_directives: int | None = None

    def __bool__(self) -> bool:
        return any(
            v is not None for v in (self.max_depth, self.max_aliases, self.max_tokens, self.max_directives)
        )


def check_limits(operation: Operation, limits: Limits) -> list[GraphQLError]:
    """One error per exceeded limit, located at the deepest field (depth) or at the operation."""
    fragments = {f.name.value: f for f in operation.fragments}
    op = operation.definition
    errors: list[GraphQLError] = []
    if limits.max_depth is not None:
        depth, deepest = _Depth(fragments).of(op.selection_set)
        if depth > limits.max_depth:
            message = f"Depth limit of {limits.max_depth} exceeded: {depth} levels."
            errors.append(GraphQLError(message, deepest or op))
    if limits.max_aliases is not None:
        aliases = _Counter(fragments, _aliases).of(op.selection_set)
        if aliases > limits.max_aliases:
            message = f"Alias limit of {limits.max_aliases} exceeded: {aliases} aliases."
            errors.append(GraphQLError(message, op))
    if limits.max_directives is not None:
        own = len(op.directives or ()) + sum(len(v.directives or ()) for v in op.variable_definitions or ())
        directives = own + _Counter(fragments, _directives).of(op.selection_set)
        if directives > limits.max_directives:
            message = f"Directive limit of {limits.max_directives} exceeded: {directives} directives."
            errors.append(GraphQLError(message, op))
    if limits.max_tokens is not None:
        tokens = sum(_tokens(node) for node in (op, *operation.fragments))
        if tokens > limits.max_tokens:
            message = f"Token limit of {limits.max_tokens} exceeded: {tokens} tokens."
            errors.append(GraphQLError(message, op))
    return errors


class _Depth:
    """Deepest field nesting, with the deepest field node."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, tuple[int, FieldNode | None]] = {}
        self.active: set[str] = set()

    def of(self, selection_set: SelectionSetNode) -> tuple[int, FieldNode | None]:
        best: tuple[int, FieldNode | None] = (0, None)
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue
                inner = self.of(selection.selection_set) if selection.selection_set else (0, None)
                found: tuple[int, FieldNode | None] = (inner[0] + 1, inner[1] or selection)
            elif isinstance(selection, InlineFragmentNode):
                found = self.of(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                found = self._spread(selection)
            else:
                continue
            if found[0] > best[0]:
                best = found
        return best

    def _spread(self, spread: FragmentSpreadNode) -> tuple[int, FieldNode | None]:
        name = spread.name.value
        if name in self.memo:
            return self.memo[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.active:
            return (0, None)
        self.active.add(name)
        self.memo[name] = result = self.of(fragment.selection_set)
        self.active.discard(name)
        return result


class _Counter:
    """Sum of ``count(node)`` over every selection, fragments expanded where spread."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], count: Callable[[Node], int]) -> None:
        self.fragments = fragments
        self.count = count
        self.memo: dict[str, int] = {}
        self.active: set[str] = set()

    def of(self, selection_set: SelectionSetNode) -> int:
        total = 0
        for selection in selection_set.selections:
            total += self.count(selection)
            if isinstance(selection, FieldNode | InlineFragmentNode):
                if selection.selection_set:
                    total += self.of(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._spread(selection.name.value)
        return total

    def _spread(self, name: str) -> int:
        if name in self.memo:
            return self.memo[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.active:
            return 0
        self.active.add(name)
        self.memo[name] = result = self.count(fragment) + self.of(fragment.selection_set)
        self.active.discard(name)
        return result


def _aliases(node: Node) -> int:
    return 1 if isinstance(node, FieldNode) and node.alias is not None else 0


def _directives(node: Node) -> int:
    directives = getattr(node, "directives", None)
    return len(directives) if directives else 0


def _tokens(node: Node) -> int:
    loc = node.loc
    if loc is None:
        return 0
    count = 0
    token: Token | None = loc.start_token
    while token is not None:
        if token.kind is not TokenKind.COMMENT:
            count += 1
        if token is loc.end_token:
            break
        token = token.next
    return count
