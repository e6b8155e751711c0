"""A real GraphQL server that misbehaves on demand: the introspection and auth adapters' test double.

:class:`FaultyApp` is a raw ASGI app; the request path picks the behaviour and the app's attributes tune it
(set them in a test; :meth:`FaultyApp.reset` restores the defaults). :class:`RunningServer` serves any
ASGI app with uvicorn on 127.0.0.1 (a free port) in a background thread.

Paths::

    /graphql        healthy: executes the posted query against SCHEMA (so every query variant works)
    /v2             healthy, serving SCHEMA_V2 (SCHEMA with a field removed and one added: a breaking drift)
    /rev/<n>        healthy, serving SCHEMA plus a field ``Query.rev<n>``: a new schema for every ``n``
    /switch         behaves like the path named by ``mode`` (``"graphql"``, ``"html"``, ``"v2"``, ...), so one
                    target URL can fail and recover while the test flips ``mode``
    /status         HTTP ``error_status`` (500, 502, 503, ...) with a plain-text body
    /too-many       always HTTP 429 with ``Retry-After: retry_after``
    /errors-with-data  a complete introspection result *and* GraphQL ``errors``
    /legacy         rejects isOneOf (HTTP 400, Apollo style) and includeDeprecated on args (HTTP 200)
    /ancient        like /legacy, and also rejects specifiedByURL
    /flaky          HTTP 500 for the first ``fail_times`` requests, then healthy
    /unavailable    always HTTP 503
    /rate-limited   HTTP 429 with ``Retry-After: retry_after`` for the first request, then healthy
    /slow           answers after ``delay`` seconds (or when the client goes away)
    /drip           a body of one byte every ``drip_interval`` seconds, for ever (until the client leaves)
    /garbage        bytes that are neither UTF-8 nor JSON
    /html           an HTML error page with status ``html_status``
    /disabled       GraphQL errors: introspection disabled (echoes the bearer token, to test redaction)
    /truncated      half of a valid introspection document
    /oversized      ``oversized_bytes`` of JSON with a Content-Length; /oversized-chunked without one
    /partial        queryType names a type that is not in types
    /builtins-only  only introspection types and built-in scalars
    /no-schema      a JSON answer without __schema
    /mistyped       a buildable introspection with values of the wrong JSON type (``"description": 5``)
    /bad-names      a buildable introspection whose enum value is named ``<img src=x>``
    /bomb           JSON nested 100 000 levels deep
    /redirect       HTTP 302 to /graphql
    /secure         healthy, but needs ``Authorization: Bearer <token>`` with a valid token (else 401);
                    also answers the ``apiKeyUser`` and ``oidcLogin`` mutations that issue tokens
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
import uvicorn
from graphql import GraphQLSchema, build_schema, graphql_sync

from monitor.core.schema import introspection_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SDL = '''
"""The faulty server's schema."""
schema { query: Query mutation: Mutation }

directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT

"""An RFC 3339 timestamp."""
scalar DateTime @specifiedBy(url: "https://tools.ietf.org/html/rfc3339")

enum Role { ADMIN MEMBER GUEST @deprecated(reason: "no more guests") }

input UserFilter @oneOf { id: ID name: String }

input Page { first: Int = 10 after: String @deprecated(reason: "use offset") offset: Int }

type User @tag(name: "core") @tag(name: "people") {
  id: ID!
  name: String @deprecated(reason: "use displayName")
  displayName: String!
  role: Role
  createdAt: DateTime
}

type Query {
  user(filter: UserFilter!): User
  users(page: Page, legacy: Boolean @deprecated(reason: "ignored")): [User!]!
}

type Mutation { rename(id: ID!, name: String!): User }
'''

SCHEMA = build_schema(SDL)
# v2: ``User.role`` removed (breaking), ``User.email`` added (safe).
SDL_V2 = SDL.replace("  role: Role\n", "").replace(
    "  displayName: String!\n", "  displayName: String!\n  email: String\n"
)
SCHEMA_V2 = build_schema(SDL_V2)
KEY_ID, KEY_SECRET = "key-id-5c1d", "key-secret-0a9b8c"


def make_jwt(claims: dict[str, Any]) -> str:
    """An unsigned JWT (the adapters decode ``exp`` without verifying)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.sig"


@dataclass
class Received:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FaultyApp:
    """The ASGI app. Attributes tune the behaviours; counters and recordings are for assertions."""

    fail_times: int = 1
    retry_after: str = "0.3"
    delay: float = 2.0
    drip_interval: float = 0.05
    html_status: int = 200
    error_status: int = 500
    mode: str = "graphql"  # what /switch does: the name of another path
    oversized_bytes: int = 300_000
    token_ttl: float = 3600.0
    expiry_style: str = "unix"  # unix | iso | none (then only the JWT's exp says when it expires)
    valid_tokens: set[str] = field(default_factory=set)
    identity_tokens: set[str] = field(default_factory=set)
    reject_all_tokens: bool = False
    received: list[Received] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    exchanges: int = 0
    issued: dict[str, float] = field(default_factory=dict)  # token -> expiry (unix seconds)

    def reset(self) -> None:
        """Back to the defaults (the server is shared between tests)."""
        fresh = FaultyApp()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def revoke(self) -> None:
        """Every token issued so far is refused from now on."""
        self.issued.clear()

    def requests_to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    # ------------------------------------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        self.received.append(Received(path, headers, body))
        self.counts[path] += 1
        if path.startswith("/rev/") and path[5:].isdigit():
            await _respond_json(send, 200, execute(body or {}, revision(int(path[5:]))))
            return
        handler = getattr(self, "_" + path.strip("/").replace("-", "_"), None)
        if handler is None:
            await _respond(send, 404, b"not found", "text/plain")
            return
        await handler(body or {}, headers, send, receive)

    async def _graphql(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        await _respond_json(send, 200, execute(body))

    async def _v2(self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive) -> None:
        await _respond_json(send, 200, execute(body, SCHEMA_V2))

    async def _switch(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        handler = getattr(self, "_" + self.mode.strip("/").replace("-", "_"), None)
        if handler is None or self.mode.strip("/") == "switch":
            await _respond(send, 404, b"unknown mode", "text/plain")
            return
        await handler(body, headers, send, receive)

    async def _status(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        text = f"upstream error {self.error_status}".encode()
        await _respond(send, self.error_status, text, "text/plain")

    async def _too_many(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        extra = [(b"retry-after", self.retry_after.encode())]
        await _respond(send, 429, b'{"errors":[{"message":"slow down"}]}', "application/json", extra)

    async def _errors_with_data(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        document = execute(body)
        document["errors"] = [{"message": "resolver for __schema timed out; result may be incomplete"}]
        await _respond_json(send, 200, document)

    async def _legacy(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        await self._old_server(body, send, ancient=False)

    async def _ancient(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        await self._old_server(body, send, ancient=True)

    async def _old_server(self, body: dict[str, Any], send: Send, *, ancient: bool) -> None:
        query = str(body.get("query", ""))
        if "isOneOf" in query:
            error = {"message": 'Cannot query field "isOneOf" on type "__Type".'}
            await _respond_json(
                send, 400, {"errors": [{**error, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}
            )
        elif "args(includeDeprecated" in query:
            await _respond_json(
                send,
                200,
                {"errors": [{"message": 'Unknown argument "includeDeprecated" on field "__Field.args".'}]},
            )
        elif ancient and "specifiedByURL" in query:
            message = 'Cannot query field "specifiedByURL" on type "__Type". Did you mean "specifiedByUrl"?'
            await _respond_json(send, 200, {"errors": [{"message": message}]})
        else:
            await _respond_json(send, 200, execute(body))

    async def _flaky(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        if self.counts["/flaky"] <= self.fail_times:
            await _respond(send, 500, b"<html><body>Internal Server Error</body></html>", "text/html")
        else:
            await _respond_json(send, 200, execute(body))

    async def _unavailable(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        await _respond(send, 503, b"upstream unavailable", "text/plain")

    async def _rate_limited(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        if self.counts["/rate-limited"] == 1:
            extra = [(b"retry-after", self.retry_after.encode())]
            await _respond(send, 429, b'{"errors":[{"message":"slow down"}]}', "application/json", extra)
        else:
            await _respond_json(send, 200, execute(body))

    async def _slow(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        if await _wait_or_disconnect(receive, self.delay):
            return
        await _respond_json(send, 200, execute(body))

    async def _drip(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        for _ in range(2000):  # at most ~100 s; the client leaves long before
            if await _wait_or_disconnect(receive, self.drip_interval):
                return
            await send({"type": "http.response.body", "body": b" ", "more_body": True})
        await send({"type": "http.response.body", "body": b"}", "more_body": False})

    async def _garbage(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        await _respond(send, 200, b"\xff\xfe\x00\x81garbage\x9c\x00" * 8, "application/octet-stream")

    async def _html(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        page = b"<!DOCTYPE html><html><head><title>Oops</title></head><body><h1>Not here</h1></body></html>"
        await _respond(send, self.html_status, page, "text/html; charset=utf-8")

    async def _disabled(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        token = headers.get("authorization", "none").split()[-1]
        message = f"GraphQL introspection is disabled for token {token}"
        await _respond_json(send, 200, {"data": None, "errors": [{"message": message}]})

    async def _truncated(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        full = json.dumps({"data": introspection_of(SCHEMA)}).encode()
        await _respond(send, 200, full[: len(full) // 2], "application/json")

    async def _oversized(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        await _respond(send, 200, b'{"pad":"' + b"x" * self.oversized_bytes + b'"}', "application/json")

    async def _oversized_chunked(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        chunk = b" " * 16_384
        for _ in range(self.oversized_bytes // len(chunk) + 1):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"{}", "more_body": False})

    async def _partial(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        intro = introspection_of(SCHEMA)
        intro["__schema"]["types"] = [t for t in intro["__schema"]["types"] if t["name"] != "Query"]
        await _respond_json(send, 200, {"data": intro})

    async def _builtins_only(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        intro = introspection_of(SCHEMA)
        builtin = {"String", "Boolean"}
        types = intro["__schema"]["types"]
        intro["__schema"]["types"] = [t for t in types if t["name"].startswith("__") or t["name"] in builtin]
        intro["__schema"]["mutationType"] = None
        await _respond_json(send, 200, {"data": intro})

    async def _no_schema(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        await _respond_json(send, 200, {"data": {"hello": "world"}})

    async def _mistyped(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        intro = introspection_of(SCHEMA)
        intro["__schema"]["description"] = 5
        role = next(t for t in intro["__schema"]["types"] if t["name"] == "Role")
        role["enumValues"][-1]["deprecationReason"] = ["no", "more", "guests"]
        await _respond_json(send, 200, {"data": intro})

    async def _bad_names(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        intro = introspection_of(SCHEMA)
        role = next(t for t in intro["__schema"]["types"] if t["name"] == "Role")
        role["enumValues"][-1]["name"] = "<img src=x onerror=alert(1)>"
        await _respond_json(send, 200, {"data": intro})

    async def _bomb(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        depth = 100_000
        await _respond(send, 200, b'{"data":' + b"[" * depth + b"]" * depth + b"}", "application/json")

    async def _redirect(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        await _respond(send, 302, b"", "text/plain", [(b"location", b"/graphql")])

    async def _secure(
        self, body: dict[str, Any], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        query = str(body.get("query", ""))
        variables = body.get("variables") or {}
        if "apiKeyUser" in query:
            if (variables.get("id"), variables.get("secret")) != (KEY_ID, KEY_SECRET):
                message = f"invalid API key {variables.get('id')}:{variables.get('secret')}"
                await _respond_json(
                    send, 200, {"data": {"apiKeyUser": None}, "errors": [{"message": message}]}
                )
                return
            jwt, until = self._issue(str(variables["id"]))
            await _respond_json(send, 200, {"data": {"apiKeyUser": {"jwt": jwt, "validUntil": until}}})
            return
        if "oidcLogin" in query:
            if variables.get("token") not in self.identity_tokens:
                await _respond_json(send, 401, {"errors": [{"message": "identity token refused"}]})
                return
            jwt, until = self._issue("oidc")
            await _respond_json(send, 200, {"data": {"oidcLogin": {"accessToken": jwt, "expiresAt": until}}})
            return
        scheme, _, token = headers.get("authorization", "").partition(" ")
        known = token in self.valid_tokens or self.issued.get(token, 0.0) > time.time()
        if scheme.lower() != "bearer" or not known or self.reject_all_tokens:
            await _respond_json(send, 401, {"errors": [{"message": "invalid or expired token"}]})
            return
        await _respond_json(send, 200, execute(body))

    def _issue(self, subject: str) -> tuple[str, Any]:
        self.exchanges += 1
        expires = time.time() + self.token_ttl
        jwt = make_jwt({"sub": subject, "exp": expires, "jti": self.exchanges})
        self.issued[jwt] = expires
        if self.expiry_style == "iso":
            return jwt, datetime.fromtimestamp(expires, UTC).isoformat()
        return jwt, expires if self.expiry_style == "unix" else None


@functools.lru_cache(maxsize=64)
def revision(n: int) -> GraphQLSchema:
    """SCHEMA with one more field, ``Query.rev<n>``: a different schema (and fingerprint) per ``n``."""
    return build_schema(SDL + f"\nextend type Query {{ rev{n}: Int }}\n")


def execute(body: dict[str, Any], schema: GraphQLSchema = SCHEMA) -> dict[str, Any]:
    """Run a GraphQL request against ``schema`` (introspection included); the response document."""
    result = graphql_sync(
        schema,
        str(body.get("query", "")),
        variable_values=body.get("variables"),
        operation_name=body.get("operationName"),
    )
    document: dict[str, Any] = {"data": result.data}
    if result.errors:
        document["errors"] = [error.formatted for error in result.errors]
    return document


async def _respond(
    send: Send, status: int, body: bytes, content_type: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _respond_json(send: Send, status: int, document: Any) -> None:
    await _respond(send, status, json.dumps(document).encode(), "application/json")


async def _wait_or_disconnect(receive: Receive, seconds: float) -> bool:
    """Sleep ``seconds``; True if the client disconnected meanwhile (then stop: nobody is listening)."""
    with anyio.move_on_after(seconds):
        while True:
            if (await receive())["type"] == "http.disconnect":
                return True
    return False


class RunningServer:
    """Serve an ASGI app with uvicorn on 127.0.0.1 (a free port) in a background thread.

    ``with RunningServer(app) as server: server.url("/graphql")``. Start-up waits for uvicorn to report
    readiness; exit asks it to stop and joins the thread.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name=f"uvicorn-{self.port}", daemon=True)
        self._error: BaseException | None = None

    def url(self, path: str = "/graphql") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as exc:  # reported by __enter__ / __exit__
            self._error = exc

    def __enter__(self) -> RunningServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._socket.close()
                raise RuntimeError(f"test server did not start: {self._error!r}")
            time.sleep(0.005)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
        if self._thread.is_alive():
            raise RuntimeError("test server did not stop within 10 s")
