"""``gqlmon mcp``: what the monitor knows, served as MCP tools and resources.

Modules: :mod:`~monitor.mcp.server` (the server, tool and resource registration, :func:`serve`),
:mod:`~monitor.mcp.catalog` (settings, store, snapshots built once each), the tool implementations
(:mod:`~monitor.mcp.schema_tools`, :mod:`~monitor.mcp.history_tools`, :mod:`~monitor.mcp.operation_tools`,
:mod:`~monitor.mcp.guide`, :mod:`~monitor.mcp.execute_tools`, :mod:`~monitor.mcp.codegen_tools`),
:mod:`~monitor.mcp.saved_tools` (saved operations as tools of their own), :mod:`~monitor.core.contracts.document`
(checking a document, blaming a change), :mod:`~monitor.mcp.answers` (size budget, redaction),
:mod:`~monitor.mcp.notify` (resource-updated and tool-list notifications) and :mod:`~monitor.mcp.transport`
(streamable HTTP, bearer token).

Importing this package imports the ``mcp`` SDK (about half a second): the CLI imports it lazily.

The MCP server imports every layer below it (core, settings, support, adapters, runtime, codegen, live);
only the CLI imports it (``gqlmon mcp``).
"""

from monitor.mcp.server import GqlmonMCP, create_app, create_server, serve

__all__ = ["GqlmonMCP", "create_app", "create_server", "serve"]
