"""The reports index: every target with its latest outcome and its runs, linking to their pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from monitor.core.report import view
from monitor.core.report.page import render_page, safe_href

MAX_RUNS: Final = 20


@dataclass(frozen=True, slots=True)
class _Run:
    run_id: str
    finished: str
    outcome: str
    counts: str
    href: str | None  # relative to the index, or None when the run has no page (or no safe name)


@dataclass(frozen=True, slots=True)
class _Target:
    name: str
    folder: str | None  # the target's directory when its name is a safe file name
    outcome: str  # of the latest run, "none" without one
    finished: str  # of the latest run, "—" without one
    counts: str
    runs: list[_Run]  # newest first, at most MAX_RUNS
    total: int


def render_index(targets: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """``targets`` maps a target name to its run summaries ``{run_id, finished_at, outcome, summary}``."""
    return render_page(
        "index.html",
        title="gqlmon reports",
        targets=[_target(name, targets[name]) for name in sorted(targets)],
    )


def _target(name: str, runs: Sequence[Mapping[str, Any]]) -> _Target:
    ordered = sorted(runs, key=view.run_sort_key, reverse=True)
    folder = safe_href(name)
    latest = ordered[0] if ordered else {}
    return _Target(
        name=name,
        folder=folder,
        outcome=str(latest.get("outcome", "none")),
        finished=view.when(latest.get("finished_at")) if latest else "—",
        counts=view.counts_text(latest.get("summary") or {}, "—"),
        runs=[_run(run, folder) for run in ordered[:MAX_RUNS]],
        total=len(ordered),
    )


def _run(run: Mapping[str, Any], folder: str | None) -> _Run:
    run_id = str(run.get("run_id"))
    page_href = safe_href(run_id, ".html") if view.run_has_page(run.get("outcome")) else None
    return _Run(
        run_id=run_id,
        finished=view.when(run.get("finished_at")),
        outcome=str(run.get("outcome", "")),
        counts=view.counts_text(run.get("summary") or {}, "—"),
        href=f"{folder}/{page_href}" if folder and page_href else None,
    )
