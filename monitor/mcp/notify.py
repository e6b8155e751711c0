"""Resource-updated notifications when a check stores a new snapshot or a new run.

Two kinds of client listen differently, and both are served:

- 2026-era clients open a ``subscriptions/listen`` stream; events go through the server's
  :class:`~mcp.server.subscriptions.SubscriptionBus`;
- handshake-era clients send ``resources/subscribe``; :class:`Notifier` remembers their sessions per URI
  and sends each a ``notifications/resources/updated``.

:class:`StoreWatcher` finds what changed by polling the store (cheap: two indexed queries per target), so
a scheduler in another process (or another replica) is noticed too; a scheduler in the same process can
call :meth:`StoreWatcher.check_now` right after it stores a run for an immediate notification.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio
import anyio.to_thread
from mcp.server.context import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import ResourceUpdated, SubscriptionBus, ToolsListChanged
from mcp_types import EmptyResult, SubscribeRequestParams, UnsubscribeRequestParams

from monitor.errors import MonitorError

log = logging.getLogger("monitor.mcp")

#: Per target: (latest snapshot id, latest run id).
State = dict[str, tuple[str | None, str | None]]


def schema_uri(target: str, snapshot: str = "latest") -> str:
    return f"schema://{target}/{snapshot}"


def report_uri(target: str) -> str:
    return f"report://{target}/latest"


class Notifier:
    """Delivers resource-updated events to both kinds of subscriber.

    A handshake-era subscriber is remembered by its connection: the ``ServerSession`` a handler gets is
    built per request, so the one from ``resources/subscribe`` is kept (it sends on the connection's
    standalone channel) until the client unsubscribes or a notification to it fails.
    """

    def __init__(self, bus: SubscriptionBus) -> None:
        self.bus = bus
        self._sessions: dict[str, dict[int, ServerSession]] = {}

    @staticmethod
    def _key(session: ServerSession) -> int:
        return id(getattr(session, "_connection", session))

    async def subscribe(
        self, ctx: ServerRequestContext[object, object], params: SubscribeRequestParams
    ) -> EmptyResult:
        """``resources/subscribe`` (handshake-era clients)."""
        self._sessions.setdefault(str(params.uri), {})[self._key(ctx.session)] = ctx.session
        return EmptyResult()

    async def unsubscribe(
        self, ctx: ServerRequestContext[object, object], params: UnsubscribeRequestParams
    ) -> EmptyResult:
        """``resources/unsubscribe``."""
        self._sessions.get(str(params.uri), {}).pop(self._key(ctx.session), None)
        return EmptyResult()

    def subscribers(self, uri: str) -> int:
        """How many handshake-era connections subscribe to ``uri``."""
        return len(self._sessions.get(uri, {}))

    async def tools_changed(self) -> None:
        """Tell clients the tool list changed: ``subscriptions/listen`` streams, and the handshake-era
        connections known here (those that subscribed to a resource)."""
        await self.bus.publish(ToolsListChanged())
        for sessions in self._sessions.values():
            for key, session in list(sessions.items()):
                try:
                    await session.send_tool_list_changed()
                except Exception:  # a closed or broken connection: forget it
                    log.debug("dropping a subscriber", exc_info=True)
                    sessions.pop(key, None)

    async def updated(self, uri: str) -> None:
        """Tell every subscriber of ``uri`` that it changed."""
        await self.bus.publish(ResourceUpdated(uri=uri))
        sessions = self._sessions.get(uri, {})
        for key, session in list(sessions.items()):
            try:
                await session.send_resource_updated(uri)
            except Exception:  # a closed or broken connection: forget it, keep notifying the others
                log.debug("dropping a subscriber of %s", uri, exc_info=True)
                sessions.pop(key, None)


class StoreWatcher:
    """Polls the store and notifies when a target's latest snapshot or latest run changes."""

    def __init__(self, read_state: Callable[[], State], notifier: Notifier, interval: float) -> None:
        self._read_state = read_state
        self._notifier = notifier
        self._interval = interval
        self._known: State | None = None
        self._lock = anyio.Lock()
        self.running = False

    async def _state(self) -> State | None:
        try:
            return await anyio.to_thread.run_sync(self._read_state)
        except MonitorError as exc:  # no store yet, or a transient database error: try again later
            log.debug("store watcher: %s", exc)
            return None

    async def check_now(self) -> list[str]:
        """Compare the store with what was seen last and notify; returns the URIs notified."""
        async with self._lock:
            state = await self._state()
            if state is None:
                return []
            if self._known is None:
                self._known = state
                return []
            notified: list[str] = []
            for target, (snapshot, run) in state.items():
                before_snapshot, before_run = self._known.get(target, (None, None))
                if snapshot != before_snapshot:
                    notified.append(schema_uri(target))
                if run != before_run or snapshot != before_snapshot:
                    notified.append(report_uri(target))
            self._known = state
        for uri in notified:
            await self._notifier.updated(uri)
        return notified

    async def run(self) -> None:
        """Poll until cancelled (the server's lifespan owns this task)."""
        self.running = True
        try:
            await self.check_now()
            while True:
                await anyio.sleep(self._interval)
                await self.check_now()
        finally:
            self.running = False
