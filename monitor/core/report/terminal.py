"""Plain-text rendering for a terminal: no colour codes of its own, and none of the API's.

API text can carry ANSI escapes (clearing the screen, rewriting earlier lines, setting the window title)
and bidi overrides; :func:`view.clean` removes them, so what is printed is what the schema says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from monitor.core.report import view
from monitor.core.report.model import DriftReport

MAX_PER_LEVEL: Final = 200


def render_terminal(report: DriftReport) -> str:
    """The run as plain text, worst changes first."""
    old = report.old_snapshot.id if report.old_snapshot else None
    new = report.new_snapshot.id if report.new_snapshot else None
    lines = [
        f"{view.clean(report.target)}: {view.headline(report)}",
        f"  run {report.run_id} · {view.OUTCOME_TITLES[report.outcome]} · "
        f"finished {view.when(report.finished_at)}",
        f"  schema {view.short(old)} -> {view.short(new)}"
        if report.outcome != "failed"
        else f"  last good schema {view.short(old)}",
    ]
    if report.error:
        lines += ["", f"error: {view.clean(report.error, single_line=False)}"]
    affected = view.affected(report)
    ordered = view.ordered(report)
    for level in view.LEVELS:
        changes = [c for c in ordered if c.criticality is level]
        if not changes:
            continue
        lines += ["", f"{view.LEVEL_TITLES[level]} changes ({len(changes)}):"]
        for change in changes[:MAX_PER_LEVEL]:
            lines.append(f"  - [{change.id}] {view.clean(change.message, limit=300)}")
            lines.append(
                f"      {change.type.value} at {view.clean(change.coordinate)}: "
                f"{view.clean(change.reason, limit=300)}"
            )
            for label in view.change_labels(change, report.acknowledged):
                lines.append(f"      {view.clean(label, limit=300)}")
            if affected.get(change.id):
                lines.append("      breaks: " + ", ".join(view.clean(n) for n in affected[change.id]))
        if len(changes) > MAX_PER_LEVEL:
            lines.append(f"  ... and {len(changes) - MAX_PER_LEVEL} more")
    lines += _acknowledged(report)
    lines += _contracts(report)
    for dep in view.deprecations(report):
        if dep.near:
            used = ", ".join(view.clean(o) for o in dep.operations)
            lines.append(
                f"deprecated {view.clean(dep.coordinate)} (used by {used}) "
                f"is removed on {view.clean(dep.removal_date)}"
            )
    if report.live:
        lines += ["", "live tests:"] + [
            f"  {view.clean(k)}: {view.clean(v, limit=300)}" for k, v in view.flatten(report.live)
        ]
    if report.validity_problems:
        lines += ["", f"schema validity problems ({len(report.validity_problems)}):"]
        lines += [f"  - {view.clean(p, limit=300)}" for p in report.validity_problems[:20]]
    lines += [f"note: {view.clean(n, limit=500)}" for n in report.notes]
    return "\n".join(lines) + "\n"


def _acknowledged(report: DriftReport) -> list[str]:
    """The acknowledged changes of this run, each with its reason (they never alert or fail a check)."""
    acked = [c for c in view.ordered(report) if c.id in report.acknowledged]
    if not acked:
        return []
    out = ["", f"acknowledged ({len(acked)}):"]
    for change in acked:
        reason = report.acknowledged[change.id] or "acknowledged"
        out.append(f"  - [{change.id}] {view.clean(change.message, limit=300)}")
        out.append(f"      {view.clean(reason, limit=300)}")
    return out


def _contracts(report: DriftReport) -> list[str]:
    if report.contracts is None:
        return []
    counts = view.contract_counts(report)
    out = ["", "saved operations: " + ", ".join(f"{v} {k}" for k, v in counts.items())]
    for op in view.operations(report):
        if op.get("status") != "broken":
            continue
        out.append(f"  ✖ {view.clean(op.get('name'))} ({view.clean(op.get('file'))})")
        for error in op.get("errors") or ():
            if isinstance(error, Mapping):
                out.append(
                    f"      line {view.clean(error.get('line'))}: "
                    f"{view.clean(error.get('message'), limit=300)}"
                )
    for problem in report.contracts.get("problems") or ():
        if isinstance(problem, Mapping):
            out.append(
                f"  ! {view.clean(problem.get('file'))}:{view.clean(problem.get('line'))}: "
                f"{view.clean(problem.get('message'), limit=300)}"
            )
    return out
