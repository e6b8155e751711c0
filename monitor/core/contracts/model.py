"""Values of the contracts feature: saved operations in, one result per operation out.

Parsing produces an :class:`OperationSet` (operations with the fragments each one needs, plus the
:class:`ContractProblem` values found on the way); validation turns it into a :class:`ContractsResult`.
Everything here is an immutable value, so a result can be stored in a report and reused on the next run.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode, Source, SourceLocation


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file's text as read by an adapter; ``path`` is the name shown in messages and reports."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class ContractProblem:
    """Something wrong with the saved operations themselves (not with the schema): a bad file, a
    duplicate name, a missing fragment. It never stops the other operations from being checked."""

    file: str
    line: int | None
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        if self.line is not None and self.column is not None:
            where += f":{self.column}"
        return f"{where}: {self.message}"


class IndexedSource(Source):
    """A source whose line starts are found once: :meth:`get_location` is a binary search, not a scan
    from the start of the body (graphql-core's), so locating every node of a large file stays linear."""

    def __init__(self, body: str, name: str) -> None:
        super().__init__(body, name)
        self._starts: list[int] | None = None

    def get_location(self, position: int) -> SourceLocation:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\r\n|[\n\r]", self.body))]
        index = bisect.bisect_right(self._starts, position) - 1
        return SourceLocation(index + 1, position - self._starts[index] + 1)


class EntrySource(Source):
    """A document embedded in a JSON manifest: positions map to the manifest entry's line."""

    entry_line: int

    def __init__(self, body: str, name: str, entry_line: int) -> None:
        super().__init__(body, name)
        self.entry_line = entry_line


@dataclass(frozen=True, slots=True, eq=False)
class Operation:
    """One saved operation with the fragments it needs (transitively), ready to validate.

    ``digest`` identifies the operation's text together with its fragments' text: when it is unchanged
    and the schema change touches nothing the operation uses, its previous result stands.
    """

    name: str
    kind: str  # query | mutation | subscription
    file: str
    line: int
    definition: OperationDefinitionNode
    fragments: tuple[FragmentDefinitionNode, ...]
    digest: str
    persisted_id: str | None = None
    column: int | None = None  # None in a JSON manifest

    @property
    def document(self) -> DocumentNode:
        """A document holding the operation and exactly the fragments it spreads."""
        return DocumentNode(definitions=(self.definition, *self.fragments))


@dataclass(frozen=True, slots=True)
class OperationSet:
    """Every operation found in a set of files, and every problem found while reading them."""

    operations: tuple[Operation, ...] = ()
    problems: tuple[ContractProblem, ...] = ()

    def names(self) -> list[str]:
        return [op.name for op in self.operations]


class Status(StrEnum):
    """The outcome for one operation: valid, broken, or valid but using deprecated schema elements."""

    VALID = "valid"
    BROKEN = "broken"
    DEPRECATED = "deprecated"


@dataclass(frozen=True, slots=True)
class OperationError:
    """One validation message, located in the file that holds the offending text.

    ``path`` is the failing selection path from the operation's root (``stacks.edges.node.labels``),
    through fragment spreads; ``None`` when the error is not inside a selection (a variable definition).
    ``column`` is ``None`` for documents embedded in a JSON manifest (``line`` is then the entry's line).
    """

    message: str
    file: str
    line: int | None
    column: int | None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class DeprecatedUsage:
    """A deprecated field, argument, input field or enum value that an operation uses."""

    coordinate: str
    reason: str
    first_seen: str | None = None  # ISO datetime gqlmon first saw it deprecated
    removal_date: str | None = None  # ISO date parsed from the reason
    replacement: str | None = None  # schema coordinate or name suggested by the reason
    file: str | None = None  # where the operation first uses it
    line: int | None = None


@dataclass(frozen=True, slots=True)
class OperationResult:
    """The validation result of one operation against one schema.

    ``used_coordinates`` holds every schema coordinate the operation touches (``Type``, ``Type.field``,
    ``Type.field(arg:)``, ``Input.field``, ``Enum.VALUE``, ``@directive``, ``@directive(arg:)``); it is
    closed under parents (``Type.field`` implies ``Type``). ``caused_by`` lists the ids of the schema
    changes that broke the operation. ``reused`` is true when this result was carried over from the
    previous run without validating again.
    """

    name: str
    kind: str
    file: str
    line: int
    status: Status
    digest: str
    errors: tuple[OperationError, ...] = ()
    caused_by: tuple[str, ...] = ()
    deprecations: tuple[DeprecatedUsage, ...] = ()
    used_coordinates: frozenset[str] = frozenset()
    reused: bool = False
    column: int | None = None


@dataclass(frozen=True, slots=True)
class ContractsResult:
    """All operations' results for one schema, plus the problems met while reading them.

    ``affected`` maps the id of every change passed to the validation to the names of the operations it
    touches (empty tuple: the change touches no saved operation).
    """

    operations: tuple[OperationResult, ...] = ()
    problems: tuple[ContractProblem, ...] = ()
    revalidated: int = 0
    reused: int = 0
    affected: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.operations)

    def count(self, status: Status) -> int:
        return sum(1 for op in self.operations if op.status is status)

    @property
    def broken(self) -> list[OperationResult]:
        return [op for op in self.operations if op.status is Status.BROKEN]

    def by_name(self) -> dict[str, OperationResult]:
        return {op.name: op for op in self.operations}

    @property
    def ok(self) -> bool:
        """True when no operation is broken and the files had no problems."""
        return not self.problems and not self.broken
