"""SIGKILL at random points of ``gqlmon check`` subprocesses: nothing committed is lost or corrupted, no
alert is sent twice, and the next check completes.

Several workers run in parallel, one target each, sharing one store (a SQLite file, or PostgreSQL: the
test runs on both), against one real local API whose
schema changes for every trial (so every completed check stores a snapshot, a run, changes and a drift
alert) and one local Slack receiver that counts what it gets. Kill times are drawn from the whole
run (start-up included) with extra weight on its last part, where the check writes.
"""

from __future__ import annotations

import functools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import select

from monitor.adapters.slack import SlackSender, deliver_due
from monitor.adapters.store import Store, outbox, runs, snapshots, target_snapshots, utcnow
from tests.reliability.figures import FIGURES
from tests.reliability.slack_sink import WEBHOOK_PATH, SlackSink
from tests.servers.faulty import FaultyApp, RunningServer

TRIALS = int(os.environ.get("GQLMON_KILL_TRIALS", "60"))  # on SQLite (N >= 50)
PG_TRIALS = int(os.environ.get("GQLMON_KILL_TRIALS_PG", "24"))  # on PostgreSQL, when it is there
WORKERS = max(2, min(4, os.cpu_count() or 2))
SEED = int(os.environ.get("GQLMON_KILL_SEED", str(random.SystemRandom().randrange(1 << 30))))


@dataclass
class Worker:
    index: int
    root: Path
    state_url: str
    api: RunningServer
    sink_url: str
    rng: random.Random
    trials: int = 0
    killed: int = 0
    zero_loss: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"kill-{self.index}"

    def config(self, version: int) -> Path:
        path = self.root / "monitor.toml"
        url = self.api.url(f"/rev/{version}")
        path.write_text(
            f'state = "{self.state_url}"\nreports_dir = "{self.root / "reports"}"\n'
            f'public_url = "https://ci.example.com/gqlmon"\n'
            f'[slack]\nwebhook_url = "{self.sink_url}"\n'
            f'[[targets]]\nname = "{self.target}"\nurl = "{url}"\nretries = 0\ntimeout = "5s"\nalert_on = "any"\n'
        )
        return path

    def run(self, version: int, *, kill_after: float | None) -> tuple[int | None, float]:
        command = [sys.executable, "-m", "monitor", "-c", str(self.config(version)), "check"]
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kill_after is None:
            _, stderr = process.communicate(timeout=60)
            if process.returncode not in (0, 1):
                self.problems.append(f"check exited {process.returncode}: {stderr.decode()[-500:]}")
            return process.returncode, time.monotonic() - started
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            assert process.stderr is not None
            process.stderr.close()
            return None, time.monotonic() - started
        assert process.stderr is not None
        process.stderr.close()
        return process.returncode, time.monotonic() - started


def _committed(state_url: str, target: str) -> dict[str, Any]:
    """What the store holds for ``target``, checked for consistency; AssertionError on any damage."""
    if state_url.startswith("sqlite:///"):
        path = Path(state_url.removeprefix("sqlite:///"))
        if not path.exists():
            return {"runs": [], "history": [], "outbox": {}}
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = Store.open(state_url)
    try:
        with store.engine.begin() as conn:
            snaps = {r.id: r.payload for r in conn.execute(select(snapshots.c.id, snapshots.c.payload))}
            history = [
                r.snapshot_id
                for r in conn.execute(
                    select(target_snapshots)
                    .where(target_snapshots.c.target == target)
                    .order_by(target_snapshots.c.seq)
                )
            ]
            run_rows = conn.execute(
                select(runs.c.id, runs.c.new_snapshot, runs.c.report).where(runs.c.target == target)
            ).all()
            alerts = {
                r.dedupe_key: (r.run_id, r.status)
                for r in conn.execute(select(outbox).where(outbox.c.target == target))
            }
        for snapshot_id in history:
            assert snapshot_id in snaps, f"history names a missing snapshot {snapshot_id[:12]}"
        for snapshot_id in set(history):
            json.loads(zlib.decompress(snaps[snapshot_id]))
            store.load_snapshot(snapshot_id)
        run_ids = {r.id for r in run_rows}
        for r in run_rows:
            if r.new_snapshot is not None:
                assert r.new_snapshot in snaps, f"run {r.id} names a missing snapshot"
            if r.report is not None:
                json.loads(zlib.decompress(r.report))
        for key, (run_id, _) in alerts.items():
            assert run_id in run_ids, f"alert {key} belongs to no run"
        latest = store.latest_snapshot(target)
        if latest is not None:
            store.load_snapshot(latest.id)
        return {"runs": sorted(run_ids), "history": history, "outbox": alerts}
    finally:
        store.close()


def _worker(worker: Worker, trials: int) -> None:
    code, calibration = worker.run(1, kill_after=None)  # baseline, and how long a check takes here
    version = 1
    before = _committed(worker.state_url, worker.target)
    for _ in range(trials):
        version += 1  # a new schema each time: every completed check stores a snapshot and an alert
        # A third of the kills anywhere in the run; the rest in its second half, where it writes. Some
        # runs finish first (delay past the end): they commit the snapshots and alerts later kills test.
        if worker.rng.random() < 1 / 3:
            delay = worker.rng.uniform(0.0, calibration * 1.3)
        else:
            delay = worker.rng.uniform(calibration * 0.5, calibration * 1.3)
        code, took = worker.run(version, kill_after=delay)
        worker.trials += 1
        if code is None:
            worker.killed += 1
            if delay >= calibration:  # it would have taken longer than thought
                calibration *= 1.15
        else:
            calibration = 0.7 * calibration + 0.3 * took
        try:
            after = _committed(worker.state_url, worker.target)
            assert set(before["runs"]) <= set(after["runs"]), "a committed run disappeared"
            assert after["history"][: len(before["history"])] == before["history"], (
                "snapshot history rewritten"
            )
            for key in before["outbox"]:
                assert key in after["outbox"], f"queued alert {key} disappeared"
        except AssertionError as exc:
            worker.problems.append(f"trial {worker.trials} (kill after {delay:.2f}s): {exc}")
            return
        worker.zero_loss += 1
        before = after
    code, _ = worker.run(version + 1, kill_after=None)  # the next check completes
    after = _committed(worker.state_url, worker.target)
    if len(after["runs"]) != len(before["runs"]) + 1:
        worker.problems.append("the check after the kills did not record its run")


def _flush(state_url: str, webhook: str) -> tuple[int, int]:
    """Send everything still queued (claims held by killed processes included); (sent now, interrupted)."""
    store = Store.open(state_url)
    try:
        with store.engine.begin() as conn:
            rows = conn.execute(select(outbox)).all()
        # Claimed by a process that was killed before it recorded the answer: the send attempt is still open.
        interrupted = sum(1 for r in rows if r.status == "pending" and r.sending_at is not None)
        sender = SlackSender(webhook_url=webhook, timeout=10)
        sent = 0
        for hours in (1, 2, 3):  # past every hold and backoff a killed process left behind
            later = utcnow() + timedelta(hours=hours)
            stats = anyio.run(functools.partial(deliver_due, store, sender, now=later))
            sent += stats.sent
        return sent, interrupted
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_sigkill_at_random_points_loses_nothing(tmp_path: Path, state_url: str) -> None:
    backend = state_url.split(":", 1)[0]
    trials_wanted = TRIALS if backend == "sqlite" else PG_TRIALS
    sink = SlackSink()
    with RunningServer(FaultyApp()) as api, RunningServer(sink) as slack_server:
        webhook = slack_server.url(WEBHOOK_PATH)
        workers = []
        for index in range(WORKERS):
            root = tmp_path / f"w{index}"
            root.mkdir()
            workers.append(Worker(index, root, state_url, api, webhook, random.Random(SEED + index)))
        per_worker = -(-trials_wanted // WORKERS)
        threads = [threading.Thread(target=_worker, args=(w, per_worker)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        problems = [f"worker {w.index}: {p}" for w in workers for p in w.problems]
        assert not problems, f"seed {SEED}: " + "; ".join(problems)

        _, interrupted = _flush(state_url, webhook)
        store = Store.open(state_url)
        try:
            with store.engine.begin() as conn:
                rows = conn.execute(select(outbox.c.run_id, outbox.c.status)).all()
        finally:
            store.close()
        for r in rows:
            assert r.status == "sent", f"alert of run {r.run_id} still {r.status}: lost"
        received: dict[str, int] = {}
        for message in sink.delivered:
            run_id = _run_id_of(message)
            received[run_id] = received.get(run_id, 0) + 1
        duplicates = sum(n - 1 for n in received.values() if n > 1)
        assert set(received) == {r.run_id for r in rows}, "an alert was lost or one came from nowhere"
        # The only duplicate possible: killed between Slack's answer and mark_alert_sent (at-least-once).
        assert duplicates <= interrupted, (
            f"seed {SEED}: {duplicates} duplicates, {interrupted} interrupted sends"
        )

    trials = sum(w.trials for w in workers)
    FIGURES.kill[backend] = {
        "trials": trials,
        "killed": sum(w.killed for w in workers),
        "zero_loss": sum(w.zero_loss for w in workers),
        "alerts_sent": len(received),
        "duplicates": duplicates,
        "interrupted_sends": interrupted,
        "seed": SEED,
    }
    assert trials >= trials_wanted


def _run_id_of(message: dict[str, Any]) -> str:
    """The run a Slack message is about, from the report link in it (``.../<target>/<run_id>.html``)."""
    text = json.dumps(message)
    marker = "ci.example.com/gqlmon/kill-"
    start = text.index("/", text.index(marker) + len(marker)) + 1
    return text[start : text.index(".html", start)]
