"""``gqlmon mcp`` as a user runs it: a subprocess over stdio, and over streamable HTTP with a bearer token;
and resource-updated notifications when a check stores a new snapshot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import httpx
import httpx2
import pytest
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.client.subscriptions import ResourceUpdated
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp_types import ResourceUpdatedNotification

from monitor.mcp import create_app
from monitor.settings.loading import load_settings
from tests.mcp.conftest import ENV, MCP_TOKEN, ROOT, SECRETS, TOOLS, World, call, check, write_config
from tests.servers.demo import DemoServer

pytestmark = pytest.mark.anyio


def server_env(world: World) -> dict[str, str]:
    return {**ENV, "MONITOR_CONFIG": str(world.config), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}


# ------------------------------------------------------------------------------------------- stdio


async def test_gqlmon_mcp_over_stdio(world: World, tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "monitor", "mcp"], env=server_env(world), cwd=str(ROOT)
    )
    with (tmp_path / "stderr.txt").open("w+") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            assert {t.name for t in (await client.list_tools()).tools} == set(TOOLS)
            hits = await call(client, "search_schema", target="demo", query="git commit")
            assert hits["hits"][0]["coordinate"] == "Commit"
            assert hits["snapshot"] == world.second
            report = await call(client, "get_drift_report", target="demo")
            assert report["run_id"] == world.second_run and report["summary"]["breaking"] >= 3
            live = await call(client, "execute_query", target="demo", query="{ stacks(first: 1) { id } }")
            assert len(live["data"]["stacks"]) == 1
        errlog.seek(0)
        logged = errlog.read()
    assert not any(secret in logged for secret in SECRETS)


# ------------------------------------------------------------------------------------------- HTTP


@contextmanager
def http_server(world: World, *args: str) -> Iterator[str]:
    """``gqlmon mcp --http`` on a free loopback port; yields the /mcp URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "mcp", "--http", "--host", "127.0.0.1", "--port", "0", *args],
        env={**os.environ, **server_env(world)},
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/mcp)", line)
        assert match, f"no address in {line!r} (exit code {process.poll()})"
        assert "bearer token required" in line
        yield match.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


async def test_gqlmon_mcp_over_streamable_http_checks_the_bearer_token(world: World) -> None:
    with http_server(world) as url:
        initialize = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "probe", "version": "0"},
            },
        }
        headers = {"Accept": "application/json, text/event-stream"}
        async with httpx.AsyncClient(timeout=10) as http:
            missing = await http.post(url, json=initialize, headers=headers)
            wrong = await http.post(url, json=initialize, headers={**headers, "Authorization": "Bearer nope"})
            wrong_scheme = await http.post(
                url, json=initialize, headers={**headers, "Authorization": MCP_TOKEN}
            )
            listing = await http.get(url, headers=headers)
            accepted = await http.post(
                url, json=initialize, headers={**headers, "Authorization": f"Bearer {MCP_TOKEN}"}
            )
        for refused in (missing, wrong, wrong_scheme, listing):
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"].startswith("Bearer")
            assert MCP_TOKEN not in refused.text
        assert accepted.status_code == 200

        http_client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {MCP_TOKEN}"}, timeout=30)
        async with http_client, Client(streamable_http_client(url, http_client=http_client)) as client:
            assert {t.name for t in (await client.list_tools()).tools} == set(TOOLS)
            targets = await call(client, "list_targets")
            assert targets["targets"][0]["snapshot"] == world.second
            schema = await call(client, "get_type", target="demo", name="Commit")
            assert "hash: String!" in schema["sdl"]


def test_binding_beyond_loopback_without_a_token_is_refused(world: World) -> None:
    config = write_config(world.root, world.api.graphql_url, token=False, name="no-token.toml")
    env = {**os.environ, **server_env(world), "MONITOR_CONFIG": str(config)}
    env.pop("MONITOR_MCP_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "mcp", "--http", "--host", "0.0.0.0", "--port", "0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "needs a bearer token" in done.stderr and "MONITOR_MCP_TOKEN" in done.stderr


# ------------------------------------------------------------------------------------------- notifications


async def test_a_new_snapshot_notifies_subscribed_clients(
    demo_session_server: DemoServer, tmp_path: Path, world: World
) -> None:
    api = demo_session_server
    api.switch(version="v1")
    settings = load_settings(write_config(tmp_path, api.graphql_url), env=ENV)
    await anyio.to_thread.run_sync(check, settings)
    app = create_app(settings, poll_interval=0.05)
    try:
        async with Client(app.server, cache=None) as client:
            before = await client.read_resource("schema://demo/latest")
            assert "commitHash" in before.contents[0].text
            async with client.listen(resource_subscriptions=["schema://demo/latest"]) as subscription:
                await app.watcher.check_now()  # the store as it is now is what the watcher compares with
                api.switch(version="v2")
                await anyio.to_thread.run_sync(check, settings)
                with anyio.fail_after(10):
                    event = await anext(aiter(subscription))
            assert isinstance(event, ResourceUpdated) and event.uri == "schema://demo/latest"
            after = await client.read_resource("schema://demo/latest")
            assert "type Commit {" in after.contents[0].text
    finally:
        app.catalog.close()
    # In the scheduler's process a check notifies at once, without waiting for the next poll.
    quiet = create_app(settings, poll_interval=3600)
    try:
        async with Client(quiet.server, cache=None) as client:
            await client.list_tools()
            assert await quiet.snapshot_stored() == []
            api.switch(version="v1")
            await anyio.to_thread.run_sync(check, settings)
            notified = await quiet.snapshot_stored()
            assert set(notified) == {"schema://demo/latest", "report://demo/latest"}
    finally:
        quiet.catalog.close()
        api.switch(version="v2")  # the module's world serves v2


async def test_handshake_era_clients_subscribe_with_resources_subscribe(
    demo_session_server: DemoServer, tmp_path: Path, world: World
) -> None:
    api = demo_session_server
    api.switch(version="v1")
    settings = load_settings(write_config(tmp_path, api.graphql_url), env=ENV)
    await anyio.to_thread.run_sync(check, settings)
    received: list[str] = []
    arrived = anyio.Event()

    async def on_message(message: object) -> None:
        if isinstance(message, ResourceUpdatedNotification):
            received.append(message.params.uri)
            arrived.set()

    app = create_app(settings, poll_interval=3600)
    try:
        async with Client(app.server, mode="legacy", message_handler=on_message, cache=None) as client:
            capabilities = client.server_capabilities
            assert capabilities.resources is not None and capabilities.resources.subscribe is True
            with pytest.warns(MCPDeprecationWarning):
                await client.subscribe_resource("report://demo/latest")
            assert app.notifier.subscribers("report://demo/latest") == 1
            api.switch(version="v2")
            await anyio.to_thread.run_sync(check, settings)
            assert set(await app.snapshot_stored()) == {"schema://demo/latest", "report://demo/latest"}
            with anyio.fail_after(5):
                await arrived.wait()
            assert received == ["report://demo/latest"], "only the subscribed resource"
            with pytest.warns(MCPDeprecationWarning):
                await client.unsubscribe_resource("report://demo/latest")
            assert app.notifier.subscribers("report://demo/latest") == 0
    finally:
        app.catalog.close()
