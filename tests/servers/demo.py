"""Real servers for tests: any ASGI app on uvicorn in a background thread, and the demo API on it.

::

    with RunningServer(app) as server:          # any ASGI 3 app (Starlette, the demo API, a fake Slack)
        httpx.get(server.url_for("/health"))

    with demo_server("v1") as api:               # the bundled demo API
        httpx.post(api.graphql_url, json={"query": "{ stacks { id } }"})
        api.switch(version="v2")                 # in-process; POST /_demo/version does the same over HTTP

The listening socket is bound (port 0: the OS picks a free port) and listening *before* uvicorn starts, and
uvicorn serves that very socket, so there is no window in which another process can take the port, and
``url`` is valid as soon as the constructor returns. ``start()`` returns once uvicorn reports it started;
``stop()`` asks it to exit, waits for the thread, and forces the exit if a connection hangs. Uvicorn's
logging is left unconfigured (``log_config=None``) so it never touches the test process's logging setup,
and websockets support is off, so no websockets library is imported (and none of its deprecation warnings
can fail a ``filterwarnings = error`` run).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Literal, Self

import uvicorn

from monitor.demo import DemoApp

#: An ASGI 3 application: ``await app(scope, receive, send)``.
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


class ServerStartError(RuntimeError):
    """The server thread died or did not report readiness in time."""


class RunningServer:
    """``app`` served by uvicorn on ``host`` and a free port, in a daemon thread; a context manager."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        lifespan: Literal["auto", "on", "off"] = "auto",
        startup_timeout: float = 10.0,
        shutdown_timeout: float = 5.0,
    ) -> None:
        self.app = app
        self.host = host
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.create_server((host, 0), family=family)
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            lifespan=lifespan,
            ws="none",
            loop="asyncio",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=max(1, int(shutdown_timeout)),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"uvicorn-{host}:{self.port}", daemon=True)
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """Base URL, without a trailing slash: ``http://127.0.0.1:54321``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url_for(self, path: str) -> str:
        """The absolute URL of ``path`` (``"/graphql"``) on this server."""
        return f"{self.url}/{path.lstrip('/')}"

    @property
    def running(self) -> bool:
        """Whether uvicorn has started and its thread is alive."""
        return self._server.started and self._thread.is_alive()

    def start(self) -> Self:
        """Start serving; returns once uvicorn is ready. :class:`ServerStartError` if it does not start."""
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                self._socket.close()
                raise ServerStartError(f"uvicorn exited before it started on {self.url}") from self._error
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(f"uvicorn did not start on {self.url} within {self.startup_timeout} s")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread; idempotent."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(self.shutdown_timeout)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(self.shutdown_timeout)
        self._socket.close()  # uvicorn closes it too; closing twice is harmless
        if self._thread.is_alive():
            raise RuntimeError(f"uvicorn on {self.url} did not stop")

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start(), never lost in the thread
            self._error = exc

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class DemoServer(RunningServer):
    """The demo API on a :class:`RunningServer`, with in-process control of what it serves."""

    app: DemoApp

    def __init__(self, app: DemoApp, **options: Any) -> None:
        super().__init__(app, lifespan="on", **options)

    @property
    def graphql_url(self) -> str:
        """``<url>/graphql``."""
        return self.url_for("/graphql")

    def switch(
        self, *, version: str | None = None, mode: str | None = None, require_token: bool | None = None
    ) -> None:
        """Change the schema version, mode or token requirement from the next request on."""
        self.app.switch(version=version, mode=mode, require_token=require_token)

    def reset(self) -> None:
        """Back to the sample data and the settings the server was created with."""
        self.app.reset()


@contextmanager
def demo_server(
    version: str = "v1", mode: str = "healthy", require_token: bool = False, *, token_ttl: int = 3600
) -> Iterator[DemoServer]:
    """A fresh demo API (its own sample data) serving ``version`` on 127.0.0.1, stopped on exit."""
    app = DemoApp(version=version, mode=mode, require_token=require_token, token_ttl=token_ttl)
    with DemoServer(app) as server:
        yield server
