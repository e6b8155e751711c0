"""Liveness for container orchestrators: the health file, and the answer ``/healthz`` gives.

The scheduler rewrites the health file (atomically) on every tick of its loop::

    {"status": "running", "pid": 7, "holder": "host:7:ab12cd", "started_at": 1764063012.1,
     "last_loop": 1764063130.4, "jobs": 12, "running": 2}

``gqlmon healthcheck`` reads it and exits 0 when ``status`` is ``running`` and ``last_loop`` is recent,
1 otherwise (missing file, ``stopping``/``stopped``, or a loop that stopped ticking: a wedged event loop
stops ticking too). :mod:`monitor.runtime.http_server` answers the same question (:func:`assess`) on
``GET /healthz`` (200 or 503) and serves the Prometheus metrics on ``GET /metrics``; it is started only
when a metrics port is configured.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO


@dataclass(frozen=True, slots=True)
class HealthState:
    status: str  # running | stopping | stopped
    pid: int
    holder: str
    started_at: float
    last_loop: float
    jobs: int = 0
    running: int = 0


def write_health(path: Path, state: HealthState) -> None:
    """Replace the health file atomically (a reader never sees half a file)."""
    from monitor.support.atomic import write_atomic

    write_atomic(path, json.dumps(asdict(state)))


def assess(
    data: dict[str, Any] | HealthState | None, max_age: float, now: float | None = None
) -> tuple[bool, str]:
    """(healthy, one-line reason) for a health record."""
    if data is None:
        return False, "no health file: the scheduler is not running (or has not started yet)"
    record = asdict(data) if isinstance(data, HealthState) else data
    now = time.time() if now is None else now
    status = record.get("status")
    last = record.get("last_loop")
    if status != "running":
        return False, f"scheduler is {status}"
    if not isinstance(last, int | float):
        return False, "health file has no last_loop time"
    age = now - float(last)
    if age > max_age:
        return False, f"scheduler loop last ticked {age:.0f} s ago (more than {max_age:.0f} s)"
    return True, f"ok: {record.get('jobs', 0)} targets scheduled, {record.get('running', 0)} checks running"


def read_health(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def probe(path: Path, max_age: float, out: TextIO | None = None) -> int:
    """``gqlmon healthcheck``: print the reason, exit code 0 when healthy, 1 otherwise."""
    healthy, reason = assess(read_health(path), max_age)
    print(f"{'healthy' if healthy else 'unhealthy'}: {reason}", file=out or sys.stdout)
    return 0 if healthy else 1
