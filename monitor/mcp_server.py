"""Entry point kept for ``gqlmon mcp`` and embedders: the server lives in :mod:`monitor.mcp`."""

from monitor.mcp import GqlmonMCP, create_app, create_server, serve

__all__ = ["GqlmonMCP", "create_app", "create_server", "serve"]
