"""The /healthz and /metrics server on its own: methods, paths, binding errors, a clean stop, quiet uvicorn."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx
import pytest

from monitor.errors import ConfigError
from monitor.runtime.http_server import Route, listen, serve_http
from monitor.runtime.metrics import CONTENT_TYPE
from tests.scheduler.conftest import ROOT, child_env

pytestmark = pytest.mark.anyio

METRICS = "# HELP up Whether it is up.\n# TYPE up gauge\nup 1.0\n"
ROUTES: dict[str, Route] = {
    "/metrics": lambda: (200, CONTENT_TYPE, METRICS),
    "/healthz": lambda: (503, "text/plain; charset=utf-8", "scheduler is stopping\n"),
}


@asynccontextmanager
async def serving(routes: dict[str, Route]) -> AsyncIterator[httpx.AsyncClient]:
    """Serve ``routes`` on a free loopback port; a client for it. Stops the server on exit."""
    with listen("127.0.0.1", 0) as sock:
        async with anyio.create_task_group() as tg:
            port = await tg.start(serve_http, sock, routes)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                yield client
            tg.cancel_scope.cancel()


async def test_get_and_head_on_each_route_404_elsewhere_405_for_other_methods() -> None:
    async with serving(ROUTES) as client:
        metrics = await client.get("/metrics")
        health = await client.get("/healthz", params={"verbose": "1"})  # the query does not matter
        head = await client.head("/metrics")
        post = await client.post("/metrics", content=b"x")
        missing = await client.get("/nope")
        missing_post = await client.post("/nope")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"] == CONTENT_TYPE
    assert metrics.text == METRICS
    assert health.status_code == 503
    assert health.headers["content-type"] == "text/plain; charset=utf-8"
    assert health.text == "scheduler is stopping\n"
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(METRICS.encode()))
    assert head.headers["content-type"] == CONTENT_TYPE
    assert post.status_code == 405
    assert set(post.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    assert missing.status_code == 404 and missing_post.status_code == 404
    assert "server" not in metrics.headers  # nothing advertised


async def test_each_request_calls_its_route_afresh() -> None:
    calls: list[str] = []

    def healthz() -> tuple[int, str, str]:
        calls.append("healthz")
        return (200 if len(calls) == 1 else 503), "text/plain; charset=utf-8", f"call {len(calls)}\n"

    async with serving({"/healthz": healthz}) as client:
        first = await client.get("/healthz")
        second = await client.get("/healthz")
    assert (first.status_code, first.text) == (200, "call 1\n")
    assert (second.status_code, second.text) == (503, "call 2\n")


async def test_cancelling_stops_the_server_and_frees_the_port() -> None:
    with listen("127.0.0.1", 0) as sock:
        async with anyio.create_task_group() as tg:
            port = await tg.start(serve_http, sock, ROUTES)
            async with httpx.AsyncClient(timeout=5) as client:
                assert (await client.get(f"http://127.0.0.1:{port}/metrics")).status_code == 200
            tg.cancel_scope.cancel()
        assert sock.fileno() == -1  # uvicorn closed the listening socket on its way out
    async with httpx.AsyncClient(timeout=5) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/metrics")
    with listen("127.0.0.1", port):  # and the port can be had again at once
        pass


async def test_uvicorn_leaves_signals_logging_and_stdout_alone(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    # Another uvicorn in this process (a test's demo server, run with uvicorn's own log config) may have
    # left handlers already: ours must add none.
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    handlers = {name: list(logging.getLogger(name).handlers) for name in names}
    # uvicorn at DEBUG, not the root logger: another test may have left a root handler on a closed stream
    caplog.set_level(logging.DEBUG, logger="uvicorn")
    async with serving(ROUTES) as client:
        assert (await client.get("/metrics")).status_code == 200
        assert (await client.get("/nope")).status_code == 404
        during = {sig: signal.getsignal(sig) for sig in before}
    assert during == before  # SIGTERM and SIGINT stay the scheduler's
    assert {sig: signal.getsignal(sig) for sig in before} == before
    for name in names:  # none added (uvicorn empties the access logger's: no access log is wanted)
        assert set(logging.getLogger(name).handlers) <= set(handlers[name]), name
    assert [r.getMessage() for r in caplog.records if r.name.startswith("uvicorn")] == []
    out, err = capsys.readouterr()
    assert (out, err) == ("", "")


async def test_a_malformed_request_gets_400_and_uvicorn_warns_through_the_root_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with serving(ROUTES) as client:
        port = client.base_url.port
        assert port is not None
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(b"NOT HTTP AT ALL\r\n\r\n")
            with anyio.fail_after(5):
                answer = await stream.receive()
        assert (await client.get("/metrics")).status_code == 200  # and the server carries on
    assert answer.startswith(b"HTTP/1.1 400 ")
    warnings = [r for r in caplog.records if r.name.startswith("uvicorn")]
    assert warnings and all(r.levelno >= logging.WARNING for r in warnings)


def test_a_busy_port_is_a_one_line_error_naming_it() -> None:
    with listen("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as caught:
            listen("127.0.0.1", port)
    message = str(caught.value)
    assert message == (
        f"cannot serve /metrics and /healthz on 127.0.0.1:{port}: the port is in use: "
        "stop what listens there, or set another metrics_port in monitor.toml"
    )


def test_an_address_not_on_this_machine_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError) as caught:
        listen("192.0.2.1", 9464)  # TEST-NET-1: never one of this machine's addresses
    message = str(caught.value)
    assert message.startswith("cannot serve /metrics and /healthz on 192.0.2.1:9464: ")
    assert message.endswith(": check metrics_host and metrics_port in monitor.toml")
    assert "\n" not in message
    assert isinstance(caught.value.__cause__, OSError)


def test_listen_picks_a_free_port_for_zero() -> None:
    with listen("127.0.0.1", 0) as sock:
        assert sock.getsockname()[1] > 0
        assert sock.type == socket.SOCK_STREAM


def test_the_scheduler_imports_uvicorn_and_starlette_only_when_it_serves() -> None:
    code = (
        "import sys, monitor.runtime.scheduler, monitor.cli.app\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'uvicorn', 'starlette'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=child_env(), check=True
    )
    assert done.stdout.strip() == "[]"
