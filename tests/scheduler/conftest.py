"""Fixtures and helpers for the scheduler tests: configuration files, `gqlmon run` subprocesses, servers.

``write_config`` writes a monitor.toml; ``Replica`` is one ``python -m monitor run`` process whose JSON log
lines go to a file; ``wait_for`` polls a condition (every wait in these tests is a bounded poll, never a
fixed sleep that a slow machine could outrun). The faulty server's ``/slow`` path answers an introspection
after ``delay`` seconds: a check that is reliably "in progress" for signal and lease tests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import tomli_w

from monitor.adapters.store import Store, leases
from tests.adapters.slack_receiver import WEBHOOK_PATH, SlackReceiver
from tests.servers.demo import RunningServer
from tests.servers.faulty import FaultyApp
from tests.servers.faulty import RunningServer as FaultyServer

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


# --------------------------------------------------------------------------------------------- servers


@pytest.fixture(scope="session")
def faulty_session_server() -> Iterator[FaultyServer]:
    with FaultyServer(FaultyApp()) as server:
        yield server


@pytest.fixture
def slow_api(faulty_session_server: FaultyServer) -> FaultyServer:
    """The faulty GraphQL server, reset: ``url + "/slow"`` answers after ``app.delay`` seconds."""
    faulty_session_server.app.reset()
    return faulty_session_server


@pytest.fixture
def slack() -> Iterator[tuple[SlackReceiver, str]]:
    """A local Slack stand-in and the incoming-webhook URL that posts to it."""
    receiver = SlackReceiver()
    with RunningServer(receiver) as server:
        yield receiver, server.url_for(WEBHOOK_PATH)


# --------------------------------------------------------------------------------------------- config


def write_config(path: Path, targets: list[Mapping[str, Any]], **top: Any) -> Path:
    """Write monitor.toml (tomli-w): ``top`` keys (a dict becomes a ``[table]``), then a ``[[targets]]`` each."""
    path.write_text(tomli_w.dumps({**top, "targets": targets}), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------- waiting


def wait_for(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll ``condition`` until it returns something truthy (returned); AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --------------------------------------------------------------------------------------------- processes


@dataclass
class Replica:
    """One ``gqlmon run`` process (JSON logs in ``log_path``)."""

    popen: subprocess.Popen[bytes]
    log_path: Path
    exited_at: float | None = field(default=None)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def records(self) -> list[dict[str, Any]]:
        out = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def logged(self, fragment: str) -> bool:
        return fragment in self.text()

    def signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def wait(self, timeout: float) -> int:
        code = self.popen.wait(timeout)
        self.exited_at = self.exited_at or time.monotonic()
        return code


def child_env(**extra: str) -> dict[str, str]:
    """The test process's environment without MONITOR_* variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Replica]]:
    """``spawn(config, "name", *args)`` starts ``python -m monitor --config <config> <args or run>``.

    Every process started is SIGKILLed at teardown if it is still running.
    """
    started: list[Replica] = []

    def start(config: Path, name: str = "run", *args: str, env: Mapping[str, str] | None = None) -> Replica:
        log_path = tmp_path / f"{name}.log"
        handle = log_path.open("wb")
        try:
            popen = subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(config), *(args or ("run",))],
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=config.parent,
                env=dict(env) if env is not None else child_env(),
            )
        finally:
            handle.close()
        replica = Replica(popen, log_path)
        started.append(replica)
        return replica

    yield start
    for replica in started:
        if replica.popen.poll() is None:
            replica.popen.send_signal(signal.SIGKILL)
            replica.popen.wait(10)


# --------------------------------------------------------------------------------------------- store


def lease_rows(url: str) -> dict[str, tuple[str, Any]]:
    """name -> (holder, expires_at) of every lease row in the store at ``url``."""
    from sqlalchemy import select

    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(select(leases.c.name, leases.c.holder, leases.c.expires_at)).all()
    finally:
        store.close()
    return {r[0]: (r[1], r[2]) for r in rows}


def runs_of(url: str, target: str) -> list[Any]:
    """The target's runs, oldest first."""
    store = Store.open(url)
    try:
        return list(reversed(store.list_runs(target, limit=1000)))
    finally:
        store.close()
