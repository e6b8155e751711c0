"""Run the demo API with uvicorn, and switch a running one over HTTP.

:func:`serve` binds the listening socket itself before starting uvicorn, so the address it prints is
already accepting connections (``--port 0`` picks a free port and prints it), and a port in use is a clean
one-line error instead of a traceback from the server thread.
"""

from __future__ import annotations

import socket
import sys
from typing import IO, Any

from monitor.demo.app import create_app
from monitor.demo.schemas import check_version
from monitor.errors import MonitorError
from monitor.support.sockets import listening_socket

#: Where ``python -m monitor.demo serve`` listens unless told otherwise.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8790


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0: a free one); :class:`MonitorError` if taken."""
    try:
        return listening_socket(host, port)
    except OSError as exc:
        raise MonitorError(f"demo API: cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def base_url(host: str, port: int) -> str:
    """``http://host:port`` with IPv6 literals bracketed."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    version: str = "v1",
    mode: str = "healthy",
    require_token: bool = False,
    log_level: str = "warning",
    out: IO[str] | None = None,
) -> None:
    """Serve the demo API until interrupted, after printing ``demo API on <url>/graphql (schema <v>)``."""
    import uvicorn  # only the serve path pays for uvicorn

    try:
        app = create_app(version, mode, require_token)
    except ValueError as exc:
        raise MonitorError(f"demo API: {exc}") from exc
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    print(
        f"demo API on {base_url(host, bound_port)}/graphql (schema {version})",
        file=out or sys.stdout,
        flush=True,
    )
    config = uvicorn.Config(
        app, host=host, port=bound_port, log_level=log_level, lifespan="on", ws="none", loop="asyncio"
    )
    uvicorn.Server(config).run(sockets=[sock])


def switch(
    url: str,
    version: str | None = None,
    *,
    mode: str | None = None,
    require_token: bool | None = None,
    timeout: float = 5.0,
) -> dict[str, Any]:
    """Switch a running demo API at ``url`` (its base or its ``/graphql`` URL); returns its new state."""
    import httpx  # keep ``import monitor.demo`` light

    if version is not None:
        try:
            check_version(version)
        except ValueError as exc:
            raise MonitorError(f"demo API: {exc}") from exc
    payload: dict[str, Any] = {"version": version, "mode": mode, "requireToken": require_token}
    payload = {key: value for key, value in payload.items() if value is not None}
    base = url.rstrip("/").removesuffix("/graphql")
    control = f"{base}/_demo/version"
    try:
        response = httpx.post(control, json=payload, timeout=timeout)
    except httpx.HTTPError as exc:
        raise MonitorError(f"demo API: cannot reach {control}: {exc}") from exc
    if response.status_code != 200:
        raise MonitorError(f"demo API: HTTP {response.status_code} from {control}: {response.text[:200]}")
    state: dict[str, Any] = response.json()
    return state
