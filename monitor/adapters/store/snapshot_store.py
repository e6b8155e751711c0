"""Snapshots: content-addressed, compressed introspection results, each target's history of them, and the
last response body each target answered with."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from monitor.adapters.store.base import StoreBase, insert_or_ignore, record
from monitor.adapters.store.tables import snapshot_types, snapshots, target_bodies, target_snapshots
from monitor.core.schema import loads_document
from monitor.errors import SnapshotError


@dataclass(frozen=True, slots=True)
class SnapshotRef:
    """One point of a target's history: which schema it served, first seen when, through which query."""

    id: str
    target: str
    first_seen_at: datetime
    query_variant: str
    run_id: str
    seq: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fingerprint": self.id,
            "fetched_at": self.first_seen_at.isoformat(),
            "query_variant": self.query_variant,
            "run_id": self.run_id,
        }


@dataclass(frozen=True, slots=True)
class NewSnapshot:
    """What a run stores when the fingerprint changed."""

    id: str
    introspection_json: bytes
    query_variant: str
    type_fingerprints: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class FetchedBody:
    """The sha256 of the response body a run's introspection came in, and the snapshot it held."""

    body_sha256: str
    snapshot_id: str


class SnapshotStore(StoreBase):
    """Reading snapshots and histories (they are written by ``Store.record_run``)."""

    def latest_snapshot(self, target: str) -> SnapshotRef | None:
        with self._tx(write=False) as conn:
            row = conn.execute(
                select(target_snapshots)
                .where(target_snapshots.c.target == target)
                .order_by(target_snapshots.c.seq.desc())
                .limit(1)
            ).first()
        return _snapshot_ref(row) if row else None

    def snapshot_history(self, target: str) -> list[SnapshotRef]:
        """Every schema the target served, oldest first (a schema served twice appears twice)."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(target_snapshots)
                .where(target_snapshots.c.target == target)
                .order_by(target_snapshots.c.seq)
            ).all()
        return [_snapshot_ref(r) for r in rows]

    def resolve_snapshot(self, target: str, ref: str = "latest") -> SnapshotRef:
        """``latest``, ``previous``, or a snapshot id (a unique prefix of at least 6 characters)."""
        history = self.snapshot_history(target)
        if not history:
            raise SnapshotError(
                f"no snapshot stored for target {target!r}: run `gqlmon check {target}` first"
            )
        if ref in ("latest", ""):
            return history[-1]
        if ref == "previous":
            if len(history) < 2:
                raise SnapshotError(f"target {target!r} has only one snapshot")
            return history[-2]
        if len(ref) < 6 or not all(c in "0123456789abcdef" for c in ref.lower()):
            raise SnapshotError(f"{ref!r} is not a snapshot id: use latest, previous or a hex id prefix")
        matches = {s.id: s for s in reversed(history) if s.id.startswith(ref.lower())}
        if not matches:
            raise SnapshotError(f"no snapshot {ref!r} for target {target!r} (see `gqlmon history {target}`)")
        if len(matches) > 1:
            raise SnapshotError(f"snapshot prefix {ref!r} is ambiguous for target {target!r}")
        return next(iter(matches.values()))

    def last_body(self, target: str) -> FetchedBody | None:
        """The body the target's last recorded introspection came in (None: none recorded)."""
        with self._tx(write=False) as conn:
            row = conn.execute(
                select(target_bodies.c.body_sha256, target_bodies.c.snapshot_id).where(
                    target_bodies.c.target == target
                )
            ).first()
        return FetchedBody(row[0], row[1]) if row else None

    def load_snapshot(self, snapshot_id: str) -> dict[str, Any]:
        with self._tx(write=False) as conn:
            row = conn.execute(select(snapshots.c.payload).where(snapshots.c.id == snapshot_id)).first()
        if row is None:
            raise SnapshotError(f"snapshot {snapshot_id[:12]} is not in the store")
        try:
            data: dict[str, Any] = loads_document(zlib.decompress(row[0]))
        except (zlib.error, ValueError) as exc:
            raise SnapshotError(f"snapshot {snapshot_id[:12]} is corrupted: {exc}") from exc
        return data

    def load_type_fingerprints(self, snapshot_id: str) -> dict[str, str] | None:
        """The snapshot's per-type fingerprints, or None when they were not stored (an older gqlmon)."""
        with self._tx(write=False) as conn:
            row = conn.execute(
                select(snapshot_types.c.payload).where(snapshot_types.c.snapshot_id == snapshot_id)
            ).first()
        if row is None:
            return None
        try:
            data = json.loads(zlib.decompress(row[0]))
        except (zlib.error, ValueError):
            return None  # only an optimisation: diff the whole schema instead
        return data if isinstance(data, dict) else None


def add_snapshot(conn: Connection, target: str, run_id: str, at: datetime, snapshot: NewSnapshot) -> None:
    """Store the snapshot (once: another target or replica may have it already) as ``target``'s latest."""
    exists = conn.execute(select(snapshots.c.id).where(snapshots.c.id == snapshot.id)).first()
    if exists is None:  # another target or replica may store the same blob right now
        conn.execute(
            insert_or_ignore(conn, snapshots).values(
                id=snapshot.id,
                created_at=at,
                size=len(snapshot.introspection_json),
                payload=zlib.compress(snapshot.introspection_json, 6),
            )
        )
        if snapshot.type_fingerprints:
            blob = json.dumps(snapshot.type_fingerprints, separators=(",", ":")).encode()
            conn.execute(
                insert_or_ignore(conn, snapshot_types).values(
                    snapshot_id=snapshot.id, payload=zlib.compress(blob, 6)
                )
            )
    conn.execute(
        insert(target_snapshots).values(
            target=target,
            snapshot_id=snapshot.id,
            run_id=run_id,
            first_seen_at=at,
            query_variant=snapshot.query_variant,
        )
    )


def remember_body(conn: Connection, target: str, body: FetchedBody) -> None:
    """Make ``body`` the target's last. A savepoint: a replica checking the same target without a lease may
    race this row, and losing it (only an optimisation) must not abort the run."""
    try:
        with conn.begin_nested():
            conn.execute(delete(target_bodies).where(target_bodies.c.target == target))
            conn.execute(
                insert(target_bodies).values(
                    target=target, body_sha256=body.body_sha256, snapshot_id=body.snapshot_id
                )
            )
    except IntegrityError:
        pass


def _snapshot_ref(row: Row[Any]) -> SnapshotRef:
    return record(SnapshotRef, row, id=row.snapshot_id)
