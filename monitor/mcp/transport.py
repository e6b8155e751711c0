"""Streamable HTTP for ``gqlmon mcp --http``: a loopback default, and a bearer token everywhere else.

:func:`serve_http` binds the socket itself before starting uvicorn, so the address it prints on stderr
already accepts connections (``--port 0`` picks a free port and prints it). Binding to anything but a
loopback address without a token is refused. With a token, :class:`BearerGuard` checks
``Authorization: Bearer <token>`` on every HTTP request (constant-time comparison) before the MCP
application sees it.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import socket
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from mcp.server.mcpserver import MCPServer

from monitor.errors import ConfigError
from monitor.support.sockets import listening_socket

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MCP_PATH = "/mcp"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BearerGuard:
    """ASGI middleware: every HTTP request must carry ``Authorization: Bearer <token>``."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self._app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        scheme, _, value = headers.get(b"authorization", b"").partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(value.strip(), self._token):
            await self._app(scope, receive, send)
            return
        if scope["type"] != "http":
            return  # websockets are not served; closing without accepting refuses them
        body = json.dumps(
            {"error": "unauthorized", "detail": "send Authorization: Bearer <MONITOR_MCP_TOKEN>"}
        )
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b'Bearer realm="gqlmon"'),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body.encode()})


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0: a free port); ConfigError when it cannot be had."""
    try:
        return listening_socket(host, port)
    except OSError as exc:
        raise ConfigError(f"gqlmon mcp: cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def http_app(server: MCPServer[Any], host: str, token: str | None) -> ASGIApp:
    """The MCP streamable HTTP application, behind the bearer guard when a token is set."""
    if not token and not is_loopback(host):
        raise ConfigError(
            f"gqlmon mcp: binding to {host} (not loopback) needs a bearer token: set MONITOR_MCP_TOKEN, "
            "or use --host 127.0.0.1"
        )
    app: ASGIApp = server.streamable_http_app(streamable_http_path=MCP_PATH, host=host)
    return BearerGuard(app, token) if token else app


async def serve_http(server: MCPServer[Any], host: str, port: int, token: str | None) -> None:
    """Serve streamable HTTP at ``http://host:port/mcp`` until cancelled."""
    import uvicorn

    app = http_app(server, host, token)
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    auth = "bearer token required" if token else "no token (loopback only)"
    print(
        f"gqlmon mcp: streamable HTTP on http://{shown}:{bound}{MCP_PATH} ({auth})",
        file=sys.stderr,
        flush=True,
    )
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False, ws="none")
    await uvicorn.Server(config).serve(sockets=[sock])
