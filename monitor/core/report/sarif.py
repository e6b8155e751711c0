"""SARIF 2.1.0 rendering, for code-scanning views (GitHub, GitLab, IDEs).

Saved operations the schema breaks come first: errors at the file, line and column of each validation
error, with the change that explains it, so they annotate the pull request that matters. Breaking and
dangerous changes follow, located by schema coordinate (a logical location): a warning at the files of the
operations that use them, a note when no operation does (no file to fix). Acknowledged changes carry a
suppression.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from monitor.core.changes import Change, Criticality, sort_changes
from monitor.core.report import view
from monitor.core.report.model import DriftReport
from monitor.core.report.triage import triage

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
BROKEN_OPERATION: Final = "BROKEN_OPERATION"
DEPRECATED_USAGE: Final = "DEPRECATED_USAGE"


def render_sarif(report: DriftReport) -> str:
    """Breaking and dangerous changes plus broken saved operations as one SARIF run."""
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    found = triage(report)
    causes = {op.name: op.causes for op in found.broken}
    ops = view.operations(report)
    for op in ops:  # broken first: view.operations orders them so
        results.extend(_operation_results(op, rules, causes.get(str(op.get("name")), ())))
    where = {str(op.get("name")): op for op in ops}
    users: dict[str, tuple[str, ...]] = {u.change.id: (*u.broken, *u.valid, *u.elsewhere) for u in found.used}
    for broken_op in found.broken:
        for change in broken_op.causes:
            users[change.id] = (*users.get(change.id, ()), broken_op.name)
    for change in sort_changes(report.current_changes):
        if change.criticality is Criticality.SAFE:
            continue
        rules.setdefault(
            change.type.value, _rule(change.type.value, change.type.value.replace("_", " ").lower())
        )
        names = users.get(change.id, ())
        located = [_physical(where[n].get("file"), where[n].get("line"), None) for n in names if n in where]
        logical = {
            "logicalLocations": [{"fullyQualifiedName": view.clean(change.coordinate), "kind": "member"}]
        }
        text = f"{view.clean(change.message)}: {view.clean(change.reason)}"
        mine = [n for n in names if any(c.id == change.id for c in causes.get(n, ()))]
        valid = [view.clean(n) for n in names if n not in causes]
        elsewhere = [view.clean(n) for n in names if n in causes and n not in mine]
        if mine:
            text += f" (breaks {', '.join(view.clean(n) for n in mine)})"
        if valid:
            text += f" (used by {', '.join(valid)}, still valid)"
        if elsewhere:
            text += f" (used by {', '.join(elsewhere)}, broken by another change)"
        result: dict[str, Any] = {
            "ruleId": change.type.value,
            # Only an operation's file makes a finding someone can fix here: a change used by an
            # operation is a warning at that operation; one no operation uses is a note.
            "level": "warning" if located else "note",
            "message": {"text": text},
            "locations": [{**loc, **logical} for loc in located] or [logical],
            "partialFingerprints": {"gqlmonChange/v1": change.id},
            "properties": {
                "criticality": change.criticality.value,
                "path": view.clean(change.path),
                "usedBy": list(names),
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


def _operation_results(
    op: Mapping[str, Any], rules: dict[str, dict[str, Any]], causes: Sequence[Change]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    name = view.clean(op.get("name"))
    if op.get("status") == "broken":
        rules.setdefault(BROKEN_OPERATION, _rule(BROKEN_OPERATION, "saved operation no longer validates"))
        errors = [e for e in op.get("errors") or () if isinstance(e, Mapping)] or [
            {"message": "no longer validates"}
        ]
        because = "".join(f" (caused by: {view.clean(c.message)})" for c in causes[:3])
        for error in errors:
            out.append(
                {
                    "ruleId": BROKEN_OPERATION,
                    "level": "error",
                    "message": {"text": f"{name}: {view.clean(error.get('message'))}{because}"},
                    "locations": [
                        _physical(
                            error.get("file") or op.get("file"),
                            error.get("line") or op.get("line"),
                            error.get("column"),
                        )
                    ],
                    "properties": {"causedBy": [c.id for c in causes]},
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
