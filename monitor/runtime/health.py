"""Liveness for container orchestrators: a health file, and a small HTTP server for /healthz and /metrics.

The scheduler rewrites the health file (atomically) on every tick of its loop::

    {"status": "running", "pid": 7, "holder": "host:7:ab12cd", "started_at": 1764063012.1,
     "last_loop": 1764063130.4, "jobs": 12, "running": 2}

``gqlmon healthcheck`` reads it and exits 0 when ``status`` is ``running`` and ``last_loop`` is recent,
1 otherwise (missing file, ``stopping``/``stopped``, or a loop that stopped ticking: a wedged event loop
stops ticking too). The HTTP server answers the same question on ``GET /healthz`` (200 or 503) and serves
the Prometheus metrics on ``GET /metrics``; it is started only when a metrics port is configured.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final, TextIO

import anyio
from anyio.abc import SocketAttribute, SocketStream, TaskStatus

_MAX_REQUEST: Final = 8192


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


Route = Callable[[], tuple[int, str, str]]  # -> (status, content type, body)


async def serve_http(
    host: str,
    port: int,
    routes: dict[str, Route],
    *,
    task_status: TaskStatus[int] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``GET <path>`` for each route until cancelled; reports the bound port (0: pick a free one)."""
    listener = await anyio.create_tcp_listener(local_host=host, local_port=port, reuse_port=False)
    bound = int(listener.extra(SocketAttribute.local_port))  # noqa: S610 (anyio, not Django)

    async def handle(stream: SocketStream) -> None:
        async with stream:
            with anyio.move_on_after(5):
                await _answer(stream, routes)

    async with listener:
        task_status.started(bound)
        await listener.serve(handle)


async def _answer(stream: SocketStream, routes: dict[str, Route]) -> None:
    head = b""
    try:
        while b"\r\n\r\n" not in head and len(head) < _MAX_REQUEST:
            head += await stream.receive(4096)
    except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
        return
    parts = head.split(b"\r\n", 1)[0].split()
    method = parts[0].decode("latin-1") if parts else ""
    path = parts[1].decode("latin-1").split("?", 1)[0] if len(parts) > 1 else ""
    if method not in ("GET", "HEAD"):
        status, ctype, body = 405, "text/plain; charset=utf-8", "method not allowed\n"
    elif path in routes:
        status, ctype, body = routes[path]()
    else:
        status, ctype, body = 404, "text/plain; charset=utf-8", "not found\n"
    payload = body.encode()
    reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}.get(
        status, ""
    )
    header = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    try:
        await stream.send(header + (b"" if method == "HEAD" else payload))
    except (anyio.BrokenResourceError, OSError):
        return
