"""Reports: one :class:`DriftReport` per run, rendered for people and CI systems.

Every renderer reads only the model. Text from the API is escaped for each format (see
:mod:`monitor.core.report.view`).
"""

from __future__ import annotations

from monitor.core.report.json_report import render_json
from monitor.core.report.markdown import render_markdown
from monitor.core.report.model import REPORT_VERSION, DriftReport, SnapshotInfo

__all__ = [
    "REPORT_VERSION",
    "DriftReport",
    "SnapshotInfo",
    "render_json",
    "render_markdown",
]
