"""``gqlmon validate``: check any set of operations against a schema, like GraphQL Inspector's validate.

graphql-core's validation, optional limits (depth, aliases, tokens, directives) and deprecated-usage
reporting, as text (one line per operation), JSON or SARIF; with ``annotations`` (on by default in
GitHub Actions) one ``::error file=…,line=…::`` line per error as well. Operations come from ``.graphql``
files, manifests, source code (TypeScript, JavaScript, Vue, Svelte, Python) and glob patterns.
The exit code is 0 when every operation is valid, 1 when one is broken, a file has a problem, no
operation was found, or (with ``fail_on_deprecated``) an operation uses a deprecated element.
The CLI resolves ``--schema``/``TARGET`` (or a graphql-config project) and the default files.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from graphql import GraphQLSchema

from monitor.adapters.operations import discover, excluded, expand_globs, load_operation_files
from monitor.core.contracts import (
    ContractsResult,
    DeprecatedUsage,
    Limits,
    OperationResult,
    Status,
    operation_to_dict,
    validate_operations,
)
from monitor.core.verdict import validate_exit

FORMATS = ("text", "json", "sarif")
_GLOB_CHARS = frozenset("*?[{")
_MARKS = {Status.VALID: "✓", Status.BROKEN: "✗", Status.DEPRECATED: "!"}


def run_validate(
    *,
    schema: GraphQLSchema,
    files: list[Path],
    fmt: str = "text",
    limits: Limits | None = None,
    fail_on_deprecated: bool = False,
    globs: Sequence[str] = (),
    root: Path | None = None,
    exclude: Sequence[str] = (),
    functions: Sequence[str] | None = None,
    annotations: bool = False,
    sarif_path: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Validate the operations in ``files`` (files, directories or quoted glob patterns relative to the
    working directory) and ``globs`` (relative to ``root``) against ``schema``; the exit code."""
    out = out or sys.stdout
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    paths = collect_paths(files, globs=globs, root=root, exclude=exclude)
    operations = load_operation_files(paths, functions=functions)
    result = validate_operations(schema, operations, limits=limits or None)
    code = validate_exit(result, fail_on_deprecated=fail_on_deprecated)
    if fmt == "json":
        out.write(json.dumps(to_json(result, exit_code=code), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "sarif":
        from monitor.core.report.contracts_sarif import render_contracts_sarif

        out.write(render_contracts_sarif(result))
    else:
        out.write(to_text(result, files=[*files, *(Path(g) for g in globs)]))
    if annotations:
        from monitor.core.report.annotations import github_annotations

        out.write("".join(line + "\n" for line in github_annotations(result)))
    if sarif_path is not None:
        from monitor.core.report.contracts_sarif import render_contracts_sarif

        sarif_path.parent.mkdir(parents=True, exist_ok=True)
        sarif_path.write_text(render_contracts_sarif(result), encoding="utf-8")
    return code


def is_pattern(text: str) -> bool:
    """Whether ``text`` holds glob characters (``*``, ``?``, ``[``, ``{``)."""
    return bool(_GLOB_CHARS & set(text))


def collect_paths(
    files: Sequence[Path],
    *,
    globs: Sequence[str] = (),
    root: Path | None = None,
    exclude: Sequence[str] = (),
) -> list[Path]:
    """The files to read: ``files`` as given, except that a path that does not exist and holds glob
    characters is expanded from the working directory (a pattern matching nothing stays, and is reported
    as missing), and a directory is walked less ``exclude`` (patterns relative to the working directory);
    ``globs`` expanded from ``root``."""
    paths: list[Path] = []
    for path in files:
        text = path.as_posix()
        if not path.exists() and is_pattern(text):
            paths.extend(expand_globs([text], root=Path(), exclude=exclude) or [path])
        elif path.is_dir() and exclude:
            paths.extend(p for p in discover(path) if not excluded(p, exclude))
        else:
            paths.append(path)
    if globs:
        found = expand_globs(globs, root=root or Path(), exclude=exclude)
        paths.extend(found or [Path(root or Path(), next(g for g in globs if not g.startswith("!")))])
    return paths


def summary(result: ContractsResult) -> dict[str, int]:
    return {
        "total": result.total,
        "valid": result.count(Status.VALID),
        "broken": result.count(Status.BROKEN),
        "deprecated": result.count(Status.DEPRECATED),
        "problems": len(result.problems),
    }


def to_json(result: ContractsResult, *, exit_code: int) -> dict[str, Any]:
    """``{"operations": [...], "problems": [...], "summary": {...}}``; operations as in the report section
    without the bookkeeping keys (digest, reused, used coordinates)."""
    operations = []
    for op in result.operations:
        entry = operation_to_dict(op)
        for key in ("digest", "reused", "used_coordinates", "caused_by"):
            entry.pop(key, None)
        operations.append(entry)
    return {
        "operations": operations,
        "problems": [
            {
                "file": p.file,
                "line": p.line,
                **({"column": p.column} if p.column else {}),
                "message": p.message,
            }
            for p in result.problems
        ],
        "summary": {**summary(result), "exit_code": exit_code},
    }


def to_text(result: ContractsResult, *, files: list[Path] | None = None) -> str:
    """One line per operation (✓ valid, ✗ broken, ! deprecated), details indented, a summary last."""
    lines: list[str] = []
    for op in result.operations:
        lines.append(f"{_MARKS[op.status]} {op.name} ({op.kind})  {op.file}:{op.line}")
        lines.extend(_error_lines(op))
        lines.extend(f"    deprecated {_deprecation_text(d)}" for d in op.deprecations)
    for problem in result.problems:
        lines.append(f"✗ {problem}")
    if not result.operations:
        where = ", ".join(str(f) for f in files or []) or "the given files"
        lines.append(f"no operations found in {where}")
    counts = summary(result)
    lines.append(
        f"{counts['total']} operations: {counts['valid']} valid, {counts['broken']} broken, "
        f"{counts['deprecated']} deprecated; {counts['problems']} problems"
    )
    return "\n".join(lines) + "\n"


def _error_lines(op: OperationResult) -> list[str]:
    out = []
    for error in op.errors:
        where = error.file
        if error.line is not None:
            where += f":{error.line}" + (f":{error.column}" if error.column is not None else "")
        at = f"  (at {error.path})" if error.path else ""
        message = " ".join(error.message.split())  # literals in messages span lines
        out.append(f"    {where}  {message}{at}")
    return out


def _deprecation_text(d: DeprecatedUsage) -> str:
    parts = [d.coordinate]
    if d.file is not None:
        parts.append(f"({d.file}:{d.line})" if d.line is not None else f"({d.file})")
    text = " ".join(parts) + f": {' '.join(d.reason.split())}"
    facts = [f"replacement: {d.replacement}"] if d.replacement else []
    facts += [f"removal: {d.removal_date}"] if d.removal_date else []
    return text + (f" [{'; '.join(facts)}]" if facts else "")
