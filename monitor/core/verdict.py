"""The exit-code policy, in one place: what makes ``gqlmon check`` and ``gqlmon validate`` exit 1."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.core.changes import Criticality
from monitor.core.contracts.model import ContractsResult, Status
from monitor.core.report.model import DriftReport


def worst_exit(reports: Sequence[DriftReport], fail_on: str) -> int:
    """CI exit code from the current state, changed or not: 1 when a saved operation is broken (unless
    every change that broke it is acknowledged), a saved operation file cannot be read, or an
    unacknowledged change at or above ``fail_on`` is open (found by this run, or still open from the run
    that brought the current schema); 3 when a target could not be checked; else 0.
    ``fail_on = "never"`` always gives 0 or 3."""
    if fail_on != "never":
        level = Criticality(fail_on)
        for report in reports:
            if _operations_fail(report):
                return 1
            current = report.current_changes
            if any(c.criticality.at_least(level) and c.id not in report.acknowledged for c in current):
                return 1
    if any(r.outcome == "failed" for r in reports):
        return 3
    return 0


def _operations_fail(report: DriftReport) -> bool:
    """A saved-operation file that cannot be read, or a broken operation, unless every change that broke
    it is acknowledged (the team accepted the break; an operation broken by its own text always fails)."""
    contracts = report.contracts or {}
    if contracts.get("problems"):
        return True
    open_ids = {c.id for c in report.current_changes if c.id not in report.acknowledged}
    for op in contracts.get("operations") or ():
        if isinstance(op, dict) and op.get("status") == "broken":
            causes = op.get("caused_by") or ()
            if not causes or any(c in open_ids for c in causes):
                return True
    return False


def validate_exit(result: ContractsResult, *, fail_on_deprecated: bool = False) -> int:
    """``gqlmon validate``'s exit code: 1 for a broken operation, a file that cannot be read or no operation
    at all (a glob that matched nothing), and for a deprecated usage when asked; else 0."""
    if not result.ok or not result.operations:
        return 1
    if fail_on_deprecated and result.count(Status.DEPRECATED):
        return 1
    return 0
