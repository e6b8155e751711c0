"""SARIF 2.1.0 rendering, for code-scanning views (GitHub, GitLab, IDEs).

Breaking changes are errors and dangerous ones warnings, located by schema coordinate (a logical
location); acknowledged changes carry a suppression. Saved operations the schema breaks are errors at the
file, line and column of each validation error, so they annotate the pull request that matters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from monitor.core.changes import Criticality
from monitor.core.report import view
from monitor.core.report.model import DriftReport

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
BROKEN_OPERATION: Final = "BROKEN_OPERATION"
DEPRECATED_USAGE: Final = "DEPRECATED_USAGE"
_LEVEL: Final = {Criticality.BREAKING: "error", Criticality.DANGEROUS: "warning", Criticality.SAFE: "note"}


def render_sarif(report: DriftReport) -> str:
    """Breaking and dangerous changes plus broken saved operations as one SARIF run."""
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    affected = view.affected(report)
    for change in view.ordered(report):
        if change.criticality is Criticality.SAFE:
            continue
        rules.setdefault(
            change.type.value, _rule(change.type.value, change.type.value.replace("_", " ").lower())
        )
        result: dict[str, Any] = {
            "ruleId": change.type.value,
            "level": _LEVEL[change.criticality],
            "message": {"text": f"{view.clean(change.message)}: {view.clean(change.reason)}"},
            "locations": [
                {
                    "logicalLocations": [
                        {"fullyQualifiedName": view.clean(change.coordinate), "kind": "member"}
                    ]
                }
            ],
            "partialFingerprints": {"gqlmonChange/v1": change.id},
            "properties": {
                "criticality": change.criticality.value,
                "path": view.clean(change.path),
                "affectedOperations": affected.get(change.id, []),
            },
        }
        if change.id in report.acknowledged:
            result["suppressions"] = [
                {
                    "kind": "external",
                    "justification": view.clean(report.acknowledged[change.id]) or "acknowledged",
                }
            ]
        results.append(result)
    for op in view.operations(report):
        results.extend(_operation_results(op, rules))
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "gqlmon", "rules": [rules[k] for k in sorted(rules)]}},
                "automationDetails": {"id": f"gqlmon/{view.clean(report.target)}/{report.run_id}"},
                "invocations": [
                    {
                        "executionSuccessful": report.outcome != "failed",
                        "startTimeUtc": report.started_at,
                        "endTimeUtc": report.finished_at,
                        **({"toolExecutionNotifications": [_note(report.error)]} if report.error else {}),
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(rule_id: str, text: str) -> dict[str, Any]:
    return {"id": rule_id, "shortDescription": {"text": text}}


def _note(error: str | None) -> dict[str, Any]:
    return {"level": "error", "message": {"text": view.clean(error)}}


def _operation_results(op: Mapping[str, Any], rules: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    name = view.clean(op.get("name"))
    if op.get("status") == "broken":
        rules.setdefault(BROKEN_OPERATION, _rule(BROKEN_OPERATION, "saved operation no longer validates"))
        errors = [e for e in op.get("errors") or () if isinstance(e, Mapping)] or [
            {"message": "no longer validates"}
        ]
        for error in errors:
            out.append(
                {
                    "ruleId": BROKEN_OPERATION,
                    "level": "error",
                    "message": {"text": f"{name}: {view.clean(error.get('message'))}"},
                    "locations": [
                        _physical(
                            error.get("file") or op.get("file"),
                            error.get("line") or op.get("line"),
                            error.get("column"),
                        )
                    ],
                    "properties": {"causedBy": [view.clean(c) for c in op.get("caused_by") or ()]},
                }
            )
    for dep in op.get("deprecations") or ():
        if not isinstance(dep, Mapping):
            continue
        rules.setdefault(
            DEPRECATED_USAGE, _rule(DEPRECATED_USAGE, "saved operation uses a deprecated element")
        )
        removal = f" (removal {view.clean(dep.get('removal_date'))})" if dep.get("removal_date") else ""
        out.append(
            {
                "ruleId": DEPRECATED_USAGE,
                "level": "warning",
                "message": {
                    "text": f"{name} uses deprecated {view.clean(dep.get('coordinate'))}{removal}: "
                    f"{view.clean(dep.get('reason'))}"
                },
                "locations": [_physical(op.get("file"), op.get("line"), None)],
            }
        )
    return out


def _physical(file: object, line: object, column: object) -> dict[str, Any]:
    region: dict[str, int] = {}
    if isinstance(line, int) and line > 0:
        region["startLine"] = line
        if isinstance(column, int) and column > 0:
            region["startColumn"] = column
    location: dict[str, Any] = {"artifactLocation": {"uri": view.clean(file)}}
    if region:
        location["region"] = region
    return {"physicalLocation": location}
