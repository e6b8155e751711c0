"""Run state: what the next check needs back from a run (the contracts result to reuse, the changes still
open, whether live tests failed, whether the schema was flapping), kept apart from the published report."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, insert, select
from sqlalchemy.engine import Connection

from monitor.adapters.store.base import StoreBase
from monitor.adapters.store.change_store import change_from_row
from monitor.adapters.store.tables import changes
from monitor.adapters.store.tables import run_state as run_state_table
from monitor.core.changes import Change


@dataclass(frozen=True, slots=True)
class RunState:
    """One run's state. ``contracts`` is opaque here: :mod:`monitor.core.contracts.state` owns its format.

    ``open_changes`` are changes recorded by the run ``open_since_run`` (which finished at
    ``open_since_at``): the store keeps their ids and reads them back from that run's changes.
    """

    contracts: dict[str, Any] | None = None
    open_changes: tuple[Change, ...] = ()
    open_since_run: str | None = None
    open_since_at: datetime | None = None
    live_failed: bool = False
    flapping: bool = False


class RunStateStore(StoreBase):
    """Reading a run's state back (it is written by ``Store.record_run``)."""

    def run_state(self, run_id: str) -> RunState | None:
        """The state stored with ``run_id``; None when it has none (stored by a gqlmon before it)."""
        with self._tx(write=False) as conn:
            row = conn.execute(select(run_state_table).where(run_state_table.c.run_id == run_id)).first()
            if row is None:
                return None
            m = row._mapping
            ids: list[str] = json.loads(m["open_change_ids"] or "[]")
            found: dict[str, Change] = {}
            if ids and m["open_since_run"] is not None:
                rows = conn.execute(
                    select(changes).where(
                        and_(changes.c.run_id == m["open_since_run"], changes.c.change_id.in_(ids))
                    )
                ).all()
                found = {c.id: c for c in map(change_from_row, rows)}
        since_at = m["open_since_at"]
        return RunState(
            contracts=_contracts(m["contracts"]),
            open_changes=tuple(found[i] for i in ids if i in found),
            open_since_run=m["open_since_run"],
            open_since_at=None if since_at is None else since_at.astimezone(UTC),
            live_failed=bool(m["live_failed"]),
            flapping=bool(m["flapping"]),
        )


def add_run_state(conn: Connection, run_id: str, state: RunState) -> None:
    """Store ``state`` as ``run_id``'s (in the transaction that records the run)."""
    conn.execute(
        insert(run_state_table).values(
            run_id=run_id,
            contracts=None
            if state.contracts is None
            else zlib.compress(json.dumps(state.contracts, separators=(",", ":")).encode(), 6),
            open_since_run=state.open_since_run,
            open_since_at=state.open_since_at,
            open_change_ids=json.dumps([c.id for c in state.open_changes]) if state.open_changes else None,
            live_failed=state.live_failed,
            flapping=state.flapping,
        )
    )


def _contracts(blob: bytes | None) -> dict[str, Any] | None:
    if blob is None:
        return None
    try:
        data = json.loads(zlib.decompress(blob))
    except (zlib.error, ValueError):
        return None  # only reuse is lost: every operation is validated again
    return data if isinstance(data, dict) else None
