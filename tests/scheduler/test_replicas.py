"""Scale-out: two ``gqlmon run`` replicas on one PostgreSQL share the targets through leases.

Against a demo API whose schema changes while they run, and a local Slack receiver: every target is
checked once per interval (not once per replica), each change is alerted exactly once, and SIGKILL of
the replica in the middle of a check loses no snapshot and leaves no stuck lease: the survivor takes the
target over once the lease expires.
"""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.adapters.store import Store
from monitor.runtime.leasing import preferred
from tests.adapters.slack_receiver import SlackReceiver
from tests.scheduler.conftest import Replica, lease_rows, runs_of, wait_for, write_config
from tests.servers.demo import DemoServer
from tests.servers.faulty import RunningServer as FaultyServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

INTERVAL = 1.0


def _pid(holder: str) -> int:
    return int(holder.split(":")[-2])


def _outbox(url: str) -> dict[str, int]:
    store = Store.open(url)
    try:
        return store.outbox_counts()
    finally:
        store.close()


def test_two_replicas_check_each_target_once_per_interval_and_alert_once(
    tmp_path: Path,
    pg_url: str,
    demo_api: DemoServer,
    slack: tuple[SlackReceiver, str],
    spawn: Callable[..., Replica],
) -> None:
    receiver, webhook = slack
    names = ["alpha", "beta", "gamma"]
    config = write_config(
        tmp_path / "monitor.toml",
        [{"name": n, "url": demo_api.graphql_url, "schedule": "1s"} for n in names],
        state=pg_url,
        reports_dir=str(tmp_path / "reports"),
        slack={"webhook_url": webhook},
    )
    replicas = [spawn(config, "replica-1"), spawn(config, "replica-2")]
    wait_for(lambda: all(len(runs_of(pg_url, n)) >= 3 for n in names), 30, "three runs of every target")
    clock = time.monotonic()
    before = {n: len(runs_of(pg_url, n)) for n in names}

    demo_api.switch(version="v2")
    wait_for(
        lambda: all(any(r.outcome == "changed" for r in runs_of(pg_url, n)) for n in names), 30, "the drift"
    )
    wait_for(lambda: len(receiver.messages()) >= len(names), 30, "the alerts")
    # Let both replicas go on for a few more intervals: nothing is checked twice, nothing sent twice.
    time.sleep(4 * INTERVAL)
    # The runs first, then the logs: the replicas go on checking, and a run recorded after the logs were
    # read would have no "check started" line among them (its line is written before its run is stored).
    recorded = {n: runs_of(pg_url, n) for n in names}
    elapsed = time.monotonic() - clock
    for replica in replicas:
        assert replica.popen.poll() is None, replica.text()[-2000:]

    assert len(receiver.messages()) == len(names)
    alerted = sorted(next(n for n in names if n in str(message)) for message in receiver.messages("webhook"))
    assert alerted == names
    assert _outbox(pg_url) == {"sent": len(names)}
    by = {  # run id -> the replica that ran it (from its "check started" log lines)
        record["run_id"]: i
        for i, replica in enumerate(replicas)
        for record in replica.records()
        if record["msg"] == "check started"
    }
    holders = [
        next(r["holder"] for r in replica.records() if r["msg"].startswith("scheduler started"))
        for replica in replicas
    ]
    assert all(replica.logged("replicas: 2 live") for replica in replicas)
    for name in names:
        runs = recorded[name]
        assert [r.outcome for r in runs].count("changed") == 1
        assert runs[0].outcome == "baseline"
        # Once per interval between the two replicas (without leases it would be about twice as often).
        assert len(runs) - before[name] <= elapsed / INTERVAL + 3, (name, len(runs) - before[name], elapsed)
        for a, b in itertools.pairwise(runs):
            assert b.started_at >= a.finished_at  # never two checks of one target at once
            if by[a.id] != by[b.id]:  # a hand-over waits for the end of the interval the lease served
                assert (b.started_at - a.started_at).total_seconds() > 0.8 * INTERVAL, (name, a, b)
        # Shared, not first come first served: settled, each target is checked by its preferred replica.
        owner = holders.index(preferred(name, holders))
        assert [by[r.id] for r in runs[-3:]] == [owner] * 3, (name, [by[r.id] for r in runs])

    for replica in replicas:
        replica.signal(signal.SIGTERM)
    assert [r.wait(30) for r in replicas] == [0, 0]


def test_sigkill_mid_check_loses_no_snapshot_and_the_survivor_takes_over(
    tmp_path: Path,
    pg_url: str,
    demo_api: DemoServer,
    slow_api: FaultyServer,
    spawn: Callable[..., Replica],
) -> None:
    slow_api.app.delay = 3.0
    config = write_config(
        tmp_path / "monitor.toml",
        [
            {"name": "demo", "url": demo_api.graphql_url, "schedule": "1s"},
            {"name": "slow", "url": slow_api.url("/slow"), "schedule": "2s", "timeout": "30s"},
        ],
        state=pg_url,
        reports_dir=str(tmp_path / "reports"),
    )
    replicas = {}
    for name in ("replica-1", "replica-2"):
        replica = spawn(config, name)
        replicas[replica.pid] = replica
    wait_for(lambda: len(runs_of(pg_url, "demo")) >= 2, 30, "the demo target's first runs")
    holder = wait_for(lambda: lease_rows(pg_url).get("check:slow", ("",))[0], 30, "the slow lease")
    wait_for(lambda: slow_api.app.counts["/slow"] >= 1, 30, "the slow check to reach the server")
    assert runs_of(pg_url, "slow") == []  # mid-check: nothing recorded yet

    victim = replicas.pop(_pid(holder))
    [survivor] = replicas.values()
    snapshots_before = [r.new_snapshot for r in runs_of(pg_url, "demo") if r.new_snapshot]
    victim.signal(signal.SIGKILL)
    victim.wait(10)

    # The victim's lease expires (ttl 2 s) and the survivor's next trigger takes the target over.
    [run] = wait_for(lambda: runs_of(pg_url, "slow"), 40, "the survivor's check of the slow target")
    assert run.outcome == "baseline" and run.new_snapshot
    rows = lease_rows(pg_url)
    assert "check:slow" not in rows or _pid(rows["check:slow"][0]) == survivor.pid
    demo_runs = runs_of(pg_url, "demo")
    assert [r.new_snapshot for r in demo_runs if r.new_snapshot][: len(snapshots_before)] == snapshots_before
    last = demo_runs[-1].started_at
    wait_for(lambda: runs_of(pg_url, "demo")[-1].started_at > last, 20, "the survivor to go on")
    checks = {n: h for n, (h, _) in lease_rows(pg_url).items() if n.startswith("check:")}
    assert checks and all(_pid(h) == survivor.pid for h in checks.values()), checks

    store = Store.open(pg_url)
    try:
        assert store.latest_snapshot("slow") is not None
        assert len(store.snapshot_history("demo")) == 1
    finally:
        store.close()
    survivor.signal(signal.SIGTERM)
    assert survivor.wait(30) == 0
