"""The demo GraphQL API as an ASGI application.

Routes::

    POST /graphql              GraphQL over HTTP: JSON {"query", "variables", "operationName"}
    GET  /graphql?query=...    the same for queries (mutations over GET answer 405)
    GET  /_demo/version        {"version", "mode", "requireToken", "versions", "modes"}
    POST /_demo/version        switch live: JSON with any of "version", "mode", "requireToken"
    POST /_demo/reset          back to the sample data and the version/mode/token setting it started with
    GET  /_demo/schema.graphql the SDL of the schema version being served

Status codes follow common server practice: 400 for a request that cannot run (bad JSON, syntax or
validation errors), 200 once execution starts (field errors included), 401 in ``require_token`` mode
without a valid ``Authorization: Bearer <jwt>`` (only the ``apiKeyUser`` mutation is let through), and 500
when a resolver crashes, which only the misbehaving mode makes happen (see :data:`~monitor.demo.FAULTS`).
The control routes under ``/_demo/`` never need a token.

In misbehaving mode, a document that also asks for ``__schema`` / ``__type`` runs against the published
schema, so introspection stays truthful; its data fields then get graphql-core's null-propagation errors
instead of the raw faulty values.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationType,
    Visitor,
    execute,
    get_operation_ast,
    parse,
    validate,
    visit,
)

from monitor.demo.asgi import ASGIApp, BodyTooLarge, Receive, Request, Response, Scope, Send, lifespan
from monitor.demo.auth import TokenIssuer
from monitor.demo.resolvers import (
    MODES,
    InternalFault,
    Mode,
    RequestContext,
    check_mode,
    field_resolver,
    type_resolver,
)
from monitor.demo.sample import sample_store
from monitor.demo.schemas import VERSIONS, Version, build_demo_schema, check_version, schema_sdl

__all__ = ["DemoApp", "create_app"]

logger = logging.getLogger(__name__)

_UNAUTHORIZED = {
    "message": "Unauthorized: send `Authorization: Bearer <jwt>`; get a token from `Mutation.apiKeyUser`.",
    "extensions": {"code": "UNAUTHENTICATED"},
}


def create_app(
    version: str = "v1", mode: str = "healthy", require_token: bool = False, *, token_ttl: int = 3600
) -> ASGIApp:
    """A fresh demo API (its own copy of the sample data) serving schema ``version`` in ``mode``.

    ``require_token`` makes ``/graphql`` answer 401 without a bearer token from ``Mutation.apiKeyUser``;
    ``token_ttl`` is the lifetime of those tokens in seconds. ``ValueError`` for an unknown version or mode.
    """
    return DemoApp(version=version, mode=mode, require_token=require_token, token_ttl=token_ttl)


class DemoApp:
    """The demo API; its schema version, mode and token requirement can change while it serves."""

    def __init__(
        self,
        *,
        version: str = "v1",
        mode: str = "healthy",
        require_token: bool = False,
        token_ttl: int = 3600,
    ) -> None:
        self.version: Version = check_version(version)
        self.mode: Mode = check_mode(mode)
        self.require_token = require_token
        self.store = sample_store()
        self.issuer = TokenIssuer(ttl=token_ttl)
        self._initial = (self.version, self.mode, require_token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point."""
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets are not served
            return
        try:
            request = await Request.read(scope, receive)
        except BodyTooLarge as exc:
            await _error(413, str(exc)).send(send)
            return
        await self.handle(request).send(send)

    def handle(self, request: Request) -> Response:
        """Answer one request."""
        if request.path == "/graphql":
            return self._graphql(request)
        if request.path == "/_demo/version":
            return self._control(request)
        if request.path == "/_demo/reset" and request.method == "POST":
            self.reset()
            return Response.json(self.state())
        if request.path == "/_demo/schema.graphql" and request.method == "GET":
            return Response.text(schema_sdl(self.version))
        if request.path == "/" and request.method == "GET":
            return Response.json({"graphql": "/graphql", "control": "/_demo/version", **self.state()})
        return _error(404, f"no route for {request.method} {request.path}")

    def state(self) -> dict[str, Any]:
        """What ``GET /_demo/version`` reports."""
        return {
            "version": self.version,
            "mode": self.mode,
            "requireToken": self.require_token,
            "versions": list(VERSIONS),
            "modes": list(MODES),
        }

    def switch(
        self, *, version: str | None = None, mode: str | None = None, require_token: bool | None = None
    ) -> None:
        """Change what the API serves from the next request on; ``ValueError`` for unknown values."""
        new_version = self.version if version is None else check_version(version)
        new_mode = self.mode if mode is None else check_mode(mode)
        self.version, self.mode = new_version, new_mode
        if require_token is not None:
            self.require_token = require_token
        logger.info("demo API now serves schema %s (%s)", self.version, self.mode)

    def reset(self) -> None:
        """Restore the sample data and the version, mode and token requirement the app was created with."""
        self.version, self.mode, self.require_token = self._initial
        self.store = sample_store()

    # Control -------------------------------------------------------------------------------------------

    def _control(self, request: Request) -> Response:
        if request.method == "GET":
            return Response.json(self.state())
        if request.method != "POST":
            return _error(405, "use GET or POST", {"allow": "GET, POST"})
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return _error(400, "the body must be a JSON object")
        if not isinstance(payload, dict) or not payload.keys() <= {"version", "mode", "requireToken"}:
            return _error(400, 'expected a JSON object with any of "version", "mode", "requireToken"')
        version, mode, require_token = (
            payload.get("version"),
            payload.get("mode"),
            payload.get("requireToken"),
        )
        if not all(isinstance(value, str | None) for value in (version, mode)) or not isinstance(
            require_token, bool | None
        ):
            return _error(400, '"version" and "mode" must be strings, "requireToken" a boolean')
        try:
            self.switch(version=version, mode=mode, require_token=require_token)
        except ValueError as exc:
            return _error(400, str(exc))
        return Response.json(self.state())

    # GraphQL -------------------------------------------------------------------------------------------

    def _graphql(self, request: Request) -> Response:
        if request.method not in {"GET", "POST"}:
            return _error(405, "use POST (or GET for queries)", {"allow": "GET, POST"})
        params = _graphql_params(request)
        if isinstance(params, Response):
            return params
        query, variables, operation_name = params
        viewer_id = self.issuer.bearer(request.headers.get("authorization"))
        try:
            document = parse(query)
        except GraphQLError as exc:
            if self.require_token and viewer_id is None:
                return _unauthorized()
            return Response.json({"errors": [exc.formatted]}, 400)
        if self.require_token and viewer_id is None and not _is_key_exchange(document, operation_name):
            return _unauthorized()
        schema = build_demo_schema(self.version)
        errors = validate(schema, document)
        if errors:
            return Response.json({"errors": [error.formatted for error in errors]}, 400)
        operation = get_operation_ast(document, operation_name)
        if request.method == "GET" and operation is not None and operation.operation != OperationType.QUERY:
            return _error(405, f"{operation.operation.value}s need POST", {"allow": "POST"})
        if self.mode == "misbehaving" and not _introspects(document):
            schema = build_demo_schema(self.version, lax=True)
        result = execute(
            schema,
            document,
            context_value=RequestContext(self.store, self.issuer, self.mode, viewer_id),
            variable_values=variables,
            operation_name=operation_name,
            field_resolver=field_resolver,
            type_resolver=type_resolver,
        )
        assert isinstance(result, ExecutionResult)  # every resolver is synchronous
        if any(isinstance(error.original_error, InternalFault) for error in result.errors or ()):
            return Response.text("Internal Server Error", 500)
        return Response.json(result.formatted)


def _graphql_params(request: Request) -> tuple[str, dict[str, Any] | None, str | None] | Response:
    """Query, variables and operation name of a GraphQL-over-HTTP request, or the 4xx answer."""
    if request.method == "GET":
        raw: dict[str, Any] = dict(request.query)
        if "variables" in raw:
            try:
                raw["variables"] = json.loads(raw["variables"])
            except ValueError:
                return _error(400, "`variables` must be a JSON object")
    else:
        if request.media_type != "application/json":
            return _error(415, "send the GraphQL request as application/json")
        try:
            raw = json.loads(request.body)
        except ValueError:
            return _error(400, "the body is not valid JSON")
        if not isinstance(raw, dict):
            return _error(400, "the body must be a JSON object")
    query, variables, operation_name = raw.get("query"), raw.get("variables"), raw.get("operationName")
    if not isinstance(query, str) or not query.strip():
        return _error(400, "`query` must be a non-empty string")
    if variables is not None and not isinstance(variables, dict):
        return _error(400, "`variables` must be a JSON object")
    if operation_name is not None and not isinstance(operation_name, str):
        return _error(400, "`operationName` must be a string")
    return query, variables, operation_name or None


def _is_key_exchange(document: DocumentNode, operation_name: str | None) -> bool:
    """Whether the operation to run is a mutation selecting only ``apiKeyUser`` (allowed without a token)."""
    operation = get_operation_ast(document, operation_name)
    return (
        operation is not None
        and operation.operation == OperationType.MUTATION
        and all(
            isinstance(selection, FieldNode) and selection.name.value in {"apiKeyUser", "__typename"}
            for selection in operation.selection_set.selections
        )
    )


class _IntrospectionFinder(Visitor):
    found = False

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in {"__schema", "__type"}:
            self.found = True


def _introspects(document: DocumentNode) -> bool:
    """Whether a document asks for ``__schema`` or ``__type`` anywhere."""
    finder = _IntrospectionFinder()
    visit(document, finder)
    return finder.found


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response.json({"errors": [{"message": message}]}, status, headers)


def _unauthorized() -> Response:
    return Response.json({"errors": [_UNAUTHORIZED]}, 401, {"www-authenticate": 'Bearer realm="gqlmon-demo"'})
