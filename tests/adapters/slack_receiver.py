"""A stand-in for Slack on 127.0.0.1: incoming webhooks and the Web API's chat.postMessage.

The real slack-sdk clients post to it. It records every request, refuses what Slack would refuse (a
message over Slack's limits, a wrong bot token), and answers from a script of canned responses when a
test wants failures (``fail(429, headers={"Retry-After": "1"})``, ``fail(500)``).
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monitor.core.report.blocks import violations

WEBHOOK_PATH = "/services/T0000/B0000/secretwebhooktoken"
BOT_TOKEN = "xoxb-test-0000-secret-bot-token"


@dataclass
class Received:
    kind: str  # "webhook" | "chat.postMessage"
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class SlackReceiver:
    """The ASGI app (serve it with ``tests.servers.demo.RunningServer``)."""

    received: list[Received] = field(default_factory=list)
    script: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self._app = Starlette(
            routes=[
                Route("/services/{rest:path}", self._webhook, methods=["POST"]),
                Route("/api/chat.postMessage", self._post_message, methods=["POST"]),
            ]
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._app(scope, receive, send)

    def fail(
        self, status: int, body: str = "", headers: dict[str, str] | None = None, times: int = 1
    ) -> None:
        """Answer the next ``times`` requests with ``status`` first; status 0 passes one through."""
        with self._lock:
            self.script.extend([(status, body, headers or {})] * times)

    def messages(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [r.body for r in self.received if kind is None or r.kind == kind]

    def _scripted(self) -> Response | None:
        with self._lock:
            if not self.script:
                return None
            status, body, headers = self.script.pop(0)
        if status == 0:  # a scripted pass: this request is handled normally
            return None
        if body.startswith("{"):
            return Response(body, status_code=status, headers=headers, media_type="application/json")
        return PlainTextResponse(body or f"error {status}", status_code=status, headers=headers)

    async def _webhook(self, request: Request) -> Response:
        scripted = self._scripted()
        if scripted is not None:
            return scripted
        if request.url.path != WEBHOOK_PATH:
            return PlainTextResponse("no_service", status_code=404)
        body = json.loads(await request.body())
        if violations(body):
            return PlainTextResponse("invalid_blocks", status_code=400)
        self.received.append(Received("webhook", body, dict(request.headers)))
        return PlainTextResponse("ok")

    async def _post_message(self, request: Request) -> Response:
        scripted = self._scripted()
        if scripted is not None:
            return scripted
        if request.headers.get("authorization") != f"Bearer {BOT_TOKEN}":
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        body = json.loads(await request.body())
        if violations(body):
            return JSONResponse({"ok": False, "error": "invalid_blocks"})
        if not body.get("channel"):
            return JSONResponse({"ok": False, "error": "channel_not_found"})
        self.received.append(Received("chat.postMessage", body, dict(request.headers)))
        ts = f"1700000000.{next(self._ts):06d}"
        return JSONResponse({"ok": True, "channel": body["channel"], "ts": ts})
