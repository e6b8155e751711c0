"""Publishing: a run's report files under ``reports/<target>/``, the ``latest.*`` copies and the index.

Layout (documented in reports/README.md)::

    reports/index.html                      every target, its latest outcome and its runs
    reports/<target>/<run_id>.{json,md,html,junit.xml,sarif.json}
    reports/<target>/latest.{json,md,html,junit.xml,sarif.json}
    reports/<target>/history.json           the target's run summaries, oldest first (feeds the index)

Runs that found nothing new (``unchanged``) only refresh ``latest.*`` and the history, so a target
checked every few minutes does not fill the disk; ``gqlmon report TARGET --run ID`` re-renders any stored
run. Every file is written to a temporary file in the same directory and moved into place with
``os.replace``, so a reader (a web server, a CI artifact upload) never sees a half-written report.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from monitor.core.report import (
    render_html,
    render_index,
    render_json,
    render_junit,
    render_markdown,
    render_sarif,
)
from monitor.core.report.model import DriftReport
from monitor.core.report.view import merged_history, run_has_page, target_dir_name
from monitor.support.atomic import write_atomic

if TYPE_CHECKING:
    from monitor.adapters.store import Store

log = logging.getLogger(__name__)


SUFFIXES: Final = ("json", "md", "html", "junit.xml", "sarif.json")


MAX_HISTORY: Final = 500


@dataclass(frozen=True, slots=True)
class PublishedReport:
    """Where a run's report went. ``dated`` is empty for an ``unchanged`` run."""

    directory: Path
    dated: dict[str, Path]
    latest: dict[str, Path]
    history: Path
    index: Path

    @property
    def html(self) -> Path:
        """The page to open: the run's own page, or latest.html when it has none."""
        return self.dated.get("html", self.latest["html"])

    @property
    def paths(self) -> tuple[Path, ...]:
        return (*self.dated.values(), *self.latest.values(), self.history, self.index)


def run_summary(run_id: str, finished_at: str, outcome: str, summary: Mapping[str, int]) -> dict[str, Any]:
    """One entry of a target's history, as the renderers and the index take it."""
    return {"run_id": run_id, "finished_at": finished_at, "outcome": outcome, "summary": dict(summary)}


def stored_history(store: Store, target: str, limit: int = 100) -> list[dict[str, Any]]:
    """The target's last ``limit`` runs (newest first) as history entries: the report's timeline."""
    return [
        run_summary(r.id, r.finished_at.isoformat(), r.outcome, r.summary)
        for r in store.list_runs(target, limit=limit)
    ]


def publish_report(
    report: DriftReport,
    reports_dir: Path,
    history: Iterable[Mapping[str, Any]] | None = None,
    *,
    dated_unchanged: bool = False,
) -> PublishedReport:
    """Write ``report`` in every format, refresh ``latest.*``, the target's history and the index.

    ``history`` is the target's run summaries (``{run_id, finished_at, outcome, summary}``, any order;
    this run is added if missing). Raises ``OSError`` when the directory cannot be written.
    """
    directory = reports_dir / target_dir_name(report.target)
    directory.mkdir(parents=True, exist_ok=True)
    runs = merged_history(report, history)[-MAX_HISTORY:]
    rendered = {
        "json": render_json(report),
        "md": render_markdown(report, history=runs),
        "html": render_html(report, history=runs),
        "junit.xml": render_junit(report),
        "sarif.json": render_sarif(report),
    }
    dated: dict[str, Path] = {}
    if dated_unchanged or run_has_page(report.outcome):
        for suffix, text in rendered.items():
            dated[suffix] = write_atomic(directory / f"{report.run_id}.{suffix}", text)
    latest = {suffix: write_atomic(directory / f"latest.{suffix}", text) for suffix, text in rendered.items()}
    history_path = write_atomic(
        directory / "history.json",
        json.dumps({"target": report.target, "runs": runs}, indent=2, ensure_ascii=False) + "\n",
    )
    index = write_index(reports_dir)
    return PublishedReport(directory, dated, latest, history_path, index)


def read_histories(reports_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """target -> run summaries, from every ``<target>/history.json`` under ``reports_dir``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(reports_dir.glob("*/history.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            target, runs = str(data["target"]), data["runs"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("skipping unreadable report history %s: %s", path, exc)
            continue
        if isinstance(runs, list):
            out[target] = [r for r in runs if isinstance(r, dict)]
    return out


def write_index(reports_dir: Path) -> Path:
    """Regenerate ``reports/index.html`` from the targets' published histories."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    return write_atomic(reports_dir / "index.html", render_index(read_histories(reports_dir)))
