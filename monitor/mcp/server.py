"""The gqlmon MCP server: tools and resources over the store, served on stdio or streamable HTTP.

:func:`create_app` wires a :class:`~monitor.mcp.catalog.Catalog` (settings, store, cached snapshots) to
an ``MCPServer``; :func:`create_server` returns just the ``MCPServer`` (what tests and embedders connect a
client to); :func:`serve` is what ``gqlmon mcp`` runs.

Every tool except execute_query is read-only and says so in its annotations. Parameters are plain JSON
schema (strings, integers, enums, arrays of strings; ``variables`` also as a JSON string), with no
``$ref``, so strict clients accept them. Failures a caller can fix (an unknown target, a bad snapshot id, a
refused mutation) come back as tool errors with one line saying what to do; no answer and no error ever
holds a secret.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import anyio
import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.mcpserver.resources import FunctionResource
from mcp.server.subscriptions import InMemorySubscriptionBus
from mcp_types import CallToolResult, SubscribeRequestParams, ToolAnnotations, UnsubscribeRequestParams
from pydantic import Field, SecretStr

from monitor import __version__
from monitor.adapters.store import Store
from monitor.core.search import Scope
from monitor.errors import ConfigError, MonitorError
from monitor.mcp import codegen_tools, guide, history_tools, operation_tools, schema_tools
from monitor.mcp.answers import DEFAULT_MAX_CHARS, result, tool_errors
from monitor.mcp.catalog import Catalog, envelope
from monitor.mcp.codegen_tools import ClientAnswer
from monitor.mcp.execute_tools import LiveClient, LiveLimits
from monitor.mcp.guide import is_secret_header
from monitor.mcp.models import (
    AuthGuide,
    ChangesAnswer,
    ContractsAnswer,
    ExecuteAnswer,
    HistoryAnswer,
    OperationsAnswer,
    ReportAnswer,
    SchemaAnswer,
    SearchAnswer,
    TargetList,
    TypeAnswer,
    ValidationAnswer,
)
from monitor.mcp.notify import Notifier, StoreWatcher, report_uri, schema_uri
from monitor.mcp.saved_tools import SavedOperationTools
from monitor.settings.envrefs import UnsetSecret, require_env
from monitor.settings.models import Settings
from monitor.support.redact import redact, register_secret

log = logging.getLogger("monitor.mcp")

INSTRUCTIONS = """gqlmon monitors GraphQL APIs for schema drift. Start with list_targets. To find your way
around a schema use search_schema (ranked, with paths from the root), then get_type and list_operations;
get_schema(format='summary') lists every type. get_drift_report and schema_changes say what changed and
when; coordinate_history follows one type, field or argument. validate_operation checks a query you write
(and names the schema change that broke it); execute_query runs a read-only query live; generate_client
writes typed Python or TypeScript client code for valid operations. Large answers are cut to fit and say
how to ask for the rest."""

TargetArg = Annotated[str, Field(description="A name from list_targets.")]
SnapshotArg = Annotated[str, Field(description="latest, previous or a snapshot id (hex prefix).")]
OffsetArg = Annotated[int, Field(ge=0, description="Skip this many items (paging).")]
VariablesArg = Annotated[
    dict[str, Any] | str | None,
    Field(description="Variables: a JSON object, or one as a JSON string."),
]

_READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)


@dataclass
class GqlmonMCP:
    """The server and what it is built from; ``watcher.check_now()`` pushes notifications at once."""

    server: MCPServer[Any]
    catalog: Catalog
    notifier: Notifier
    watcher: StoreWatcher
    live: LiveClient
    saved: SavedOperationTools | None = None  # the opted-in targets' saved operations as tools

    async def snapshot_stored(self) -> list[str]:
        """Call after storing a run in this process: notifies subscribers now instead of at the next poll."""
        return await self.watcher.check_now()


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    max_answer_chars: int = DEFAULT_MAX_CHARS,
    poll_interval: float = 5.0,
    live_limits: LiveLimits | None = None,
    prewarm: bool = True,
) -> GqlmonMCP:
    """Build the MCP server for ``settings`` (the store is opened on first use unless given).

    With ``prewarm``, starting the server loads the configured targets' latest snapshots and builds their
    search indexes in a worker thread, so an assistant's first question is answered at once.
    """
    _register_secrets(settings)
    catalog = Catalog(settings, store)
    bus = InMemorySubscriptionBus()
    notifier = Notifier(bus)
    watcher = StoreWatcher(catalog.watch_state, notifier, poll_interval)
    live = LiveClient(live_limits or LiveLimits())

    async def warm_up() -> None:
        try:
            await anyio.to_thread.run_sync(catalog.prewarm, abandon_on_cancel=True)
        except Exception:  # a warm-up is an optimisation; the tools report real problems when asked
            log.debug("prewarming the catalog failed", exc_info=True)

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[dict[str, Any]]:
        async with anyio.create_task_group() as group:
            if not watcher.running:
                group.start_soon(watcher.run)
            if prewarm:
                group.start_soon(warm_up)
            if app.saved is not None:
                group.start_soon(app.saved.run)
            try:
                yield {}
            finally:
                group.cancel_scope.cancel()

    server: MCPServer[Any] = MCPServer(
        "gqlmon",
        title="gqlmon: GraphQL schema drift monitor",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
        lifespan=lifespan,
        subscriptions=bus,
    )
    app = GqlmonMCP(server, catalog, notifier, watcher, live)
    if any(t.mcp.expose_operations for t in settings.targets):
        app.saved = SavedOperationTools(
            server, catalog, notifier, live, max_chars=max_answer_chars, interval=poll_interval
        )
    _register_tools(app, max_answer_chars)
    _register_resources(app)
    _compact_listing(server)
    # MCPServer serves subscriptions/listen (2026 clients) itself; handshake-era clients subscribe with
    # resources/subscribe, which it has no public hook for, so it is added on the low-level server.
    lowlevel = server._lowlevel_server
    lowlevel.add_request_handler("resources/subscribe", SubscribeRequestParams, notifier.subscribe)
    lowlevel.add_request_handler("resources/unsubscribe", UnsubscribeRequestParams, notifier.unsubscribe)
    return app


def _compact_listing(server: MCPServer[Any]) -> None:
    """Make tools/list small, since every assistant session pays for it: no output schemas (they were three
    quarters of the listing; answers still come as structured content and the same JSON text, and the
    annotations keep naming each answer's model), descriptions on one line (docstrings keep their indentation
    otherwise) and no generated ``title`` on parameters (their names say it)."""
    for tool in server._tool_manager.list_tools():
        tool.fn_metadata.output_schema = None
        tool.fn_metadata.output_model = None
        tool.description = " ".join(tool.description.split())
        tool.parameters.pop("title", None)
        for spec in tool.parameters.get("properties", {}).values():
            spec.pop("title", None)


def create_server(settings: Settings, **options: Any) -> MCPServer[Any]:
    """The ``MCPServer`` alone (see :func:`create_app` for the options)."""
    return create_app(settings, **options).server


def _register_secrets(settings: Settings) -> None:
    """Register every configured secret with the redactor, even for settings not built by load_settings."""
    register_secret(_secret_text(getattr(settings, "mcp_token", None)))
    for target in settings.targets:
        for header, value in target.headers.items():
            if is_secret_header(header):  # a User-Agent must not mask its value in every answer
                register_secret(_secret_text(value))
        for name in type(target.auth).model_fields:
            register_secret(
                _secret_text(value) if isinstance(value := getattr(target.auth, name), SecretStr) else None
            )


def _secret_text(value: object) -> str | None:
    """The text of a SecretStr (or a plain string); ``None`` for nothing and for a secret whose
    environment variable is not set (the server starts without it; the tool that sends it says so)."""
    if isinstance(value, UnsetSecret):
        return None
    if isinstance(value, SecretStr):
        return value.get_secret_value() or None
    return str(value) if value else None


# ------------------------------------------------------------------------------------------- tools


def _register_tools(app: GqlmonMCP, cap: int) -> None:
    server, catalog = app.server, app.catalog

    @server.tool(title="List monitored APIs", annotations=_READ_ONLY)
    def list_targets() -> Annotated[CallToolResult, TargetList]:
        """Start here: the monitored APIs (the target names), auth kind, latest snapshot, last check, open breaking and
        dangerous changes."""
        with tool_errors():
            answer = history_tools.list_targets(catalog)
            return result(app.saved.annotate(answer) if app.saved is not None else answer)

    @server.tool(title="Get a schema", annotations=_READ_ONLY)
    def get_schema(
        target: TargetArg,
        snapshot: SnapshotArg = "latest",
        format: Annotated[
            Literal["summary", "sdl"],
            Field(description="summary: every type in one line; sdl: SDL."),
        ] = "summary",
        types: Annotated[
            list[str],
            Field(description="Only these types; empty for all."),
        ] = [],  # noqa: B006 - copied by pydantic, never mutated
        offset: OffsetArg = 0,
    ) -> Annotated[CallToolResult, SchemaAnswer]:
        """Use to skim a whole API: summary (root operations, each type in one line) or sdl (all, or types=[...]);
        paged with offset."""
        with tool_errors():
            return result(
                schema_tools.get_schema(catalog, target, snapshot, format, tuple(types), offset, cap)
            )

    @server.tool(title="Search a schema", annotations=_READ_ONLY)
    def search_schema(
        target: TargetArg,
        query: Annotated[str, Field(description="A few words, e.g. 'stack runs' or 'worker pool'.")],
        scope: Annotated[
            Scope, Field(description="all, or only queries / mutations / subscriptions / types / fields.")
        ] = "all",
        limit: Annotated[int, Field(ge=1, le=50, description="How many hits.")] = 10,
    ) -> Annotated[CallToolResult, SearchAnswer]:
        """Use first to find the field, mutation, argument or type for a task ('merge a pull request'): ranked hits
        with their path from a root, signature and description."""
        with tool_errors():
            return result(schema_tools.search_schema(catalog, target, query, scope, limit, cap))

    @server.tool(title="Get a type", annotations=_READ_ONLY)
    def get_type(
        target: TargetArg,
        name: Annotated[str, Field(description="A type name, e.g. Repository.")],
        depth: Annotated[int, Field(ge=1, le=4, description="2 or more: also the types it references.")] = 1,
        fields: Annotated[
            list[str], Field(description="Only these members, in full (all descriptions and arguments).")
        ] = [],  # noqa: B006 - copied by pydantic, never mutated
        offset: OffsetArg = 0,
    ) -> Annotated[CallToolResult, TypeAnswer]:
        """Use before writing code against a type: compact SDL, a member a line. Members that do not fit are listed in
        omitted_members: page with offset, or fields=[...] for details."""
        with tool_errors():
            return result(schema_tools.get_type(catalog, target, name, depth, cap, tuple(fields), offset))

    @server.tool(title="List root operations", annotations=_READ_ONLY)
    def list_operations(
        target: TargetArg,
        root: Annotated[
            Literal["query", "mutation", "subscription"], Field(description="Which root.")
        ] = "query",
        offset: OffsetArg = 0,
    ) -> Annotated[CallToolResult, OperationsAnswer]:
        """Use to see every query, mutation or subscription a client can send, with signatures and descriptions."""
        with tool_errors():
            return result(schema_tools.list_operations(catalog, target, root, offset, cap))

    @server.tool(title="Get a drift report", annotations=_READ_ONLY)
    def get_drift_report(
        target: TargetArg,
        run: Annotated[str, Field(description="'latest' or a run id (prefix).")] = "latest",
    ) -> Annotated[CallToolResult, ReportAnswer]:
        """Use to see what one check found: summary, changes worst first, broken saved operations, deprecations."""
        with tool_errors():
            return result(history_tools.get_drift_report(catalog, target, run, cap))

    @server.tool(title="List schema changes", annotations=_READ_ONLY)
    def schema_changes(
        target: TargetArg,
        since: Annotated[
            str,
            Field(
                description="baseline, a run id, a snapshot id, a date (2026-01-31) or a duration (7d, 12h)."
            ),
        ],
        criticality: Annotated[
            Literal["breaking", "dangerous", "safe"] | None,
            Field(description="Only changes this bad or worse."),
        ] = None,
        path_prefix: Annotated[
            str | None, Field(description="Only paths starting with this, e.g. Repository or Query.user.")
        ] = None,
        change_type: Annotated[
            str | None, Field(description="Only this kind (or prefix), e.g. FIELD_REMOVED or ENUM_.")
        ] = None,
        offset: OffsetArg = 0,
    ) -> Annotated[CallToolResult, ChangesAnswer]:
        """Use to fix code after an API update. First page: saved operations that break, breaking changes by kind,
        counts; then the changes worst first, each page naming the next."""
        with tool_errors():
            return result(
                history_tools.schema_changes(
                    catalog, target, since, criticality, path_prefix, cap, change_type, offset
                )
            )

    @server.tool(title="History of a coordinate", annotations=_READ_ONLY)
    def coordinate_history(
        target: TargetArg,
        coordinate: Annotated[
            str,
            Field(description="Type, Type.field, Type.field(arg:), Enum.VALUE, Input.field or @directive."),
        ],
    ) -> Annotated[CallToolResult, HistoryAnswer]:
        """Use when one type, field, argument or enum value misbehaves: when it appeared, was deprecated, changed or
        removed, and what it is now."""
        with tool_errors():
            return result(history_tools.coordinate_history(catalog, target, coordinate, cap))

    @server.tool(title="Validate an operation", annotations=_READ_ONLY)
    def validate_operation(
        target: TargetArg,
        document: Annotated[str, Field(description="A GraphQL document (operations and fragments).")],
        variables: VariablesArg = None,
        snapshot: SnapshotArg = "latest",
    ) -> Annotated[CallToolResult, ValidationAnswer]:
        """Use on every GraphQL document you write: errors with locations, deprecated elements used, the schema change
        behind each error."""
        with tool_errors():
            return result(
                operation_tools.validate_operation(catalog, target, document, variables, snapshot, cap)
            )

    @server.tool(title="Check saved operations", annotations=_READ_ONLY)
    def check_contracts(target: TargetArg) -> Annotated[CallToolResult, ContractsAnswer]:
        """Use to check the saved operations (contracts directory) at the latest schema: valid, broken (and why) or
        deprecated."""
        with tool_errors():
            return result(operation_tools.check_contracts(catalog, target, cap))

    @server.tool(title="How to authenticate", annotations=_READ_ONLY)
    def get_authentication_guide(
        target: TargetArg,
        method: Annotated[
            Literal["none", "bearer", "github", "api_key_exchange", "oidc", "command"] | None,
            Field(description="Describe this method instead of the target's configured one."),
        ] = None,
    ) -> Annotated[CallToolResult, AuthGuide]:
        """Use before calling the API from code: headers, token exchange and refresh, Python and TypeScript examples
        (secrets only as environment variable names)."""
        with tool_errors():
            config = catalog.configured(target)
            snap = catalog.store.latest_snapshot(config.name) if catalog.has_store() else None
            return result(guide.authentication_guide(config, method, envelope(config.name, snap)))

    @server.tool(title="Generate a typed client", annotations=_READ_ONLY)
    def generate_client(
        target: TargetArg,
        document: Annotated[
            str | None,
            Field(
                description="Operations and the fragments they use; default: the target's saved operations."
            ),
        ] = None,
        operations: Annotated[
            list[str], Field(description="Only these operations (by name); empty for all of them.")
        ] = [],  # noqa: B006 - copied by pydantic, never mutated
        language: Annotated[
            Literal["python", "typescript"],
            Field(description="python: httpx + pydantic models; typescript: fetch + types."),
        ] = "python",
        snapshot: SnapshotArg = "latest",
    ) -> Annotated[CallToolResult, ClientAnswer]:
        """Use to write code that calls the API: typed client code for operations valid against a stored
        schema, one function per operation, exact result and input types, the target's authentication
        (credentials from environment variables), typed errors, retries. Invalid operations are refused."""
        with tool_errors():
            return result(
                codegen_tools.generate_client(catalog, target, document, operations, language, snapshot)
            )

    mutations = any(t.allow_mutations for t in catalog.settings.targets)
    live_annotations = ToolAnnotations(
        read_only_hint=not mutations, destructive_hint=mutations, idempotent_hint=False, open_world_hint=True
    )

    @server.tool(title="Run a live query", annotations=live_annotations)
    async def execute_query(
        target: TargetArg,
        query: Annotated[str, Field(description="One GraphQL query operation.")],
        variables: VariablesArg = None,
    ) -> Annotated[CallToolResult, ExecuteAnswer]:
        """Use to try a query on the live API with the target's auth: validated first, mutations refused unless
        allowed, depth, time and size limited."""
        with tool_errors():
            return result(await app.live.execute(catalog, target, query, variables, cap))


# ------------------------------------------------------------------------------------------- resources


def _register_resources(app: GqlmonMCP) -> None:
    server, catalog = app.server, app.catalog

    def sdl(target: str, snapshot: str) -> str:
        try:
            _, loaded = catalog.snapshot(target, snapshot)
        except ConfigError as exc:
            raise ResourceNotFoundError(redact(str(exc))) from None
        except MonitorError as exc:
            raise ResourceError(redact(str(exc))) from None
        return "\n\n".join(chunk.sdl for chunk in loaded.chunks) + "\n"

    def report(target: str) -> str:
        try:
            record = catalog.store.get_run(catalog.target(target), "latest")
        except ConfigError as exc:
            raise ResourceNotFoundError(redact(str(exc))) from None
        except MonitorError as exc:
            raise ResourceError(redact(str(exc))) from None
        return redact(json.dumps(record.report or {}, indent=2))

    @server.resource(
        "schema://{target}/latest",
        name="latest-schema",
        title="Latest schema (SDL)",
        description="The target's latest stored schema as SDL.",
        mime_type="application/graphql",
    )
    def latest_schema(target: str) -> str:
        return sdl(target, "latest")

    @server.resource(
        "schema://{target}/{snapshot}",
        name="schema-snapshot",
        title="Schema snapshot (SDL)",
        description="One stored schema of the target (snapshot id prefix, 'latest' or 'previous') as SDL.",
        mime_type="application/graphql",
    )
    def schema_snapshot(target: str, snapshot: str) -> str:
        return sdl(target, snapshot)

    @server.resource(
        "report://{target}/latest",
        name="latest-report",
        title="Latest drift report (JSON)",
        description="The report of the target's latest check.",
        mime_type="application/json",
    )
    def latest_report(target: str) -> str:
        return report(target)

    for target in catalog.settings.targets:
        name = target.name
        server.add_resource(
            FunctionResource.from_function(
                fn=lambda name=name: sdl(name, "latest"),
                uri=schema_uri(name),
                name=f"{name}-schema",
                title=f"{name}: latest schema",
                description=f"The latest stored schema of {name} as SDL (updates are notified).",
                mime_type="application/graphql",
            )
        )
        server.add_resource(
            FunctionResource.from_function(
                fn=lambda name=name: report(name),
                uri=report_uri(name),
                name=f"{name}-report",
                title=f"{name}: latest report",
                description=f"The report of {name}'s latest check (updates are notified).",
                mime_type="application/json",
            )
        )


# ------------------------------------------------------------------------------------------- serving


def serve(settings: Settings, *, http: bool = False, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Run the server until interrupted: stdio by default, streamable HTTP with ``http``.

    Binding HTTP to anything but loopback needs a bearer token (``MONITOR_MCP_TOKEN``), checked on every
    request; a token, when configured, is required on loopback too.
    """
    from monitor.mcp.transport import serve_http

    if http:  # the token guards the HTTP endpoint: an unset variable must not serve it unguarded
        require_env(getattr(settings, "mcp_token", None))
    token = _secret_text(getattr(settings, "mcp_token", None))
    app = create_app(settings)
    try:
        if http:
            anyio.run(serve_http, app.server, host, port, token or None)
        else:
            anyio.run(app.server.run_stdio_async)
    except KeyboardInterrupt:
        print("gqlmon mcp: stopped", file=sys.stderr)
    finally:
        app.catalog.close()
