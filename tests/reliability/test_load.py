"""Load: 200 targets (one real server under many names), 10 % failing in different ways, checked in one
process by ``check_targets``: every healthy target completes every round, and memory stays bounded over
1,000 checks. Figures (p95 check latency, RSS) are printed; timing is never asserted."""

from __future__ import annotations

import gc
import socket
import statistics
import time
from datetime import datetime
from pathlib import Path

import pytest

from monitor.adapters.store import Store
from monitor.runtime.batch import check_targets
from monitor.runtime.service import CheckOutcome
from monitor.settings.models import TargetConfig
from tests.reliability.conftest import settings_for, target
from tests.reliability.figures import FIGURES
from tests.servers.faulty import FaultyApp, RunningServer

pytestmark = pytest.mark.anyio

TARGETS = 200
ROUNDS = 5  # 1,000 checks
FAILING_PATHS = ["/html", "/unavailable", "/truncated", "/bomb", "/partial", "/disabled", "/garbage", "/slow"]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _targets(server: RunningServer) -> tuple[list[TargetConfig], set[str]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    failing_urls = [server.url(p) for p in FAILING_PATHS] + [f"http://127.0.0.1:{closed}/graphql"]
    targets, failing = [], set()
    for i in range(TARGETS):
        name = f"t{i:03d}"
        if i % 10 == 9:  # every tenth target fails, each a different way
            url = failing_urls[(i // 10) % len(failing_urls)]
            targets.append(target(name, url, timeout=0.5))
            failing.add(name)
        else:
            targets.append(target(name, server.url("/graphql"), timeout=10.0))
    return targets, failing


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_two_hundred_targets_a_thousand_checks(
    api: FaultyApp, api_server: RunningServer, tmp_path: Path
) -> None:
    api.delay = 5.0  # /slow answers after the 0.5 s timeout
    targets, failing = _targets(api_server)
    settings = settings_for(tmp_path, targets, concurrency=32)
    store = Store.open(settings.state)
    latencies: list[float] = []
    rss: dict[int, float] = {}
    started = time.perf_counter()
    try:
        for round_ in range(1, ROUNDS + 1):
            outcomes = await check_targets(settings, targets, store)
            for outcome in outcomes:
                report = outcome.report
                if report.target in failing:
                    assert report.outcome == "failed", (report.target, report.outcome)
                    continue
                expected = "baseline" if round_ == 1 else "unchanged"
                assert report.outcome == expected, (report.target, report.outcome, report.error)
                latencies.append(_seconds(outcome))
            gc.collect()
            rss[round_ * TARGETS] = _rss_mb()
    finally:
        store.close()
    elapsed = time.perf_counter() - started
    p95 = statistics.quantiles(latencies, n=20)[-1]
    growth = rss[ROUNDS * TARGETS] - rss[TARGETS]
    print(f"\nload: p95 {p95 * 1000:.0f} ms, RSS by checks {rss}, {elapsed:.1f}s")
    assert growth < 150, f"RSS grew {growth:.0f} MB between check {TARGETS} and {ROUNDS * TARGETS}"
    FIGURES.load = {
        "targets": TARGETS,
        "failing": len(failing),
        "checks": ROUNDS * TARGETS,
        "seconds": elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": p95 * 1000,
        "rss_200_mb": rss[TARGETS],
        "rss_end_mb": rss[ROUNDS * TARGETS],
    }


def _seconds(outcome: CheckOutcome) -> float:
    report = outcome.report
    return (
        datetime.fromisoformat(report.finished_at) - datetime.fromisoformat(report.started_at)
    ).total_seconds()
