"""JSON rendering: the stored, versioned form of a report (layout in ``report.schema.json``)."""

from __future__ import annotations

import json

from monitor.core.report.model import DriftReport


def render_json(report: DriftReport) -> str:
    """``report.to_dict()`` as indented JSON; the ``version`` field names the layout."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
