"""Just enough ASGI for the demo API: a buffered request, a buffered response and the lifespan handshake.

The demo answers small JSON documents, so reading the whole body and sending one response message is all
it needs; this keeps the package free of a web framework dependency.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
#: An ASGI 3 application.
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Bodies larger than this are refused (the demo only ever receives small JSON documents).
MAX_BODY = 1 << 20


class BodyTooLarge(Exception):
    """The request body exceeds :data:`MAX_BODY`."""


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request with its body read; header names are lower-case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @classmethod
    async def read(cls, scope: Scope, receive: Receive) -> Request:
        """Read the whole request; :class:`BodyTooLarge` past :data:`MAX_BODY` bytes."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                raise BodyTooLarge(f"request body exceeds {MAX_BODY} bytes")
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        raw_query = scope.get("query_string", b"").decode("latin-1")
        return cls(
            method=scope["method"],
            path=scope["path"],
            query={name: values[0] for name, values in parse_qs(raw_query).items()},
            headers={
                name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
            },
            body=b"".join(chunks),
        )

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower-case (``""`` when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True, slots=True)
class Response:
    """A complete HTTP response."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        """A JSON response."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, body, "application/json", dict(headers or {}))

    @classmethod
    def text(cls, text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        """A plain-text (UTF-8) response."""
        return cls(status, text.encode("utf-8"), "text/plain; charset=utf-8", dict(headers or {}))

    async def send(self, send: Send) -> None:
        """Send the response as one start and one body message."""
        headers = [
            (b"content-type", self.content_type.encode("latin-1")),
            (b"content-length", str(len(self.body)).encode("latin-1")),
            *(
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in self.headers.items()
            ),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


async def lifespan(receive: Receive, send: Send) -> None:
    """Complete the lifespan handshake; the demo has nothing to start or stop."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
