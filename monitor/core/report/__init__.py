"""Reports: one :class:`DriftReport` per run, rendered for people and CI systems.

Every renderer reads only the model, and escapes API text for its own format (see
:mod:`monitor.core.report.view`). :func:`render` picks a renderer by format name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from monitor.core.report.html import render_html
from monitor.core.report.index import render_index
from monitor.core.report.json_report import render_json
from monitor.core.report.junit import render_junit
from monitor.core.report.markdown import render_markdown
from monitor.core.report.model import REPORT_VERSION, DriftReport, SnapshotInfo
from monitor.core.report.sarif import render_sarif
from monitor.core.report.terminal import render_terminal

FORMATS: Final = ("json", "markdown", "html", "junit", "sarif", "text")
_ALIASES: Final = {"md": "markdown", "xml": "junit", "terminal": "text"}


def render(report: DriftReport, fmt: str, history: Iterable[Mapping[str, Any]] | None = None) -> str:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`, or md / xml / terminal); ValueError otherwise."""
    match _ALIASES.get(fmt, fmt):
        case "json":
            return render_json(report)
        case "markdown":
            return render_markdown(report, history=history)
        case "html":
            return render_html(report, history=history)
        case "junit":
            return render_junit(report)
        case "sarif":
            return render_sarif(report)
        case "text":
            return render_terminal(report)
    raise ValueError(f"unknown report format {fmt!r} (use one of {', '.join(FORMATS)})")


__all__ = [
    "FORMATS",
    "REPORT_VERSION",
    "DriftReport",
    "SnapshotInfo",
    "render",
    "render_html",
    "render_index",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_sarif",
    "render_terminal",
]
