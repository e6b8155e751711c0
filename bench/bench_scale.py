"""Scale figure of ``gqlmon run``: one scheduler process monitoring many targets, then two replicas.

Run: ``python bench/bench_scale.py`` (``--targets 200 --interval 15 --duration 75``; ``--replica-duration 90``;
``--github 5``). Issue 16's figure: ``--interval 60 --duration 150``.
Prints the figures and exits 0. No timing is asserted anywhere: this reports, it does not judge.

Setup: one demo API process (``python -m monitor.demo serve``) serves every target: the 200 targets are
the same endpoint under 200 names, so the numbers measure gqlmon, not a fleet of servers. ``--github N`` of
them (default 5) are of real size instead: GitHub's public schema (12.41.1, 5 MB of introspection JSON) served
by GraphQL Inspector's ``serve`` (tests/npm, ``make tools``); their figures are also shown apart. Each check
is the real thing: full introspection over HTTP, fingerprint, store write (SQLite), report publishing.

1. **Baseline** (in this process): the same 200 checks run sequentially in one loop, twice (the first round
   stores the baselines, the second is the steady state: "unchanged" checks). It gives the cost of one
   check without a scheduler: latency and CPU per check.
2. **Scheduler**: ``gqlmon run`` as a subprocess, every target on a ``--interval`` schedule, for
   ``--duration`` seconds. Measured from its store (each run's start and end) and from /proc (CPU, RSS):
   checks per minute sustained against the rate the schedule asks for, p95 latency of a steady-state check,
   CPU per check and peak RSS. Ratios compare with the baseline measured just before.
3. **Two replicas on PostgreSQL** (when ``GQLMON_TEST_POSTGRES_URL`` is set; a fresh schema is used and
   dropped): the same targets, two ``gqlmon run`` processes. The total should be what one replica does
   (each target once per interval, not twice); each replica's share, CPU and RSS are shown. The replicas
   start together, so the first intervals include the hand-over of each target to its preferred replica
   (at most one interval late, once): the longer run keeps that start-up transient small in the figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


#: ``--github`` targets' URL (GitHub's schema served by Inspector), set by main(); the rest use the demo API.
GITHUB: dict[str, str] = {}


def target_names(n: int) -> list[str]:
    return [f"t{i:03d}" for i in range(n)]


def write_config(path: Path, state: str, url: str, n: int, interval: float, **top: Any) -> Path:
    lines = [f"state = {json.dumps(state)}", f"reports_dir = {json.dumps(str(path.parent / 'reports'))}"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in top.items()]
    for name in target_names(n):
        lines += [
            "",
            "[[targets]]",
            f'name = "{name}"',
            f"url = {json.dumps(GITHUB.get(name, url))}",
            f'schedule = "{interval:g}s"',
            'timeout = "60s"',
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Sampled:
    """A process sampled once a second: CPU at the start and end, the highest RSS seen."""

    pid: int
    cpu_start: float = 0.0
    cpu_end: float = 0.0
    rss_peak: float = 0.0
    rss_samples: list[float] = field(default_factory=list)

    def sample(self) -> None:
        try:
            rss = rss_mb(self.pid)
            self.cpu_end = cpu_seconds(self.pid)
        except (OSError, IndexError):
            return
        self.rss_samples.append(rss)
        self.rss_peak = max(self.rss_peak, rss)


@dataclass
class RunFigures:
    checks: int
    window: float
    latencies: list[float]

    @property
    def per_minute(self) -> float:
        return self.checks / self.window * 60 if self.window > 0 else 0.0


def steady_runs(url: str, names: list[str], since: float, until: float) -> tuple[RunFigures, dict[str, int]]:
    """Runs started in [since, until] (unix time) that are not a target's first, and a count per outcome."""
    from monitor.adapters.store import Store

    store = Store.open(url)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    try:
        for name in names:
            runs = list(reversed(store.list_runs(name, limit=10_000)))
            for run in runs[1:]:
                start = run.started_at.timestamp()
                if since <= start <= until:
                    latencies.append((run.finished_at - run.started_at).total_seconds())
                    outcomes[run.outcome] = outcomes.get(run.outcome, 0) + 1
    finally:
        store.close()
    return RunFigures(len(latencies), until - since, latencies), outcomes


def duplicate_checks(url: str, names: list[str], interval: float, since: float) -> int:
    """How often a target was checked again less than half an interval after its previous check."""
    from monitor.adapters.store import Store

    store = Store.open(url)
    count = 0
    try:
        for name in names:
            starts = sorted(r.started_at.timestamp() for r in store.list_runs(name, limit=10_000))
            starts = [s for s in starts if s >= since]
            count += sum(1 for a, b in itertools.pairwise(starts) if b - a < interval / 2)
    finally:
        store.close()
    return count


def scrape(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    totals: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        name, value = line.rsplit(" ", 1)
        family = name.split("{", 1)[0]
        totals[family] = totals.get(family, 0.0) + float(value)
    return totals


# --------------------------------------------------------------------------------------------- phases


def baseline(url: str, n: int, workdir: Path) -> tuple[RunFigures, float, float]:
    """The checks run one after another in one loop: (steady-state figures, CPU s per check, wall s)."""
    import anyio

    from monitor.adapters.store import Store
    from monitor.runtime.service import run_check
    from monitor.settings.loading import load_settings

    config = write_config(workdir / "monitor.toml", f"sqlite:///{workdir / 'state.db'}", url, n, 60)
    settings = load_settings(config)
    store = Store.open(settings.state)
    latencies: list[float] = []

    async def loop() -> None:
        for target in settings.targets:  # round 1: baselines
            await run_check(settings, target, store)
        for target in settings.targets:  # round 2: steady state
            clock = time.perf_counter()
            await run_check(settings, target, store)
            latencies.append(time.perf_counter() - clock)

    cpu = time.process_time()
    wall = time.perf_counter()
    try:
        anyio.run(loop)
    finally:
        store.close()
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    steady_wall = sum(latencies)
    return RunFigures(len(latencies), steady_wall, latencies), cpu / (2 * n), wall


def scheduler(
    url: str, n: int, interval: float, duration: float, workdir: Path, state: str, replicas: int
) -> dict[str, Any]:
    """``replicas`` ``gqlmon run`` processes on ``state`` for ``duration`` s; figures from store and /proc."""
    config = write_config(workdir / "monitor.toml", state, url, n, interval, metrics_host="127.0.0.1")
    ports = [free_port() for _ in range(replicas)]
    procs = []
    for i, port in enumerate(ports):
        log = (workdir / f"run-{i}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(config), "run"],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                env=child_env(
                    MONITOR_METRICS_PORT=str(port), MONITOR_HEALTH_FILE=str(workdir / f"health-{i}.json")
                ),
            )
        )
        log.close()
    sampled = [Sampled(p.pid) for p in procs]
    time.sleep(1.0)
    for s in sampled:
        s.cpu_start = cpu_seconds(s.pid)
    start = time.time()
    # The first interval stores every target's baseline; the steady state starts after it.
    steady_from = start + interval
    deadline = start + duration
    while time.time() < deadline:
        for s in sampled:
            s.sample()
        time.sleep(1.0)
    end = time.time()
    metrics = []
    for port in ports:
        try:
            metrics.append(scrape(port))
        except OSError:
            metrics.append({})
    for s in sampled:
        s.sample()
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    codes = [proc.wait(60) for proc in procs]
    names = target_names(n)
    figures, outcomes = steady_runs(state, names, steady_from, end)
    github, _ = steady_runs(state, [m for m in names if m in GITHUB], steady_from, end)
    return {
        "github": github,
        "figures": figures,
        "outcomes": outcomes,
        "duplicates": duplicate_checks(state, names, interval, steady_from),
        "cpu": [s.cpu_end - s.cpu_start for s in sampled],
        "rss_peak": [s.rss_peak for s in sampled],
        "rss_last": [s.rss_samples[-1] if s.rss_samples else 0.0 for s in sampled],
        "metrics": metrics,
        "codes": codes,
        "all_checks": sum(m.get("gqlmon_runs_total", 0) for m in metrics),
        "wall": end - start,
    }


# --------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--interval", type=float, default=15.0, help="schedule of every target, seconds")
    parser.add_argument("--duration", type=float, default=75.0, help="scheduler run, seconds")
    parser.add_argument("--replica-duration", type=float, default=90.0, help="two-replica run, seconds")
    parser.add_argument("--github", type=int, default=5, help="targets serving GitHub's real schema")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # figures appear as each phase ends
    n, interval = args.targets, args.interval
    demand = n / interval * 60

    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "monitor.demo", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    inspector_dir = tempfile.TemporaryDirectory(prefix="gqlmon-bench-gh-")
    inspector = None
    try:
        if args.github:
            from tests.realapi.inspector import InspectorServer

            inspector = InspectorServer(Path(inspector_dir.name))
            inspector.serve("github-12.41.1")
            # spread over the list, so they are not all checked at once
            step = max(1, n // args.github)
            GITHUB.update({name: inspector.url for name in target_names(n)[::step][: args.github]})
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_demo/version", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory(prefix="gqlmon-bench-") as tmp:
            root = Path(tmp)
            (root / "baseline").mkdir()
            (root / "sqlite").mkdir()
            print(
                f"gqlmon scale bench: {n} targets ({n - len(GITHUB)} names of one demo API, {len(GITHUB)} of "
                f"GitHub's schema served by graphql-inspector), every {interval:g} s"
            )
            print(f"  schedule asks for {demand:.0f} checks/min\n")

            base, base_cpu, base_wall = baseline(url, n, root / "baseline")
            base_rate = base.per_minute
            print("baseline: the same checks, sequential, one loop, in-process")
            print(
                f"  {2 * n} checks in {base_wall:.1f} s; steady state: {base_rate:.0f} checks/min capacity,"
            )
            print(
                f"  p50 {statistics.median(base.latencies) * 1000:.0f} ms, "
                f"p95 {p95(base.latencies) * 1000:.0f} ms per check, CPU {base_cpu * 1000:.1f} ms per check\n"
            )

            demo_cpu = cpu_seconds(demo.pid)
            one = scheduler(
                url,
                n,
                interval,
                args.duration,
                root / "sqlite",
                f"sqlite:///{root / 'sqlite' / 'state.db'}",
                1,
            )
            demo_cpu = cpu_seconds(demo.pid) - demo_cpu
            fig = one["figures"]
            checks_total = one["all_checks"] or fig.checks
            cpu_per_check = one["cpu"][0] / checks_total if checks_total else float("nan")
            print(
                f"scheduler: one `gqlmon run` process, SQLite, {args.duration:.0f} s (exit code {one['codes'][0]})"
            )
            print(
                f"  checks/min sustained  {fig.per_minute:7.0f}   ({fig.per_minute / demand:.2f} x the schedule's "
                f"{demand:.0f}; {fig.per_minute / base_rate:.2f} x the sequential capacity)"
            )
            if fig.latencies:
                late = p95(fig.latencies)
                print(
                    f"  p95 check latency     {late * 1000:7.0f} ms ({late / p95(base.latencies):.2f} x baseline "
                    f"p95; p50 {statistics.median(fig.latencies) * 1000:.0f} ms)"
                )
            cpu = one["cpu"][0]
            print(
                f"  CPU                   {cpu:7.1f} s  ({cpu / one['wall'] * 100:.0f}% of one core; "
                f"{cpu_per_check * 1000:.1f} ms per check = {cpu_per_check / base_cpu:.2f} x baseline)"
            )
            peak, last = one["rss_peak"][0], one["rss_last"][0]
            print(f"  RSS                   {peak:7.0f} MB peak ({last:.0f} MB at the end)")
            outcomes = ", ".join(f"{k} {v}" for k, v in sorted(one["outcomes"].items()))
            print(
                f"  steady-state checks   {fig.checks} ({outcomes}); "
                f"checked again within half an interval: {one['duplicates']}"
            )
            print(f"  demo API server CPU   {demo_cpu:7.1f} s")
            gh = one["github"]
            if gh.latencies:
                print(
                    f"  GitHub-size targets   {gh.checks} steady-state checks, p50 "
                    f"{statistics.median(gh.latencies) * 1000:.0f} ms, p95 {p95(gh.latencies) * 1000:.0f} ms"
                )
            print()

            pg = os.environ.get("GQLMON_TEST_POSTGRES_URL")
            if not pg:
                print("two replicas on PostgreSQL: skipped (GQLMON_TEST_POSTGRES_URL is not set)")
                return 0
            import sqlalchemy as sa

            from monitor.adapters.store import engine_url

            schema = f"bench_{secrets.token_hex(4)}"
            engine = sa.create_engine(engine_url(pg), poolclass=sa.pool.NullPool)
            with engine.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            sep = "&" if "?" in pg else "?"
            state = f"{pg}{sep}options={quote(f'-csearch_path={schema}')}"
            (root / "pg").mkdir()
            try:
                two = scheduler(url, n, interval, args.replica_duration, root / "pg", state, 2)
            finally:
                with engine.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                engine.dispose()
            fig2 = two["figures"]
            shares = [m.get("gqlmon_runs_total", 0) for m in two["metrics"]]
            skips = [m.get("gqlmon_lease_skips_total", 0) for m in two["metrics"]]
            print(
                f"two replicas: two `gqlmon run` processes, one PostgreSQL, {args.replica_duration:.0f} s "
                f"(exit codes {two['codes']})"
            )
            print(
                f"  checks/min sustained  {fig2.per_minute:7.0f}   ({fig2.per_minute / demand:.2f} x the schedule's "
                f"{demand:.0f}: each target once per interval, not once per replica)"
            )
            print(
                f"  checks per replica    {' / '.join(f'{s:.0f}' for s in shares)}; lease skips "
                f"{' / '.join(f'{s:.0f}' for s in skips)}; checked again within half an interval: {two['duplicates']}"
            )
            if fig2.latencies:
                late = p95(fig2.latencies)
                print(
                    f"  p95 check latency     {late * 1000:7.0f} ms ({late / p95(base.latencies):.2f} x baseline p95)"
                )
            print(f"  CPU per replica       {' / '.join(f'{c:.1f} s' for c in two['cpu'])}")
            print(f"  RSS per replica       {' / '.join(f'{r:.0f} MB' for r in two['rss_peak'])} peak")
    finally:
        if inspector is not None:
            inspector.stop()
        inspector_dir.cleanup()
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(10)
        except subprocess.TimeoutExpired:
            demo.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
