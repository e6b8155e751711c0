"""The scheduler in-process: interval runs of the real demo check, no overlap, time limits, reload, metrics.

Each test runs :class:`monitor.runtime.scheduler.Scheduler` in the test's event loop (``handle_signals=False``;
the signal tests run ``gqlmon run`` as a real process). Where the check itself is not the point, a fake
check function stands in for :func:`monitor.runtime.service.run_check`.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from monitor.adapters.store import Store, new_run_id, utcnow
from monitor.core.report.model import DriftReport
from monitor.runtime.health import read_health
from monitor.runtime.leasing import preferred
from monitor.runtime.scheduler import Scheduler, SchedulerOptions, healthcheck
from monitor.runtime.service import CheckOutcome
from monitor.settings.loading import load_settings
from monitor.settings.models import Settings, TargetConfig
from tests.scheduler.conftest import lease_rows, runs_of, write_config
from tests.servers.demo import DemoServer
from tests.servers.faulty import RunningServer as FaultyServer

pytestmark = pytest.mark.anyio


def _settings(tmp_path: Path, targets: list[dict[str, Any]], **top: Any) -> Settings:
    top.setdefault("state", f"sqlite:///{tmp_path / 'state.db'}")
    top.setdefault("reports_dir", str(tmp_path / "reports"))
    top.setdefault("jitter", 0)
    return load_settings(write_config(tmp_path / "monitor.toml", targets, **top))


def _options(settings: Settings, **overrides: Any) -> SchedulerOptions:
    return replace(SchedulerOptions.from_settings(settings), tick=0.1, **overrides)


async def eventually(condition: Callable[[], Any], within: float, what: str) -> Any:
    """Poll ``condition`` until it returns something truthy (returned); AssertionError after ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await anyio.sleep(0.05)


@asynccontextmanager
async def running(scheduler: Scheduler, *, once: bool = False) -> AsyncIterator[list[int]]:
    """Run ``scheduler`` in the background; on exit stop it and collect its exit code."""
    codes: list[int] = []

    async def go() -> None:
        codes.append(await scheduler.run(once=once, handle_signals=False))

    async with anyio.create_task_group() as tg:
        tg.start_soon(go)
        with anyio.fail_after(10):
            await scheduler.ready.wait()
        try:
            yield codes
        finally:
            scheduler.request_stop()


def target_jobs(aps: Any) -> set[str]:
    """The ids of the per-target jobs (``@outbox`` and other housekeeping jobs start with ``@``)."""
    return {job.id for job in aps.get_jobs() if not job.id.startswith("@")}


def fake_outcome(target: TargetConfig, outcome: str = "unchanged") -> CheckOutcome:
    now = utcnow().isoformat()
    report = DriftReport(target.name, new_run_id(), now, now, outcome)  # type: ignore[arg-type]
    return CheckOutcome(report)


# --------------------------------------------------------------------------------------------- runs


async def test_runs_the_demo_target_on_its_interval(tmp_path: Path, demo_api: DemoServer) -> None:
    settings = _settings(tmp_path, [{"name": "demo", "url": demo_api.graphql_url, "schedule": "1s"}])
    store = Store.open(settings.state)
    scheduler = Scheduler(settings, store, options=_options(settings))
    try:
        async with running(scheduler) as codes:
            await eventually(lambda: len(runs_of(settings.state, "demo")) >= 3, 20, "three runs")
            assert healthcheck(settings, max_age=30) == 0
            demo_api.switch(version="v2")
            await eventually(
                lambda: any(r.outcome == "changed" for r in runs_of(settings.state, "demo")), 20, "drift"
            )
    finally:
        store.close()
    assert codes == [0]
    outcomes = [r.outcome for r in runs_of(settings.state, "demo")]
    assert outcomes[0] == "baseline"
    assert "changed" in outcomes and set(outcomes) <= {"baseline", "unchanged", "changed"}
    runs = runs_of(settings.state, "demo")
    assert all(b.started_at >= a.finished_at for a, b in itertools.pairwise(runs))  # never overlapping
    assert (read_health(scheduler.options.health_file) or {})["status"] == "stopped"
    assert healthcheck(settings, max_age=30) == 1
    assert scheduler.metrics.value("gqlmon_runs_total", target="demo", outcome="changed") == 1


async def test_once_runs_every_target_once_and_reports_failures(
    tmp_path: Path, demo_api: DemoServer, slow_api: FaultyServer
) -> None:
    targets = [
        {"name": "demo", "url": demo_api.graphql_url},
        {"name": "down", "url": slow_api.url("/unavailable"), "retries": 0},
    ]
    settings = _settings(tmp_path, targets)
    store = Store.open(settings.state)
    try:
        with anyio.fail_after(30):
            code = await Scheduler(settings, store, options=_options(settings)).run(
                once=True, handle_signals=False
            )
    finally:
        store.close()
    assert code == 3  # a target failed
    assert [r.outcome for r in runs_of(settings.state, "demo")] == ["baseline"]
    assert [r.outcome for r in runs_of(settings.state, "down")] == ["failed"]


async def test_a_slow_check_never_overlaps_itself(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, [{"name": "slow", "url": "http://127.0.0.1:9/graphql", "schedule": "0.2s"}]
    )
    active = 0
    peak = 0
    started = 0

    async def slow_check(settings: Settings, target: TargetConfig, store: Store) -> CheckOutcome:
        nonlocal active, peak, started
        active += 1
        started += 1
        peak = max(peak, active)
        try:
            await anyio.sleep(1.0)  # five intervals
        finally:
            active -= 1
        return fake_outcome(target)

    store = Store.open(settings.state)
    scheduler = Scheduler(settings, store, options=_options(settings), check=slow_check)
    try:
        async with running(scheduler):
            await eventually(
                lambda: scheduler.metrics.value("gqlmon_runs_total", target="slow", outcome="unchanged") >= 2,
                10,
                "two runs",
            )
    finally:
        store.close()
    assert peak == 1
    assert started <= 3  # not one per 0.2 s trigger: skipped while running


async def test_a_check_over_its_time_limit_is_stopped(tmp_path: Path) -> None:
    settings = _settings(tmp_path, [{"name": "stuck", "url": "http://127.0.0.1:9/graphql", "schedule": "1h"}])
    cancelled = anyio.Event()

    async def stuck_check(settings: Settings, target: TargetConfig, store: Store) -> CheckOutcome:
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()
        raise AssertionError("unreachable")

    store = Store.open(settings.state)
    scheduler = Scheduler(settings, store, options=_options(settings, run_timeout=0.3), check=stuck_check)
    clock = time.monotonic()
    try:
        async with running(scheduler) as codes:
            with anyio.fail_after(10):
                await cancelled.wait()
            await eventually(
                lambda: scheduler.metrics.value("gqlmon_runs_total", target="stuck", outcome="timeout"),
                5,
                "t",
            )
            elapsed = time.monotonic() - clock
            assert scheduler.metrics.value("gqlmon_run_failures_total", target="stuck") == 1
            # The interval was served (badly): the lease stays held until its end, so no replica retries
            # a target that hangs every time in a loop.
            assert lease_rows(settings.state)["check:stuck"][0] == scheduler.holder
    finally:
        store.close()
    assert codes == [0]
    assert elapsed < 9  # stopped by the 0.3 s limit, not by the test's own timeout


async def test_a_crashing_check_is_logged_and_the_scheduler_lives_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(
        tmp_path, [{"name": "buggy", "url": "http://127.0.0.1:9/graphql", "schedule": "0.3s"}]
    )
    calls = 0

    async def buggy(settings: Settings, target: TargetConfig, store: Store) -> CheckOutcome:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom")

    store = Store.open(settings.state)
    scheduler = Scheduler(settings, store, options=_options(settings), check=buggy)
    try:
        async with running(scheduler):
            await eventually(lambda: calls >= 2, 10, "two crashed checks")
    finally:
        store.close()
    assert scheduler.metrics.value("gqlmon_run_failures_total", target="buggy") >= 2
    assert "check crashed: boom" in caplog.text
    assert "check:buggy" not in lease_rows(settings.state)  # released: another replica may try now


# --------------------------------------------------------------------------------------------- reload


async def test_a_config_file_change_adds_removes_and_reschedules(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/graphql"
    settings = _settings(
        tmp_path, [{"name": "a", "url": url, "schedule": "1h"}, {"name": "b", "url": url, "schedule": "1h"}]
    )
    checked: list[str] = []

    async def check(settings: Settings, target: TargetConfig, store: Store) -> CheckOutcome:
        checked.append(target.name)
        return fake_outcome(target)

    store = Store.open(settings.state)
    scheduler = Scheduler(settings, store, options=_options(settings), check=check)
    try:
        async with running(scheduler):
            await eventually(lambda: {"a", "b"} <= set(checked), 10, "first checks")
            aps = scheduler._aps
            assert aps is not None
            assert target_jobs(aps) == {"a", "b"}
            write_config(
                settings.config_path or tmp_path / "monitor.toml",
                [{"name": "b", "url": url, "schedule": "30m"}, {"name": "c", "url": url, "schedule": "1h"}],
                state=settings.state,
                reports_dir=str(tmp_path / "reports"),
                jitter=0,
            )
            await eventually(lambda: target_jobs(aps) == {"b", "c"}, 10, "reload")
            assert aps.get_job("b").trigger.interval.total_seconds() == 1800
            await eventually(lambda: "c" in checked, 10, "the new target's first check")

            # An invalid file is reported and the running configuration kept.
            (settings.config_path or tmp_path / "monitor.toml").write_text("targets = 7\n")
            assert await scheduler.reload() is False
            assert target_jobs(aps) == {"b", "c"}
    finally:
        store.close()
    assert checked.count("b") == 1  # rescheduling did not run it again


# --------------------------------------------------------------------------------------------- metrics


_SAMPLE = re.compile(r'^[a-z_:][a-z0-9_:]*(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? [-+0-9.eE]+|[-+]Inf$')


def _metrics(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
            continue
        assert _SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


async def test_metrics_and_healthz_over_http(
    tmp_path: Path, demo_api: DemoServer, slow_api: FaultyServer
) -> None:
    targets = [
        {"name": "demo", "url": demo_api.graphql_url, "schedule": "0.5s"},
        {"name": "down", "url": slow_api.url("/unavailable"), "schedule": "1h", "retries": 0},
    ]
    settings = _settings(tmp_path, targets)
    store = Store.open(settings.state)
    scheduler = Scheduler(settings, store, options=_options(settings, metrics_port=0))
    try:
        async with running(scheduler):
            await eventually(lambda: len(runs_of(settings.state, "demo")) >= 1, 20, "baseline")
            demo_api.switch(version="v2")
            await eventually(
                lambda: any(r.outcome == "changed" for r in runs_of(settings.state, "demo")), 20, "drift"
            )
            await eventually(lambda: runs_of(settings.state, "down"), 20, "the failing target's run")
            # The store has the run a moment before the metrics count it.
            await eventually(
                lambda: (
                    scheduler.metrics.value("gqlmon_runs_total", target="demo", outcome="changed")
                    and scheduler.metrics.value("gqlmon_runs_total", target="down", outcome="failed")
                ),
                10,
                "the runs counted",
            )
            assert scheduler.http_address is not None
            host, port = scheduler.http_address
            async with httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=5) as client:
                response = await client.get("/metrics")
                health = await client.get("/healthz")
                missing = await client.get("/nope")
    finally:
        store.close()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    values = _metrics(response.text)
    assert values['gqlmon_runs_total{outcome="baseline",target="demo"}'] == 1
    assert values['gqlmon_runs_total{outcome="changed",target="demo"}'] == 1
    assert values['gqlmon_runs_total{outcome="failed",target="down"}'] == 1
    assert values['gqlmon_run_failures_total{target="down"}'] == 1
    assert values['gqlmon_changes_total{criticality="breaking",target="demo"}'] >= 1
    count = values['gqlmon_check_duration_seconds_count{target="demo"}']
    assert count >= 2 and values['gqlmon_check_duration_seconds_bucket{le="+Inf",target="demo"}'] == count
    assert values['gqlmon_check_duration_seconds_sum{target="demo"}'] > 0
    assert values["gqlmon_scheduler_last_loop_timestamp_seconds"] > time.time() - 60
    assert "# TYPE gqlmon_check_duration_seconds histogram" in response.text
    assert health.status_code == 200 and health.text.startswith("ok")
    assert missing.status_code == 404


# --------------------------------------------------------------------------------------------- two schedulers


HOLDERS = ("left", "right")  # a, b and c split between these two (rendezvous hashing)


async def test_two_schedulers_on_one_sqlite_store_check_each_target_once_per_interval(tmp_path: Path) -> None:
    """The lease logic on SQLite: two schedulers (two store connections, two holders) share the targets."""
    url = "http://127.0.0.1:9/graphql"
    names = ["a", "b", "c"]
    settings = _settings(tmp_path, [{"name": n, "url": url, "schedule": "0.5s"} for n in names])
    checks: list[tuple[str, str, float, float]] = []  # holder, target, start, end

    def checker(holder: str) -> Callable[[Settings, TargetConfig, Store], Awaitable[CheckOutcome]]:
        async def check(settings: Settings, target: TargetConfig, store: Store) -> CheckOutcome:
            start = time.monotonic()
            await anyio.sleep(0.05)
            checks.append((holder, target.name, start, time.monotonic()))
            return fake_outcome(target)

        return check

    stores = [Store.open(settings.state), Store.open(settings.state)]
    schedulers = [
        Scheduler(
            settings, s, options=_options(settings, heartbeat=0.2), holder=holder, check=checker(holder)
        )
        for holder, s in zip(HOLDERS, stores, strict=True)
    ]
    try:
        async with running(schedulers[0]), running(schedulers[1]):
            clock = time.monotonic()
            await anyio.sleep(3.0)
            elapsed = time.monotonic() - clock
    finally:
        for s in stores:
            s.close()
    for name in names:
        mine = sorted((start, end, holder) for holder, n, start, end in checks if n == name)
        # One check per 0.5 s interval between the two of them (two unleased schedulers would do twice that).
        assert 3 <= len(mine) <= elapsed / 0.5 + 2, (name, mine)
        for (start_a, end_a, holder_a), (start_b, _, holder_b) in itertools.pairwise(mine):
            assert start_b >= end_a  # never two at once
            if holder_b != holder_a:  # a hand-over waits for the end of the interval the lease served
                assert start_b - start_a > 0.4, (name, mine)
        # Shared: once both know each other, each target is checked by its preferred scheduler.
        assert {holder for _, _, holder in mine[-2:]} == {preferred(name, HOLDERS)}, (name, mine)
    assert {preferred(n, HOLDERS) for n in names} == set(HOLDERS)  # (these names split between them)
    skips = sum(s.metrics.value("gqlmon_lease_skips_total", target=n) for s in schedulers for n in names)
    assert skips > 0
