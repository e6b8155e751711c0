"""The contracts section of a DriftReport: a JSON-ready dict, and back.

The section is what the JSON and Markdown reports show (published; the next run's reuse does not read it
back: it reads the store's own format, :mod:`monitor.core.contracts.state`). :func:`from_report_section`
reads a section back for those who hold only a report. Layout (``SECTION_VERSION``)::

    {"version": 1, "total", "valid", "broken", "deprecated", "revalidated", "reused",
     "operations": [{"name", "kind", "file", "line", "column" (absent in manifests), "status", "digest", "reused",
                     "errors": [{"message", "file", "line", "column", "path"}],
                     "caused_by": [change ids],
                     "deprecations": [{"coordinate", "reason", "first_seen", "removal_date",
                                       "replacement", "file", "line"}],
                     "used_coordinates": [sorted]}],
     "problems": [{"file", "line", "message"}],
     "affected": {change id: [operation names]},          # only changes touching an operation
     "deprecations": [{"coordinate", "reason", "first_seen", "removal_date", "replacement",
                       "operations": [names]}]}           # by coordinate, soonest removal first
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from monitor.core.contracts.model import (
    ContractProblem,
    ContractsResult,
    DeprecatedUsage,
    OperationError,
    OperationResult,
    Status,
)

SECTION_VERSION: Final = 1
# What the section says of a deprecated element, wherever it lists one (attributes of DeprecatedUsage).
_DEPRECATED: Final = ("coordinate", "reason", "first_seen", "removal_date", "replacement")


def to_report_section(result: ContractsResult) -> dict[str, Any]:
    """The JSON-serialisable contracts section of a report (layout in the module docstring)."""
    return {
        "version": SECTION_VERSION,
        "total": result.total,
        "valid": result.count(Status.VALID),
        "broken": result.count(Status.BROKEN),
        "deprecated": result.count(Status.DEPRECATED),
        "revalidated": result.revalidated,
        "reused": result.reused,
        "operations": [operation_to_dict(op) for op in result.operations],
        "problems": [{"file": p.file, "line": p.line, "message": p.message} for p in result.problems],
        "affected": {k: list(v) for k, v in sorted(result.affected.items()) if v},
        "deprecations": _deprecation_summary(result),
    }


def operation_to_dict(op: OperationResult) -> dict[str, Any]:
    """One operation's entry of the section (``column`` only where known)."""
    entry: dict[str, Any] = {
        "name": op.name,
        "kind": op.kind,
        "file": op.file,
        "line": op.line,
        "status": op.status.value,
        "digest": op.digest,
        "reused": op.reused,
        "errors": [
            {"message": e.message, "file": e.file, "line": e.line, "column": e.column, "path": e.path}
            for e in op.errors
        ],
        "caused_by": list(op.caused_by),
        "deprecations": [_fields(d, *_DEPRECATED, "file", "line") for d in op.deprecations],
        "used_coordinates": sorted(op.used_coordinates),
    }
    if op.column is not None:
        entry["column"] = op.column
    return entry


def _fields(value: object, *names: str) -> dict[str, Any]:
    """Attributes of ``value`` under their own names, in the order given."""
    return {name: getattr(value, name) for name in names}


def _deprecation_summary(result: ContractsResult) -> list[dict[str, Any]]:
    """One entry per deprecated coordinate in use, with the operations using it; soonest removal first."""
    by_coordinate: dict[str, tuple[DeprecatedUsage, list[str]]] = {}
    for op in result.operations:
        for d in op.deprecations:
            by_coordinate.setdefault(d.coordinate, (d, []))[1].append(op.name)
    entries = sorted(by_coordinate.values(), key=lambda e: (e[0].removal_date or "9999", e[0].coordinate))
    return [{**_fields(d, *_DEPRECATED), "operations": sorted(names)} for d, names in entries]


def from_report_section(data: Mapping[str, Any]) -> ContractsResult:
    """A :class:`ContractsResult` read back from a stored section (for incremental reuse).

    Raises ``ValueError`` for a section of another layout version; callers then validate everything.
    """
    version = data.get("version", SECTION_VERSION)
    if version != SECTION_VERSION:
        raise ValueError(f"unsupported contracts section version {version!r}")
    operations = tuple(operation_from_dict(op) for op in data.get("operations", []))
    problems = tuple(
        ContractProblem(str(p["file"]), p.get("line"), str(p["message"])) for p in data.get("problems", [])
    )
    affected = {str(k): tuple(v) for k, v in (data.get("affected") or {}).items()}
    return ContractsResult(
        operations=operations,
        problems=problems,
        revalidated=int(data.get("revalidated", 0)),
        reused=int(data.get("reused", 0)),
        affected=affected,
    )


def operation_from_dict(data: Mapping[str, Any]) -> OperationResult:
    """The inverse of :func:`operation_to_dict`."""
    return OperationResult(
        name=str(data["name"]),
        kind=str(data.get("kind", "query")),
        file=str(data.get("file", "")),
        line=int(data.get("line") or 1),
        column=int(data["column"]) if data.get("column") is not None else None,
        status=Status(data["status"]),
        digest=str(data.get("digest", "")),
        errors=tuple(
            OperationError(
                str(e["message"]), str(e.get("file", "")), e.get("line"), e.get("column"), e.get("path")
            )
            for e in data.get("errors", [])
        ),
        caused_by=tuple(str(c) for c in data.get("caused_by", [])),
        deprecations=tuple(
            DeprecatedUsage(
                coordinate=str(d["coordinate"]),
                reason=str(d.get("reason", "")),
                first_seen=d.get("first_seen"),
                removal_date=d.get("removal_date"),
                replacement=d.get("replacement"),
                file=d.get("file"),
                line=d.get("line"),
            )
            for d in data.get("deprecations", [])
        ),
        used_coordinates=frozenset(str(c) for c in data.get("used_coordinates", [])),
        reused=bool(data.get("reused", False)),
    )
