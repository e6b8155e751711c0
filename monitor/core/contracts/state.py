"""A contracts result as the next check needs it back: the store's internal format, not the report's.

The report's contracts section (:mod:`monitor.core.contracts.section`) is a published artefact; its layout
may change for its readers. What the next run reuses (each operation's digest, status, errors, causes,
deprecations and used coordinates) is kept in this format instead, versioned on its own
(``STATE_VERSION``): a result stored by another version reads back as ``ValueError``, and the caller then
validates every operation again. Layout::

    {"v": 1, "revalidated", "reused",
     "operations": [{"name", "kind", "file", "line", "column", "status", "digest", "reused",
                     "errors": [[message, file, line, column, path]],
                     "caused_by": [change ids], "used": [coordinates],
                     "deprecations": [[coordinate, reason, first_seen, removal_date, replacement,
                                       file, line]]}],
     "problems": [[file, line, message, column]],
     "affected": {change id: [operation names]}}

A row (``[...]``) holds its record's fields in their declared order and is read back as the record's
positional arguments: reordering or adding a field of those records changes this layout (bump the version).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, Final

from monitor.core.contracts.model import (
    ContractProblem,
    ContractsResult,
    DeprecatedUsage,
    OperationError,
    OperationResult,
    Status,
)

STATE_VERSION: Final = 1


def to_state(result: ContractsResult) -> dict[str, Any]:
    """The JSON-serialisable state of ``result`` (layout in the module docstring)."""
    return {
        "v": STATE_VERSION,
        "revalidated": result.revalidated,
        "reused": result.reused,
        "operations": [_operation(op) for op in result.operations],
        "problems": [_row(p) for p in result.problems],
        "affected": {k: list(v) for k, v in sorted(result.affected.items())},
    }


def from_state(data: Mapping[str, Any]) -> ContractsResult:
    """The result :func:`to_state` stored. ``ValueError`` for another version or a malformed state."""
    if not isinstance(data, Mapping) or data.get("v") != STATE_VERSION:
        version = data.get("v") if isinstance(data, Mapping) else type(data).__name__
        raise ValueError(f"unsupported contracts state version {version!r}")
    try:
        return ContractsResult(
            operations=tuple(_operation_from(op) for op in data["operations"]),
            problems=tuple(ContractProblem(*p) for p in data["problems"]),
            revalidated=int(data["revalidated"]),
            reused=int(data["reused"]),
            affected={str(k): tuple(str(n) for n in v) for k, v in data["affected"].items()},
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed contracts state: {exc!r}") from exc


def _row(record: ContractProblem | OperationError | DeprecatedUsage) -> list[Any]:
    """A record's fields in their declared order: its constructor's positional arguments, as read back."""
    return [getattr(record, f.name) for f in fields(record)]


def _operation(op: OperationResult) -> dict[str, Any]:
    return {
        "name": op.name,
        "kind": op.kind,
        "file": op.file,
        "line": op.line,
        "column": op.column,
        "status": op.status.value,
        "digest": op.digest,
        "reused": op.reused,
        "errors": [_row(e) for e in op.errors],
        "caused_by": list(op.caused_by),
        "used": sorted(op.used_coordinates),
        "deprecations": [_row(d) for d in op.deprecations],
    }


def _operation_from(data: Mapping[str, Any]) -> OperationResult:
    return OperationResult(
        name=str(data["name"]),
        kind=str(data["kind"]),
        file=str(data["file"]),
        line=int(data["line"]),
        column=None if data["column"] is None else int(data["column"]),
        status=Status(data["status"]),
        digest=str(data["digest"]),
        reused=bool(data["reused"]),
        errors=tuple(OperationError(*e) for e in data["errors"]),
        caused_by=tuple(str(c) for c in data["caused_by"]),
        used_coordinates=frozenset(str(c) for c in data["used"]),
        deprecations=tuple(DeprecatedUsage(*d) for d in data["deprecations"]),
    )
