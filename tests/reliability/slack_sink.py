"""A Slack incoming-webhook stand-in on 127.0.0.1 that can be down, slow, rate-limited or broken.

Raw ASGI (serve it with :class:`tests.servers.faulty.RunningServer`). Only a POST to
:data:`WEBHOOK_PATH` answered ``200 ok`` counts as delivered (:attr:`SlackSink.delivered`); every request
is counted in :attr:`SlackSink.requests`. ``mode``: ``ok``; ``status`` (HTTP ``status`` with ``body``);
``ratelimit`` (429 with ``Retry-After``); ``slow`` (answers ``ok`` after ``delay`` seconds). Any other path
answers 404 ``no_service``, as Slack does for a revoked or mistyped webhook.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

WEBHOOK_PATH = "/services/T0CANARY/B0CANARY/canary-webhook-secret-5d2f"

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class SlackSink:
    mode: str = "ok"
    status: int = 500
    body: str = "internal_error"
    retry_after: str = "1"
    delay: float = 0.0
    requests: int = 0
    delivered: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.mode, self.status, self.body, self.retry_after, self.delay = (
                "ok",
                500,
                "internal_error",
                "1",
                0.0,
            )
            self.requests = 0
            self.delivered = []

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        with self._lock:
            self.requests += 1
        if scope["path"] != WEBHOOK_PATH:
            await _answer(send, 404, "no_service")
            return
        if self.mode == "status":
            await _answer(send, self.status, self.body)
            return
        if self.mode == "ratelimit":
            await _answer(send, 429, "rate_limited", [(b"retry-after", self.retry_after.encode())])
            return
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        try:
            payload = json.loads(raw)
        except ValueError:
            await _answer(send, 400, "invalid_payload")
            return
        with self._lock:
            self.delivered.append(payload)
        await _answer(send, 200, "ok")


async def _answer(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
