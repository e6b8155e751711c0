"""JSON rendering: the stored, versioned form of a report.

The layout is described by a JSON Schema shipped with gqlmon (``report.schema.json`` beside this module,
also returned by :func:`report_schema`): every field, its meaning, and the ``version`` that names the
layout. Fields are only added within a version; anything else bumps ``REPORT_VERSION``.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from monitor.core.changes import sort_changes
from monitor.core.report.model import DriftReport

SCHEMA_FILE = "report.schema.json"


def render_json(report: DriftReport) -> str:
    """``report.to_dict()`` and the acknowledged changes as indented JSON (non-ASCII kept as is; control
    characters escaped)."""
    document = {**report.to_dict(), "acknowledged": _acknowledged(report)}
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _acknowledged(report: DriftReport) -> list[dict[str, str]]:
    """The acknowledged changes of this run, worst first: id, type, coordinate, message and reason."""
    return [
        {
            "id": c.id,
            "type": c.type.value,
            "coordinate": c.coordinate,
            "message": c.message,
            "reason": report.acknowledged[c.id],
        }
        for c in sort_changes(report.changes)
        if c.id in report.acknowledged
    ]


@cache
def _schema_text() -> str:
    from importlib import resources  # only when asked: keeps importing the renderers cheap

    return resources.files("monitor.core.report").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """The JSON Schema of :func:`render_json`'s output (a fresh copy each call)."""
    data: dict[str, Any] = json.loads(_schema_text())
    return data
