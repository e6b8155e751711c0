"""Runs: one row per finished check, written with everything it found in one transaction."""

from __future__ import annotations

import json
import secrets
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select

from monitor.adapters.store.base import StoreBase, record, row_values, utcnow
from monitor.adapters.store.change_store import add_changes
from monitor.adapters.store.outbox_store import NewAlert, queue_alerts
from monitor.adapters.store.snapshot_store import FetchedBody, NewSnapshot, add_snapshot, remember_body
from monitor.adapters.store.state_store import RunState, add_run_state
from monitor.adapters.store.tables import runs
from monitor.core.changes import Change
from monitor.errors import SnapshotError


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A finished check as the store keeps it (the full report is in ``report``)."""

    id: str
    target: str
    started_at: datetime
    finished_at: datetime
    outcome: str
    old_snapshot: str | None
    new_snapshot: str | None
    error: str | None
    summary: dict[str, int]
    report: dict[str, Any] | None = None


def new_run_id(now: datetime | None = None) -> str:
    """Time-sortable and unique: ``20261125T093012123-3fa9c2``."""
    now = now or utcnow()
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}-{secrets.token_hex(3)}"


class RunStore(StoreBase):
    """Recording runs and reading them back."""

    def record_run(
        self,
        run: RunRecord,
        *,
        snapshot: NewSnapshot | None = None,
        changes_found: Sequence[Change] = (),
        alerts: Sequence[NewAlert] = (),
        body: FetchedBody | None = None,
        state: RunState | None = None,
    ) -> list[str]:
        """Store a finished run with its snapshot, changes, alerts and state in one transaction.

        ``body``: the response body the run's introspection came in, remembered as the target's last.
        ``state``: what the next check reads back (see :class:`RunState`); without it, nothing is reused.

        Returns the dedupe keys of the alerts actually queued (an alert already queued by another
        replica or an earlier run is skipped, which is what makes delivery exactly-once).
        """
        with self._tx(write=True) as conn:
            if snapshot is not None:
                add_snapshot(conn, run.target, run.id, run.finished_at, snapshot)
            if body is not None:
                remember_body(conn, run.target, body)
            conn.execute(
                insert(runs).values(
                    row_values(
                        runs,
                        run,
                        summary=json.dumps(run.summary, sort_keys=True),
                        report=zlib.compress(json.dumps(run.report).encode(), 6) if run.report else None,
                    )
                )
            )
            add_changes(conn, run.id, run.target, run.finished_at, changes_found)
            if state is not None:
                add_run_state(conn, run.id, state)
            return queue_alerts(conn, run.id, run.target, run.finished_at, alerts)

    def list_runs(self, target: str, limit: int = 50) -> list[RunRecord]:
        """Newest first, without the full reports."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(*(c for c in runs.c if c.name != "report"))
                .where(runs.c.target == target)
                .order_by(runs.c.started_at.desc(), runs.c.id.desc())
                .limit(limit)
            ).all()
        return [_run(r, None) for r in rows]

    def get_run(self, target: str, run_id: str = "latest") -> RunRecord:
        query = select(runs).where(runs.c.target == target)
        if run_id == "latest":
            query = query.order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(1)
        else:
            query = query.where(runs.c.id.startswith(run_id)).order_by(runs.c.id.desc()).limit(2)
        with self._tx(write=False) as conn:
            rows = conn.execute(query).all()
        if not rows:
            raise SnapshotError(f"no run {run_id!r} for target {target!r} (see `gqlmon history {target}`)")
        if len(rows) > 1:
            raise SnapshotError(f"run id prefix {run_id!r} is ambiguous for target {target!r}")
        row = rows[0]
        report = json.loads(zlib.decompress(row.report)) if row.report else None
        return _run(row, report)

    def targets(self) -> list[str]:
        with self._tx(write=False) as conn:
            rows = conn.execute(select(runs.c.target).distinct().order_by(runs.c.target)).all()
        return [r[0] for r in rows]

    def consecutive_failures(self, target: str) -> int:
        """How many of the target's latest runs failed in a row."""
        count = 0
        for run in self.list_runs(target, limit=100):
            if run.outcome != "failed":
                break
            count += 1
        return count


def _run(row: Row[Any], report: dict[str, Any] | None) -> RunRecord:
    return record(RunRecord, row, summary=json.loads(row.summary), report=report)
