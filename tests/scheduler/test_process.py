"""``gqlmon run`` and ``gqlmon healthcheck`` as real processes: signals, reload on SIGHUP, logs, health.

Each test starts ``python -m monitor ... run`` with a configuration in its tmp directory and a SQLite
store, talks to it only through signals, files and the store, and waits by polling with a bound.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from monitor.runtime.health import HealthState, read_health, write_health
from tests.scheduler.conftest import Replica, child_env, lease_rows, runs_of, wait_for, write_config
from tests.servers.demo import DemoServer
from tests.servers.faulty import RunningServer as FaultyServer


def _config(tmp_path: Path, targets: list[dict[str, object]], **top: object) -> tuple[Path, str]:
    state = f"sqlite:///{tmp_path / 'state.db'}"
    top = {"state": state, "reports_dir": str(tmp_path / "reports"), "jitter": 0, **top}
    return write_config(tmp_path / "monitor.toml", targets, **top), state


def _in_flight(api: FaultyServer, path: str) -> Callable[[], bool]:
    return lambda: api.app.counts[path] >= 1


def test_sigterm_lets_a_running_check_finish_within_the_grace_period(
    tmp_path: Path, slow_api: FaultyServer, spawn: Callable[..., Replica]
) -> None:
    slow_api.app.delay = 1.5
    config, state = _config(
        tmp_path, [{"name": "slow", "url": slow_api.url("/slow"), "schedule": "1h"}], grace_period="30s"
    )
    replica = spawn(config)
    wait_for(_in_flight(slow_api, "/slow"), 20, "the check to reach the server")
    replica.signal(signal.SIGTERM)
    assert replica.wait(30) == 0
    [run] = runs_of(state, "slow")
    assert run.outcome == "baseline" and run.new_snapshot
    assert replica.logged("waiting up to 30 s for 1 running checks")
    assert (read_health(tmp_path / ".gqlmon" / "health.json") or {})["status"] == "stopped"


def test_sigterm_cancels_a_check_that_outlasts_the_grace_period_and_leaves_the_store_consistent(
    tmp_path: Path, demo_api: DemoServer, slow_api: FaultyServer, spawn: Callable[..., Replica]
) -> None:
    slow_api.app.delay = 120
    targets = [
        {"name": "demo", "url": demo_api.graphql_url, "schedule": "1h"},
        {"name": "slow", "url": slow_api.url("/slow"), "schedule": "1h"},
    ]
    config, state = _config(tmp_path, targets, grace_period="1s")
    replica = spawn(config)
    wait_for(lambda: runs_of(state, "demo"), 20, "the demo target's baseline")
    wait_for(_in_flight(slow_api, "/slow"), 20, "the slow check to reach the server")
    clock = time.monotonic()
    replica.signal(signal.SIGTERM)
    assert replica.wait(30) == 0
    assert time.monotonic() - clock < 20  # the grace period ended it, not the 120 s check
    assert replica.logged("cancelling 1 checks that did not finish in time: slow")
    # Consistent: the finished check is intact, the cancelled one left nothing behind, not even its lease.
    assert [r.outcome for r in runs_of(state, "demo")] == ["baseline"]
    assert runs_of(state, "slow") == []
    assert "check:slow" not in lease_rows(state)
    with sqlite3.connect(tmp_path / "state.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM target_snapshots").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM snapshots").fetchone() == (1,)


def test_a_second_sigterm_cancels_at_once(
    tmp_path: Path, slow_api: FaultyServer, spawn: Callable[..., Replica]
) -> None:
    slow_api.app.delay = 120
    config, state = _config(
        tmp_path, [{"name": "slow", "url": slow_api.url("/slow"), "schedule": "1h"}], grace_period="10m"
    )
    replica = spawn(config)
    wait_for(_in_flight(slow_api, "/slow"), 20, "the check to reach the server")
    replica.signal(signal.SIGTERM)
    wait_for(lambda: replica.logged("waiting up to"), 10, "the graceful shutdown to begin")
    replica.signal(signal.SIGTERM)
    assert replica.wait(30) == 0
    assert runs_of(state, "slow") == []


def test_sighup_reloads_targets_without_a_restart(
    tmp_path: Path, demo_api: DemoServer, spawn: Callable[..., Replica]
) -> None:
    url = demo_api.graphql_url
    # Padded so the new file has the very same size: with its mtime restored too, only SIGHUP can tell.
    config, state = _config(tmp_path, [{"name": "first", "url": url, "schedule": "1h"}])
    original = config.read_bytes() + b"#" * 200 + b"\n"
    config.write_bytes(original)
    replica = spawn(config)
    wait_for(lambda: runs_of(state, "first"), 20, "the first target's check")
    stat = config.stat()

    _config(tmp_path, [{"name": "second", "url": url, "schedule": "1h"}])
    body = config.read_bytes()
    padding = len(original) - len(body) - 1
    assert padding > 0
    config.write_bytes(body + b"#" * padding + b"\n")
    os.utime(config, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    time.sleep(0.5)  # a polling reload (if the stamp check saw a change) would happen within a tick
    assert not runs_of(state, "second")

    replica.signal(signal.SIGHUP)
    wait_for(lambda: runs_of(state, "second"), 20, "the added target's check")
    assert replica.logged("SIGHUP: reloading the configuration")
    assert replica.logged("added: second; removed: first")
    assert replica.popen.poll() is None
    replica.signal(signal.SIGTERM)
    assert replica.wait(30) == 0


def test_json_logs_carry_target_and_run_id_and_never_a_secret(
    tmp_path: Path, demo_api: DemoServer, slow_api: FaultyServer, spawn: Callable[..., Replica]
) -> None:
    api_key = "k3y-0f-the-demo-9b1c7e"
    token = "t0ken-echoed-by-the-server-4d2a"
    targets = [
        {"name": "demo", "url": demo_api.graphql_url, "headers": {"X-Api-Key": "${DEMO_API_KEY}"}},
        # This server echoes the bearer token in its error message: the failed check's log must not.
        {
            "name": "locked",
            "url": slow_api.url("/disabled"),
            "retries": 0,
            "auth": {"kind": "bearer", "token": "${LOCKED_TOKEN}"},
        },
    ]
    config, state = _config(tmp_path, targets)
    replica = spawn(
        config, "once", "-v", "run", "--once", env=child_env(DEMO_API_KEY=api_key, LOCKED_TOKEN=token)
    )
    assert replica.wait(60) == 3  # a target failed
    assert slow_api.app.requests_to("/disabled")[0].headers["authorization"] == f"Bearer {token}"
    text = replica.text()
    assert api_key not in text and token not in text
    records = replica.records()
    assert len(records) == len(text.splitlines())  # every line is one JSON object
    for record in records:
        assert {"ts", "level", "logger", "msg"} <= set(record)
    runs = {r.target: r.id for name in ("demo", "locked") for r in runs_of(state, name)}
    for name in ("demo", "locked"):
        mine = [r for r in records if r.get("target") == name and r.get("run_id") == runs[name]]
        messages = [r["msg"] for r in mine]
        assert "check started" in messages
        assert any(m.startswith(("check finished", "check failed")) for m in messages)
    [failed] = [r for r in records if r["msg"].startswith("check failed")]
    assert "***" in failed["msg"]


def _healthcheck(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "healthcheck", *args],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
        check=False,
    )


def test_healthcheck_exit_codes(tmp_path: Path) -> None:
    health = tmp_path / "run" / "health.json"
    config, _ = _config(
        tmp_path, [{"name": "x", "url": "http://127.0.0.1:9/graphql"}], health_file=str(health)
    )
    missing = _healthcheck(config)
    assert missing.returncode == 1 and "no health file" in missing.stdout

    now = time.time()
    write_health(health, HealthState("running", 1, "h", now - 5, now))
    fresh = _healthcheck(config)
    assert fresh.returncode == 0 and fresh.stdout.startswith("healthy")

    write_health(health, HealthState("running", 1, "h", now - 900, now - 600))
    stale = _healthcheck(config)
    assert stale.returncode == 1 and "last ticked" in stale.stdout
    assert _healthcheck(config, "--max-age", "3600").returncode == 0

    write_health(health, HealthState("stopped", 1, "h", now - 5, now))
    assert _healthcheck(config).returncode == 1


@pytest.mark.slow
def test_healthcheck_follows_a_running_scheduler(
    tmp_path: Path, demo_api: DemoServer, spawn: Callable[..., Replica]
) -> None:
    config, state = _config(tmp_path, [{"name": "demo", "url": demo_api.graphql_url, "schedule": "1h"}])
    replica = spawn(config)
    wait_for(lambda: runs_of(state, "demo"), 20, "the first check")
    assert _healthcheck(config).returncode == 0
    replica.signal(signal.SIGSTOP)  # a wedged process stops ticking
    try:
        time.sleep(2.5)
        assert _healthcheck(config, "--max-age", "2").returncode == 1
    finally:
        replica.signal(signal.SIGCONT)
    wait_for(lambda: _healthcheck(config, "--max-age", "2").returncode == 0, 20, "the loop to tick again")
    replica.signal(signal.SIGTERM)
    assert replica.wait(30) == 0
    assert _healthcheck(config).returncode == 1


def _get(port: int, path: str) -> httpx.Response | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)
    except httpx.TransportError:
        return None


def test_run_serves_healthz_and_metrics_and_sigterm_stops_the_server_too(
    tmp_path: Path, demo_api: DemoServer, spawn: Callable[..., Replica]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # free a moment ago
    config, state = _config(
        tmp_path, [{"name": "demo", "url": demo_api.graphql_url, "schedule": "1h"}], metrics_port=port
    )
    replica = spawn(config)
    wait_for(lambda: runs_of(state, "demo"), 20, "the first check")
    health = wait_for(lambda: _get(port, "/healthz"), 20, "/healthz to answer")
    assert health.status_code == 200
    assert health.text.startswith("ok: 1 targets scheduled, ") and health.text.endswith(" checks running\n")
    sample = 'gqlmon_runs_total{outcome="baseline",target="demo"} 1.0'

    def counted() -> httpx.Response | None:
        response = _get(port, "/metrics")
        return response if response is not None and sample in response.text else None

    metrics = wait_for(counted, 20, "the run counted")
    assert metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"

    replica.signal(signal.SIGTERM)  # the scheduler's, not uvicorn's: a graceful stop, then exit 0
    assert replica.wait(30) == 0
    assert replica.logged("SIGTERM: shutting down")
    assert _get(port, "/healthz") is None  # the server stopped with the scheduler
    assert (read_health(tmp_path / ".gqlmon" / "health.json") or {})["status"] == "stopped"
    records = replica.records()
    assert len(records) == len(replica.text().splitlines())  # uvicorn printed no line of its own
    assert not [r for r in records if r["logger"].startswith("uvicorn")]
    assert any(r["msg"] == f"serving /metrics and /healthz on 127.0.0.1:{port}" for r in records)


def test_run_on_a_busy_metrics_port_fails_at_once_with_one_line(
    tmp_path: Path, spawn: Callable[..., Replica]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        config, _ = _config(tmp_path, [{"name": "x", "url": "http://127.0.0.1:9/graphql"}], metrics_port=port)
        replica = spawn(config)
        assert replica.wait(60) == 2
    assert replica.text().splitlines() == [
        f"gqlmon: error: cannot serve /metrics and /healthz on 127.0.0.1:{port}: the port is in use: "
        "stop what listens there, or set another metrics_port in monitor.toml"
    ]
    assert read_health(tmp_path / ".gqlmon" / "health.json") is None  # nothing started
