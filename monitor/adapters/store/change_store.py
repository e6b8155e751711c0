"""The changes each run found, kept per target: what changed since when, and what each change said."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.engine import Connection

from monitor.adapters.store.base import StoreBase
from monitor.adapters.store.tables import changes
from monitor.core.changes import Change, sort_changes


class ChangeStore(StoreBase):
    """Reading recorded changes (they are written by ``Store.record_run``)."""

    def changes_since(self, target: str, since: datetime) -> list[tuple[datetime, str, Change]]:
        """(seen_at, run_id, change) for every change recorded after ``since``, oldest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(changes)
                .where(and_(changes.c.target == target, changes.c.seen_at >= since))
                .order_by(changes.c.seen_at, changes.c.path)
            ).all()
        return [(r.seen_at, r.run_id, change_from_row(r)) for r in rows]

    def run_changes(self, target: str, run_id: str) -> list[Change]:
        """The changes ``run_id`` found (after the target's rules), worst first as its report lists them."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(changes).where(and_(changes.c.target == target, changes.c.run_id == run_id))
            ).all()
        return sort_changes(change_from_row(r) for r in rows)

    def change_messages(self, target: str) -> dict[str, str]:
        """change id -> message of every change recorded for ``target`` (the latest wording of each)."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(changes.c.change_id, changes.c.message)
                .where(changes.c.target == target)
                .order_by(changes.c.seen_at)
            ).all()
        return {r[0]: r[1] for r in rows}


def change_from_row(row: Any) -> Change:
    """A row of ``changes`` as the change it records."""
    m = row._mapping
    return Change.from_dict({**m, "meta": json.loads(m["meta"])})


def add_changes(conn: Connection, run_id: str, target: str, at: datetime, found: Sequence[Change]) -> None:
    """Record a run's changes (each id once)."""
    if not found:
        return
    conn.execute(
        insert(changes),
        [
            {
                "run_id": run_id,
                "change_id": c.id,
                "target": target,
                "type": c.type.value,
                "criticality": c.criticality.value,
                "path": c.path,
                "coordinate": c.coordinate,
                "message": c.message,
                "reason": c.reason,
                "old": c.old,
                "new": c.new,
                "meta": json.dumps(c.meta_dict, sort_keys=True),
                "seen_at": at,
            }
            for c in {c.id: c for c in found}.values()
        ],
    )


def deprecations_first_seen(store: StoreBase, target: str) -> dict[str, datetime]:
    """coordinate -> when gqlmon first saw it deprecated (its *_DEPRECATION_ADDED change).

    Coordinates already deprecated in the target's first snapshot count from that snapshot's time.
    """
    with store._tx(write=False) as conn:
        rows = conn.execute(
            select(changes.c.coordinate, func.min(changes.c.seen_at))
            .where(and_(changes.c.target == target, changes.c.type.like("%DEPRECATION_ADDED")))
            .group_by(changes.c.coordinate)
        ).all()
    return {r[0]: r[1] for r in rows}
