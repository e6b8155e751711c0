"""SARIF 2.1.0 for ``gqlmon validate``: findings in the user's files, for code scanning in pull requests.

Broken operations are errors at each validation error's file, line and column; deprecated usage is a
warning where the operation uses the element; problems with the files (a syntax error, a fragment no file
defines, an interpolation that is not statically known) are errors at their line and column. Rule ids are
the drift report's (:mod:`monitor.core.report.sarif`), plus ``CONTRACT_PROBLEM``.
"""

from __future__ import annotations

import json
from typing import Any, Final

from monitor.core.contracts import ContractsResult, OperationResult, Status
from monitor.core.report.sarif import BROKEN_OPERATION, DEPRECATED_USAGE, SARIF_SCHEMA

CONTRACT_PROBLEM: Final = "CONTRACT_PROBLEM"
_RULES: Final = {
    BROKEN_OPERATION: "saved operation no longer validates",
    DEPRECATED_USAGE: "saved operation uses a deprecated element",
    CONTRACT_PROBLEM: "saved operations cannot be read",
}


def render_contracts_sarif(result: ContractsResult) -> str:
    """One SARIF run with a result per validation error, deprecated usage and problem."""
    results: list[dict[str, Any]] = []
    for op in result.operations:
        results.extend(_operation(op))
    for problem in result.problems:
        results.append(
            _result(CONTRACT_PROBLEM, "error", problem.message, problem.file, problem.line, problem.column)
        )
    used = sorted({r["ruleId"] for r in results})
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gqlmon",
                        "rules": [{"id": rule, "shortDescription": {"text": _RULES[rule]}} for rule in used],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _operation(op: OperationResult) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if op.status is Status.BROKEN:
        for error in op.errors:
            message = f"{op.name}: {' '.join(error.message.split())}"
            out.append(
                _result(
                    BROKEN_OPERATION,
                    "error",
                    message,
                    error.file or op.file,
                    error.line or op.line,
                    error.column,
                )
            )
    for dep in op.deprecations:
        removal = f" (removal {dep.removal_date})" if dep.removal_date else ""
        message = f"{op.name} uses deprecated {dep.coordinate}{removal}: {' '.join(dep.reason.split())}"
        out.append(
            _result(DEPRECATED_USAGE, "warning", message, dep.file or op.file, dep.line or op.line, None)
        )
    return out


def _result(
    rule: str, level: str, message: str, file: str, line: int | None, column: int | None
) -> dict[str, Any]:
    region: dict[str, int] = {}
    if line is not None and line > 0:
        region["startLine"] = line
        if column is not None and column > 0:
            region["startColumn"] = column
    location: dict[str, Any] = {"artifactLocation": {"uri": file}}
    if region:
        location["region"] = region
    return {
        "ruleId": rule,
        "level": level,
        "message": {"text": message},
        "locations": [{"physicalLocation": location}],
    }
