"""Plain-text rendering for a terminal: no colour codes of its own, and none of the API's.

Two forms, both in the reading order of :mod:`monitor.core.report.triage` (what breaks you first):
:func:`render_terminal` is the whole report (``gqlmon report -f text``); :func:`render_console` is the
first screen ``gqlmon check`` prints per target, with families folded to one line each.

API text can carry ANSI escapes (clearing the screen, rewriting earlier lines, setting the window title)
and bidi overrides; :func:`view.clean` removes them, so what is printed is what the schema says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from monitor.core.changes import Change
from monitor.core.report import view
from monitor.core.report.model import DriftReport
from monitor.core.report.triage import Family, Triage, triage

MAX_PER_FAMILY: Final = 200
CONSOLE_FAMILIES: Final = 8
CONSOLE_ERRORS: Final = 3


def render_terminal(report: DriftReport) -> str:
    """The run as plain text, what breaks you first, every change listed."""
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
    lines += [f"  {line}" for line in view.state_lines(report)]
    if report.error:
        lines += ["", f"error: {view.clean(report.error, single_line=False)}"]
    lines += _sections(report, triage(report), full=True)
    lines += _acknowledged(report)
    if report.contracts is not None:
        counts = view.contract_counts(report)
        lines += ["", "saved operations: " + ", ".join(f"{v} {k}" for k, v in counts.items())]
    for dep in view.deprecations(report):
        if dep.near:
            used = ", ".join(view.clean(o) for o in dep.operations)
            lines.append(
                f"deprecated {view.clean(dep.coordinate)} (used by {used}) "
                f"is removed on {view.clean(dep.removal_date)}"
            )
    lines += _live(report, full=True)
    if report.validity_problems:
        lines += ["", f"schema validity problems ({len(report.validity_problems)}):"]
        lines += [f"  - {view.clean(p, limit=300)}" for p in report.validity_problems[:20]]
    lines += [f"note: {view.clean(n, limit=500)}" for n in report.notes]
    return "\n".join(lines) + "\n"


def render_console(report: DriftReport) -> str:
    """What ``gqlmon check`` prints for one target: a status line, then what to fix, folded to a screen."""
    found = triage(report)
    lines = [_status_line(report, found)]
    lines += [f"    {line}" for line in view.state_lines(report)]
    lines += [f"  {line}" if line else line for line in _sections(report, found, full=False) if line]
    lines += [f"  {line}" for line in _live(report, full=False) if line]
    return "\n".join(lines) + "\n"


def _status_line(report: DriftReport, found: Triage) -> str:
    target = view.clean(report.target)
    s = report.summary
    bad = found.failing or bool(found.used) or bool(found.unused)
    mark = "✖" if bad or report.outcome == "failed" else ("▲" if s["dangerous"] else "✔")
    if report.outcome == "failed":
        line = f"✖ {target}: check failed: {view.clean(report.error)}"
    elif report.outcome == "unchanged":
        line = f"{mark} {target}: unchanged ({view.short(report.new_snapshot.id if report.new_snapshot else None)})"
    elif report.outcome == "baseline":
        snap = view.short(report.new_snapshot.id if report.new_snapshot else None)
        line = f"{mark} {target}: baseline snapshot {snap} stored"
    else:
        old = view.short(report.old_snapshot.id if report.old_snapshot else None)
        new = view.short(report.new_snapshot.id if report.new_snapshot else None)
        verb = "rolled back" if report.rollback else "changed"
        line = (
            f"{mark} {target}: {verb} {old} -> {new}: "
            f"{s['breaking']} breaking, {s['dangerous']} dangerous, {s['safe']} safe"
        )
    if report.contracts:
        broken = [op.name for op in found.broken]
        line += f"; operations: {len(broken)} broken of {found.total_operations}"
        if broken:
            shown = ", ".join(view.clean(n) for n in broken[:5])
            line += f" ({shown}{', …' if len(broken) > 5 else ''})"
        if found.problems:
            line += f"; {len(found.problems)} unreadable operation file problem(s)"
    if report.live:
        failures = view.live_failures(report)
        line += f"; live tests: {len(failures)} distinct failures" if failures else "; live tests: passed"
        if report.live.get("error"):
            line += f" (could not run: {view.clean(report.live['error'])})"
    if report.flapping:
        line += "; flapping"
    return line


def _sections(report: DriftReport, found: Triage, *, full: bool) -> list[str]:
    lines: list[str] = []
    if found.broken:
        lines += ["", f"Broken operations ({len(found.broken)}):"]
        for op in found.broken:
            lines.append(f"  ✖ {view.clean(op.name)}  {view.clean(op.location)}")
            errors = op.errors if full else op.errors[:CONSOLE_ERRORS]
            for error in errors:
                lines.append(f"      {_error_text(error)}")
            if len(op.errors) > len(errors):
                lines.append(f"      … and {len(op.errors) - len(errors)} more errors")
            for change in op.causes:
                lines.append(f"      caused by: {_change_text(change)}")
            if not op.causes:
                lines.append("      caused by: no schema change in this run (the operation's own text)")
    if found.problems:
        lines += ["", f"Saved-operation files that cannot be read ({len(found.problems)}):"]
        for problem in found.problems:
            lines.append(
                f"  ! {view.clean(problem.get('file'))}:{view.clean(problem.get('line'))}: "
                f"{view.clean(problem.get('message'), limit=300)}"
            )
    if found.used:
        lines += ["", f"Breaking changes your operations use ({len(found.used)}):"]
        for used in found.used:
            lines.append(f"  ✖ {_change_text(used.change)}")
            if used.broken:
                lines.append("      breaks: " + ", ".join(view.clean(n) for n in used.broken))
            if used.valid:
                lines.append("      used by (still valid): " + ", ".join(view.clean(n) for n in used.valid))
            if used.elsewhere:
                lines.append(
                    "      used by (broken by another change): "
                    + ", ".join(view.clean(n) for n in used.elsewhere)
                )
    if found.unused:
        title = "Breaking changes no saved operation uses" if report.contracts else "Breaking changes"
        lines += ["", f"{title} ({found.unused_count}):"]
        lines += _families(found.unused, "✖", full=full)
    if found.dangerous:
        count = sum(len(f.changes) for f in found.dangerous)
        lines += ["", f"Dangerous changes ({count}):"]
        lines += _families(found.dangerous, "▲", full=full)
    if found.safe:
        count = sum(len(f.changes) for f in found.safe)
        if full:
            lines += ["", f"Safe changes ({count}):"]
            lines += _families(found.safe, "·", full=True)
        else:
            lines += ["", f"Safe changes: {count} (in the report)"]
    return lines


def _families(families: tuple[Family, ...], mark: str, *, full: bool) -> list[str]:
    lines: list[str] = []
    shown = families if full else families[:CONSOLE_FAMILIES]
    for family in shown:
        single = family.single
        if single is not None:
            lines.append(f"  {mark} {_change_text(single)}")
            if full:
                lines += _change_details(single)
            continue
        lines.append(f"  {mark} {view.clean(family.label)}: {len(family.changes)} changes ({family.kinds})")
        if full:
            for change in family.changes[:MAX_PER_FAMILY]:
                lines.append(f"      - {_change_text(change)}")
            if len(family.changes) > MAX_PER_FAMILY:
                lines.append(f"      ... and {len(family.changes) - MAX_PER_FAMILY} more")
    if len(families) > len(shown):
        rest = families[len(shown) :]
        lines.append(
            f"  … and {sum(len(f.changes) for f in rest)} more in {len(rest)} groups (see the report)"
        )
    return lines


def _change_text(change: Change) -> str:
    return f"{view.clean(change.message, limit=300)}  [{change.type.value} #{change.id[:8]}]"


def _change_details(change: Change) -> list[str]:
    return [f"      {view.clean(change.reason, limit=300)}"]


def _error_text(error: Mapping[str, Any]) -> str:
    where = f"line {view.clean(error.get('line'))}: " if error.get("line") else ""
    return f"{where}{view.clean(error.get('message'), limit=300)}"


def _live(report: DriftReport, *, full: bool) -> list[str]:
    if not report.live:
        return []
    failures = view.live_failures(report)
    if not failures:
        return []
    lines = ["", f"Live tests: {len(failures)} distinct failures:"]
    for failure in failures if full else failures[:5]:
        lines.append(
            f"  ✖ {view.clean(failure.get('operation'))} · {view.clean(failure.get('check'))} at "
            f"{view.clean(failure.get('path')) or '(root)'} ×{failure.get('count', 1)}: "
            f"{view.clean(failure.get('message'), limit=300)}"
        )
        if full and failure.get("curl"):
            lines.append(f"      {view.clean(failure.get('curl'), limit=2000)}")
    if not full and len(failures) > 5:
        lines.append(f"  … and {len(failures) - 5} more (see the report)")
    return lines


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
