"""A stand-in for Slack on 127.0.0.1: incoming webhooks and the Web API's chat.postMessage,
conversations.history and conversations.list.

The real slack-sdk clients post to it. It records every request, refuses what Slack would refuse (a
message over Slack's limits, a wrong bot token, an unknown channel, a method the token lacks the scope
for), and answers from a script of canned responses when a test wants failures
(``fail(429, headers={"Retry-After": "1"})``, ``fail(500)``).

Like Slack, it keeps each channel's messages: chat.postMessage answers with the channel's id and a ``ts``
(seconds since the epoch, increasing), stores ``metadata``, and counts thread replies on their parent;
conversations.history lists a channel's top-level messages newest first, after ``oldest``, ``limit`` at a
time with a ``next_cursor``, and shows ``metadata`` only with ``include_all_metadata``. Channels are known
by name and id (:data:`CHANNELS`); ``scopes`` is what the bot token may do. ``answer_delay`` holds the
answer to an accepted post (webhook or chat.postMessage) that long: the message is in Slack, the sender
does not know yet (the window a killed sender leaves behind).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monitor.core.report.blocks import violations

WEBHOOK_PATH = "/services/T0000/B0000/secretwebhooktoken"
BOT_TOKEN = "xoxb-test-0000-secret-bot-token"
CHANNELS = {"api-changes": "C0APICHANGES", "general": "C0GENERAL0"}  # name -> id
ALL_SCOPES = frozenset({"chat:write", "channels:history", "groups:history", "channels:read"})
_NEEDS = {"conversations.history": "channels:history", "conversations.list": "channels:read"}


@dataclass
class Received:
    kind: str  # "webhook" | "chat.postMessage" | "conversations.history" | "conversations.list"
    body: dict[str, Any]  # the JSON body, or the form / query parameters
    headers: dict[str, str]


@dataclass
class SlackReceiver:
    """The ASGI app (serve it with ``tests.servers.demo.RunningServer``)."""

    received: list[Received] = field(default_factory=list)
    script: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    scopes: frozenset[str] = ALL_SCOPES
    answer_delay: float = 0.0
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel id -> oldest first
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _last_ts: float = 0.0

    def __post_init__(self) -> None:
        self._app = Starlette(
            routes=[
                Route("/services/{rest:path}", self._webhook, methods=["POST"]),
                Route("/api/chat.postMessage", self._post_message, methods=["POST"]),
                Route("/api/conversations.history", self._conversations_history, methods=["GET", "POST"]),
                Route("/api/conversations.list", self._conversations_list, methods=["GET", "POST"]),
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

    def posted(self, channel: str = "api-changes") -> list[dict[str, Any]]:
        """The channel's top-level messages as Slack keeps them (oldest first; replies counted on them)."""
        return list(self.history.get(CHANNELS.get(channel, channel), []))

    def _channel(self, value: object) -> str | None:
        """The id of a channel given by id, name or ``#name``; ``None`` when Slack knows no such channel."""
        text = str(value or "")
        if text in CHANNELS.values():
            return text
        return CHANNELS.get(text.removeprefix("#"))

    def _next_ts(self) -> str:
        with self._lock:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    async def _params(self, request: Request) -> dict[str, Any]:
        """Query parameters, or a form / JSON body (slack-sdk sends these methods as GET with a query)."""
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            raw = await request.body()
            if request.headers.get("content-type", "").startswith("application/json"):
                params.update(json.loads(raw or b"{}"))
            else:
                params.update((await request.form()).items())
        return params

    def _refused(self, request: Request, method: str) -> JSONResponse | None:
        if request.headers.get("authorization") != f"Bearer {BOT_TOKEN}":
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        needed = _NEEDS.get(method)
        if needed and needed not in self.scopes:
            return JSONResponse({"ok": False, "error": "missing_scope", "needed": needed})
        return None

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
        await asyncio.sleep(self.answer_delay)
        return PlainTextResponse("ok")

    async def _post_message(self, request: Request) -> Response:
        scripted = self._scripted()
        if scripted is not None:
            return scripted
        refused = self._refused(request, "chat.postMessage")
        if refused is not None:
            return refused
        body = json.loads(await request.body())
        if violations(body):
            return JSONResponse({"ok": False, "error": "invalid_blocks"})
        channel = self._channel(body.get("channel"))
        if channel is None:
            return JSONResponse({"ok": False, "error": "channel_not_found"})
        metadata = body.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and isinstance(metadata.get("event_payload"), dict)
        ):
            return JSONResponse({"ok": False, "error": "invalid_metadata_format"})
        self.received.append(Received("chat.postMessage", body, dict(request.headers)))
        ts = self._next_ts()
        message: dict[str, Any] = {"type": "message", "ts": ts, "text": body.get("text", "")}
        message["blocks"] = body.get("blocks") or []
        if metadata is not None:
            message["metadata"] = metadata
        with self._lock:
            messages = self.history.setdefault(channel, [])
            parent_ts = body.get("thread_ts")
            if parent_ts:
                parent = next((m for m in messages if m["ts"] == parent_ts), None)
                if parent is None:
                    return JSONResponse({"ok": False, "error": "thread_not_found"})
                parent["thread_ts"] = parent_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
            else:
                messages.append(message)
        await asyncio.sleep(self.answer_delay)
        return JSONResponse({"ok": True, "channel": channel, "ts": ts, "message": message})

    async def _conversations_history(self, request: Request) -> Response:
        scripted = self._scripted()
        if scripted is not None:
            return scripted
        refused = self._refused(request, "conversations.history")
        if refused is not None:
            return refused
        params = await self._params(request)
        self.received.append(Received("conversations.history", params, dict(request.headers)))
        channel = str(params.get("channel") or "")
        if channel not in CHANNELS.values():  # history takes an id, never a name
            return JSONResponse({"ok": False, "error": "channel_not_found"})
        oldest = float(params.get("oldest") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 999)
        offset = int(str(params.get("cursor") or "off:0").removeprefix("off:"))
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            newest_first = [m for m in reversed(self.history.get(channel, [])) if float(m["ts"]) > oldest]
        page = newest_first[offset : offset + limit]
        shown = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = offset + limit < len(newest_first)
        return JSONResponse(
            {
                "ok": True,
                "messages": shown,
                "has_more": more,
                "pin_count": 0,
                "response_metadata": {"next_cursor": f"off:{offset + limit}" if more else ""},
            }
        )

    async def _conversations_list(self, request: Request) -> Response:
        scripted = self._scripted()
        if scripted is not None:
            return scripted
        refused = self._refused(request, "conversations.list")
        if refused is not None:
            return refused
        params = await self._params(request)
        self.received.append(Received("conversations.list", params, dict(request.headers)))
        channels = [{"id": cid, "name": name, "is_channel": True} for name, cid in CHANNELS.items()]
        return JSONResponse({"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}})
