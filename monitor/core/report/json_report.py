"""JSON rendering: the stored, versioned form of a report.

The layout is described by a JSON Schema shipped with gqlmon (``report.schema.json`` beside this module,
also returned by :func:`report_schema`): every field, its meaning, and the ``version`` that names the
layout. Fields are only added within a version; anything else bumps ``REPORT_VERSION``.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from monitor.core.report.model import DriftReport

SCHEMA_FILE = "report.schema.json"


def render_json(report: DriftReport) -> str:
    """``report.to_dict()`` as indented JSON (non-ASCII kept as is; control characters escaped)."""
    return json.dumps(report.to_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


@cache
def _schema_text() -> str:
    from importlib import resources  # only when asked: keeps importing the renderers cheap

    return resources.files("monitor.core.report").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def report_schema() -> dict[str, Any]:
    """The JSON Schema of :func:`render_json`'s output (a fresh copy each call)."""
    data: dict[str, Any] = json.loads(_schema_text())
    return data
