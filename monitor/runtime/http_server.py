"""``/healthz`` and ``/metrics`` of ``gqlmon run``: a Starlette application served by uvicorn.

Imported only when a metrics port is configured (uvicorn and Starlette stay out of every other command).
:func:`listen` binds the socket before the scheduler starts anything, so a busy port is a one-line
:class:`~monitor.errors.ConfigError`; :func:`serve_http` then runs uvicorn on that socket inside the
scheduler's task group, in the same event loop:

* ``GET`` and ``HEAD`` on each route's path (``HEAD``: the same status and headers, no body); any other
  method on it is 405 with an ``Allow`` header, any other path 404.
* uvicorn installs no signal handlers (SIGTERM and SIGINT are the scheduler's), writes no access log and
  configures no logging of its own: its warnings and errors reach the root logger, so they come out as
  the scheduler's structured lines.
* Cancelling the task stops the server: it stops accepting, closes the socket, and gives requests in
  flight :data:`SHUTDOWN_GRACE` seconds.
"""

from __future__ import annotations

import contextlib
import errno
import socket
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Final

import anyio
import uvicorn
from anyio.abc import TaskStatus
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as Endpoint

from monitor.errors import ConfigError
from monitor.support.sockets import listening_socket

Route = Callable[[], tuple[int, str, str]]  # -> (status, content type, body)

#: Seconds requests in flight get to finish once the server is asked to stop.
SHUTDOWN_GRACE: Final = 5


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0: a free port); ConfigError, naming the address, when refused."""
    try:
        return listening_socket(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            advice = (
                "the port is in use: stop what listens there, or set another metrics_port in monitor.toml"
            )
        else:
            advice = f"{exc.strerror or exc}: check metrics_host and metrics_port in monitor.toml"
        raise ConfigError(f"cannot serve /metrics and /healthz on {host}:{port}: {advice}") from exc


def http_app(routes: Mapping[str, Route]) -> Starlette:
    """``GET`` (and so ``HEAD``) on each route's path; 404 for other paths, 405 for other methods."""

    def endpoint(route: Route) -> Callable[[Request], Awaitable[Response]]:
        async def answer(request: Request) -> Response:
            status, content_type, body = route()
            return Response(body, status_code=status, media_type=content_type)

        return answer

    return Starlette(
        routes=[Endpoint(path, endpoint(route), methods=["GET"]) for path, route in routes.items()]
    )


class _EmbeddedServer(uvicorn.Server):
    """uvicorn in the caller's event loop: signals stay the caller's to handle."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_http(
    sock: socket.socket,
    routes: Mapping[str, Route],
    *,
    task_status: TaskStatus[int] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``routes`` on the listening ``sock`` until cancelled; reports its port (already accepting)."""
    config = uvicorn.Config(
        http_app(routes),
        lifespan="off",
        ws="none",
        log_config=None,  # no handlers of uvicorn's own: its records go to the root logger
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )
    server = _EmbeddedServer(config)

    async def run() -> None:
        # Shielded: cancellation reaches uvicorn as should_exit, so its shutdown runs to the end.
        with anyio.CancelScope(shield=True):
            await server.serve(sockets=[sock])

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        task_status.started(int(sock.getsockname()[1]))
        try:
            await anyio.sleep_forever()
        finally:
            server.should_exit = True
