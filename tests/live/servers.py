"""Servers for the live tests: the demo API (or a tiny healthy API) behind a recorder that counts requests.

:class:`RecordingApp` wraps any ASGI app: it keeps every GraphQL request (time, headers, body) so tests can
count requests, find mutations and measure the spacing the rate limit gives, and can delay each answer to
make a slow server for deadline tests. :func:`healthy_app` is a small GraphQL API whose resolvers can never
break the schema's promises, whatever arguments a generator sends (the demo answers a negative ``first``
with an error, which a live test rightly reports).
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from graphql import OperationType, build_schema, get_operation_ast, graphql, parse

from monitor.core.schema import introspection_of
from monitor.demo import DemoApp, schema_sdl
from tests.servers.demo import RunningServer

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGI = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    at: float
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def operation(self) -> OperationType | None:
        """query / mutation of the operation sent (None when the body is not a parseable GraphQL request)."""
        try:
            document = parse(str(self.payload.get("query", "")))
        except Exception:
            return None
        found = get_operation_ast(document, self.payload.get("operationName"))
        return found.operation if found else None


class RecordingApp:
    """An ASGI wrapper that records each ``/graphql`` request and can answer ``delay`` seconds late."""

    def __init__(self, app: ASGI, *, delay: float = 0.0) -> None:
        self.app, self.delay = app, delay
        self.seen: list[Seen] = []

    @property
    def mutations(self) -> list[Seen]:
        return [s for s in self.seen if s.operation is OperationType.MUTATION]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        self.seen.append(Seen(time.monotonic(), headers, body))
        if self.delay:
            await asyncio.sleep(self.delay)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


@contextmanager
def serve(app: ASGI) -> Iterator[RunningServer]:
    """``app`` on 127.0.0.1 (lifespan on, so the demo app starts properly)."""
    server = RunningServer(app, lifespan="on")
    # Answers on a kept-alive connection otherwise wait for the client's delayed ACK (~40 ms each).
    server._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with server:
        yield server


def demo_introspection(version: str = "v1") -> dict[str, Any]:
    """The demo's published schema as stored introspection (what a live run starts from)."""
    return introspection_of(build_schema(schema_sdl(version)))  # type: ignore[arg-type]


def demo(mode: str = "healthy", *, require_token: bool = False, delay: float = 0.0) -> RecordingApp:
    return RecordingApp(DemoApp(version="v1", mode=mode, require_token=require_token), delay=delay)


# --------------------------------------------------------------------------------------------- healthy API

HEALTHY_SDL = """
enum Color { RED GREEN BLUE }
interface Named { name: String! }
type Item implements Named {
  id: ID! name: String! color: Color! tags: [String!]! size(scale: Int): Int! price: Float
}
type Box implements Named { name: String! items(first: Int): [Item!]! }
union Thing = Item | Box
type Query {
  items(first: Int, color: Color): [Item!]!
  item(id: ID!): Item
  things(q: String): [Thing!]!
  named: [Named!]!
}
type Mutation { addItem(name: String!): Item! }
"""
HEALTHY_SCHEMA = build_schema(HEALTHY_SDL)

_ITEMS = [
    {"id": "1", "name": "one", "color": "RED", "tags": ["a"], "price": 1.5, "__typename": "Item"},
    {"id": "2", "name": "two", "color": "BLUE", "tags": [], "price": None, "__typename": "Item"},
]
_BOX = {"name": "box", "__typename": "Box"}


def _first(items: list[Any], first: int | None) -> list[Any]:
    return items if first is None else items[: max(first, 0)]


def _resolve(source: Any, info: Any, **args: Any) -> Any:
    key = f"{info.parent_type.name}.{info.field_name}"
    if key == "Query.items":
        chosen = [i for i in _ITEMS if args.get("color") in (None, i["color"])]
        return _first(chosen, args.get("first"))
    if key == "Query.item":
        return next((i for i in _ITEMS if i["id"] == args["id"]), None)
    if key == "Query.things":
        return [*_ITEMS, _BOX]
    if key == "Query.named":
        return [_BOX, *_ITEMS]
    if key == "Box.items":
        return _first(_ITEMS, args.get("first"))
    if key == "Item.size":
        return max(min(len(source["name"]) * (args.get("scale") or 1), 2**31 - 1), -(2**31))
    if key == "Mutation.addItem":
        return {**_ITEMS[0], "name": args["name"]}
    return source.get(info.field_name) if isinstance(source, dict) else None


def _type_of(value: Any, info: Any, abstract: Any) -> str:
    return str(value["__typename"])


def healthy_introspection() -> dict[str, Any]:
    return introspection_of(HEALTHY_SCHEMA)  # type: ignore[arg-type]


async def healthy_app(scope: Scope, receive: Receive, send: Send) -> None:
    """A GraphQL endpoint at any path: 200 with the execution result, 400 for a request that cannot run."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    request = json.loads(body or b"{}")
    result = await graphql(
        HEALTHY_SCHEMA,
        request.get("query", ""),
        variable_values=request.get("variables"),
        operation_name=request.get("operationName"),
        field_resolver=_resolve,
        type_resolver=_type_of,
    )
    status = 400 if result.data is None and result.errors else 200
    payload = json.dumps(result.formatted).encode()
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": payload})
