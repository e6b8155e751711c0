"""The state store: snapshots, runs, changes, the alert outbox, acknowledgements and leases.

One SQLAlchemy 2 Core schema on two real backends: a SQLite file (the embedded default,
``.gqlmon/state.db``) and PostgreSQL (shared state for several replicas, via psycopg 3). The store is
synchronous; async callers run it in a worker thread (``anyio.to_thread.run_sync``).

Every write that matters is one transaction: :meth:`Store.record_run` stores the new snapshot (if any),
the run, its changes and its outbox entry together, so a crash at any point leaves the previous state
intact and readable. Snapshots are content-addressed by their fingerprint and stored compressed; a
target's history is the sequence of snapshot ids it was seen with.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from monitor.core.acks import Acknowledgement
from monitor.core.changes import Change
from monitor.core.schema import loads_document
from monitor.errors import SnapshotError
from monitor.support.redact import redact

SCHEMA_VERSION: Final = 2
#: How long a SQLite write waits for the store's file lock before failing (as long as SQLite's busy_timeout).
LOCK_TIMEOUT: Final = 30.0
_MIGRATION_LOCK: Final = 0x67716C6D6F6E  # PostgreSQL advisory lock key held while migrating ("gqlmon")

#: Upgrade steps: ``MIGRATIONS[n]`` takes a store from version ``n - 1`` to ``n`` (``ALTER TABLE ...``; new
#: tables need no step: ``create_all`` adds them). Bump SCHEMA_VERSION with each; never drop history.
MIGRATIONS: dict[int, tuple[Callable[[Connection], None], ...]] = {}


def _add_outbox_sending_at(conn: Connection) -> None:
    """Version 2: ``alert_outbox.sending_at``, when an unfinished send began (see :meth:`Store.claim_alert`)."""
    if "sending_at" in {c["name"] for c in inspect(conn).get_columns("alert_outbox")}:
        return
    column_type = DateTime(timezone=True).compile(dialect=conn.dialect)
    conn.execute(text(f"ALTER TABLE alert_outbox ADD COLUMN sending_at {column_type}"))


MIGRATIONS[2] = (_add_outbox_sending_at,)

metadata = MetaData()

store_meta = Table(
    "gqlmon_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 fingerprint of the canonical form
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("size", Integer, nullable=False),  # bytes of the uncompressed JSON
    Column("payload", LargeBinary, nullable=False),  # zlib-compressed introspection JSON
)

# Per-type fingerprints of a snapshot (name -> sha256 of the type's canonical JSON), so the next diff skips
# unchanged types without walking the old JSON again. Optional: a snapshot without a row is diffed whole.
snapshot_types = Table(
    "snapshot_types",
    metadata,
    Column("snapshot_id", String(64), ForeignKey("snapshots.id"), primary_key=True),
    Column("payload", LargeBinary, nullable=False),  # zlib-compressed JSON object
)

target_snapshots = Table(
    "target_snapshots",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("target", String(64), nullable=False),
    Column("snapshot_id", String(64), ForeignKey("snapshots.id"), nullable=False),
    Column("run_id", String(40), nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("query_variant", String(32), nullable=False),
    Index("ix_target_snapshots_target", "target", "seq"),
)

# The last response body that answered each target's introspection (sha256 of its bytes) and the snapshot it
# held: a check whose fetch hashes equal to it knows its fingerprint without parsing the body (issue 16).
# Optional: without a row the body is parsed and fingerprinted.
target_bodies = Table(
    "target_bodies",
    metadata,
    Column("target", String(64), primary_key=True),
    Column("body_sha256", String(64), nullable=False),
    Column("snapshot_id", String(64), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("target", String(64), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(16), nullable=False),  # baseline | unchanged | changed | failed
    Column("old_snapshot", String(64)),
    Column("new_snapshot", String(64)),
    Column("error", Text),
    Column("summary", Text, nullable=False),  # JSON counts
    Column("report", LargeBinary),  # zlib-compressed DriftReport JSON
    Index("ix_runs_target", "target", "started_at"),
)

changes = Table(
    "changes",
    metadata,
    Column("run_id", String(40), ForeignKey("runs.id"), primary_key=True),
    Column("change_id", String(32), primary_key=True),
    Column("target", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("criticality", String(16), nullable=False),
    Column("path", Text, nullable=False),
    Column("coordinate", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("old", Text),
    Column("new", Text),
    Column("meta", Text, nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Index("ix_changes_target", "target", "seen_at"),
)

outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(200), nullable=False),
    Column("target", String(64), nullable=False),
    Column("run_id", String(40), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending | sent | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("last_error", Text),
    # When the send in progress began; cleared when it ends (sent or failed). Still set on a pending item:
    # the sender died mid-send, and Slack may or may not have the message (bot mode looks it up first).
    Column("sending_at", DateTime(timezone=True)),
    UniqueConstraint("dedupe_key", name="uq_alert_outbox_dedupe"),
)

acks = Table(
    "acknowledgements",
    metadata,
    Column("target", String(64), primary_key=True),
    Column("change_id", String(32), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)


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


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    dedupe_key: str
    target: str
    run_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    interrupted_at: datetime | None = None  # a previous send began then and never finished (process died)


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


@dataclass(frozen=True, slots=True)
class NewAlert:
    dedupe_key: str
    kind: str
    payload: dict[str, Any]


def new_run_id(now: datetime | None = None) -> str:
    """Time-sortable and unique: ``20261125T093012123-3fa9c2``."""
    now = now or utcnow()
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}-{secrets.token_hex(3)}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def engine_url(url: str) -> str:
    """Map ``postgresql://`` to the psycopg 3 driver; leave explicit drivers alone."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Store:
    """The state store. Open with :meth:`open`; every method is one short transaction."""

    def __init__(
        self, engine: Engine, lock_path: Path | None = None, *, lock_timeout: float = LOCK_TIMEOUT
    ) -> None:
        self.engine = engine
        self._lock = _FileLock(lock_path, lock_timeout) if lock_path is not None else None

    @classmethod
    def open(cls, url: str, *, create: bool = True, lock_timeout: float = LOCK_TIMEOUT) -> Store:
        """Connect, creating the SQLite directory and the tables (migrations) when needed."""
        target = engine_url(url)
        try:
            if target.startswith("sqlite:///") and ":memory:" not in target:
                path = Path(target.removeprefix("sqlite:///"))
                if create:
                    path.parent.mkdir(parents=True, exist_ok=True)
                elif not path.exists():
                    raise SnapshotError(f"no state store at {path}: run `gqlmon check` first")
            engine = create_engine(target, pool_pre_ping=True, future=True)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            lock = None
            if engine.dialect.name == "sqlite" and ":memory:" not in target:
                lock = Path(target.removeprefix("sqlite:///") + ".lock")
            store = cls(engine, lock, lock_timeout=lock_timeout)
            try:
                store.migrate()
            except BaseException:
                store.close()  # no connection (or lock file) left open behind a failed open
                raise
            return store
        except SnapshotError:
            raise
        except (SQLAlchemyError, OSError, ImportError) as exc:
            raise SnapshotError(
                f"cannot open the state store {redact(url)}: {redact(str(exc).splitlines()[0])}"
            ) from exc

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None:
            self._lock.close()

    def migrate(self) -> None:
        """Create missing tables and record the schema version; never drops or rewrites data."""
        with self._tx(write=True) as conn:
            # Replicas starting together must not both create the tables: serialize the migration.
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            elif conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # pysqlite would run the DDL outside a transaction
            metadata.create_all(conn, checkfirst=True)
            row = conn.execute(select(store_meta.c.value).where(store_meta.c.key == "schema_version")).first()
            if row is None:
                conn.execute(insert(store_meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
            elif int(row[0]) > SCHEMA_VERSION:
                raise SnapshotError(
                    f"the state store has schema version {row[0]}, newer than this gqlmon "
                    f"({SCHEMA_VERSION}): upgrade gqlmon"
                )
            elif int(row[0]) < SCHEMA_VERSION:
                # An older store: apply each version's steps in order, in this same transaction (a failed
                # step leaves the store at its old version, data untouched), then record the new version.
                for version in range(int(row[0]) + 1, SCHEMA_VERSION + 1):
                    for step in MIGRATIONS.get(version, ()):
                        step(conn)
                conn.execute(
                    update(store_meta)
                    .where(store_meta.c.key == "schema_version")
                    .values(value=str(SCHEMA_VERSION))
                )

    @contextmanager
    def _tx(self, *, write: bool) -> Iterator[Connection]:
        """One transaction. A ``write`` one on SQLite holds the store's file lock (see :class:`_FileLock`);
        reads never wait for it: in WAL mode they see the last committed state while a writer works."""
        lock = self._lock.hold() if write and self._lock is not None else nullcontext()
        try:
            with lock, self.engine.begin() as conn:
                yield conn
        except SnapshotError:
            raise
        except SQLAlchemyError as exc:
            raise SnapshotError(self._explain(exc)) from exc

    def _explain(self, exc: SQLAlchemyError) -> str:
        """One line: which store, what the database said, what to check."""
        url = self.engine.url
        detail = str(getattr(exc, "orig", None) or exc).splitlines()
        what = redact(detail[0] if detail else type(exc).__name__)
        if url.get_backend_name() == "sqlite":
            where = url.database or ":memory:"
            hint = "check that its directory is writable and the disk has space"
            if "locked" in what:
                hint = "other processes kept it busy; retry, or use PostgreSQL for many concurrent writers"
        else:
            where = redact(url.render_as_string(hide_password=True))
            hint = "check that the server is reachable and the user may write to the database"
        if isinstance(exc, OperationalError):
            return f"cannot use the state store {where}: {what}; {hint}"
        return f"state store error ({where}): {what}"

    # ------------------------------------------------------------------------------- snapshots

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

    # ------------------------------------------------------------------------------- runs

    def record_run(
        self,
        run: RunRecord,
        *,
        snapshot: NewSnapshot | None = None,
        changes_found: Sequence[Change] = (),
        alerts: Sequence[NewAlert] = (),
        body: FetchedBody | None = None,
    ) -> list[str]:
        """Store a finished run with its snapshot, changes and alerts in one transaction.

        ``body``: the response body the run's introspection came in, remembered as the target's last.

        Returns the dedupe keys of the alerts actually queued (an alert already queued by another
        replica or an earlier run is skipped, which is what makes delivery exactly-once).
        """
        queued: list[str] = []
        with self._tx(write=True) as conn:
            if snapshot is not None:
                exists = conn.execute(select(snapshots.c.id).where(snapshots.c.id == snapshot.id)).first()
                if exists is None:  # another target or replica may store the same blob right now
                    conn.execute(
                        _insert_or_ignore(conn, snapshots).values(
                            id=snapshot.id,
                            created_at=run.finished_at,
                            size=len(snapshot.introspection_json),
                            payload=zlib.compress(snapshot.introspection_json, 6),
                        )
                    )
                    if snapshot.type_fingerprints:
                        blob = json.dumps(snapshot.type_fingerprints, separators=(",", ":")).encode()
                        conn.execute(
                            _insert_or_ignore(conn, snapshot_types).values(
                                snapshot_id=snapshot.id, payload=zlib.compress(blob, 6)
                            )
                        )
                conn.execute(
                    insert(target_snapshots).values(
                        target=run.target,
                        snapshot_id=snapshot.id,
                        run_id=run.id,
                        first_seen_at=run.finished_at,
                        query_variant=snapshot.query_variant,
                    )
                )
            if body is not None:
                # A savepoint: a replica checking the same target without a lease may race this row, and
                # losing it (only an optimisation) must not abort the run.
                try:
                    with conn.begin_nested():
                        conn.execute(delete(target_bodies).where(target_bodies.c.target == run.target))
                        conn.execute(
                            insert(target_bodies).values(
                                target=run.target, body_sha256=body.body_sha256, snapshot_id=body.snapshot_id
                            )
                        )
                except IntegrityError:
                    pass
            conn.execute(
                insert(runs).values(
                    id=run.id,
                    target=run.target,
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    outcome=run.outcome,
                    old_snapshot=run.old_snapshot,
                    new_snapshot=run.new_snapshot,
                    error=run.error,
                    summary=json.dumps(run.summary, sort_keys=True),
                    report=zlib.compress(json.dumps(run.report).encode(), 6) if run.report else None,
                )
            )
            if changes_found:
                conn.execute(
                    insert(changes),
                    [
                        {
                            "run_id": run.id,
                            "change_id": c.id,
                            "target": run.target,
                            "type": c.type.value,
                            "criticality": c.criticality.value,
                            "path": c.path,
                            "coordinate": c.coordinate,
                            "message": c.message,
                            "reason": c.reason,
                            "old": c.old,
                            "new": c.new,
                            "meta": json.dumps(c.meta_dict, sort_keys=True),
                            "seen_at": run.finished_at,
                        }
                        for c in {c.id: c for c in changes_found}.values()
                    ],
                )
            for alert in alerts:
                # A savepoint per alert: a duplicate key (already queued) must not abort the run.
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(outbox).values(
                                dedupe_key=alert.dedupe_key,
                                target=run.target,
                                run_id=run.id,
                                kind=alert.kind,
                                payload=json.dumps(alert.payload),
                                status="pending",
                                attempts=0,
                                next_attempt_at=run.finished_at,
                                created_at=run.finished_at,
                            )
                        )
                    queued.append(alert.dedupe_key)
                except IntegrityError:
                    continue
        return queued

    def list_runs(self, target: str, limit: int = 50) -> list[RunRecord]:
        """Newest first, without the full reports."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(*(c for c in runs.c if c.name != "report"))
                .where(runs.c.target == target)
                .order_by(runs.c.started_at.desc(), runs.c.id.desc())
                .limit(limit)
            ).all()
        return [_run(r._mapping, None) for r in rows]

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
        mapping = rows[0]._mapping
        report = json.loads(zlib.decompress(mapping["report"])) if mapping["report"] else None
        return _run(mapping, report)

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

    def changes_since(self, target: str, since: datetime) -> list[tuple[datetime, str, Change]]:
        """(seen_at, run_id, change) for every change recorded after ``since``, oldest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(changes)
                .where(and_(changes.c.target == target, changes.c.seen_at >= since))
                .order_by(changes.c.seen_at, changes.c.path)
            ).all()
        out = []
        for r in rows:
            m = r._mapping
            change = Change.from_dict({**m, "meta": json.loads(m["meta"])})
            out.append((_aware(m["seen_at"]), m["run_id"], change))
        return out

    # ------------------------------------------------------------------------------- outbox

    def due_alerts(self, now: datetime | None = None, limit: int = 20) -> list[OutboxItem]:
        now = now or utcnow()
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(outbox)
                .where(and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now))
                .order_by(outbox.c.id)
                .limit(limit)
            ).all()
        return [
            OutboxItem(
                id=m["id"],
                dedupe_key=m["dedupe_key"],
                target=m["target"],
                run_id=m["run_id"],
                kind=m["kind"],
                payload=json.loads(m["payload"]),
                attempts=m["attempts"],
                interrupted_at=_aware(m["sending_at"]) if m["sending_at"] is not None else None,
            )
            for m in (r._mapping for r in rows)
        ]

    def claim_alert(self, item_id: int, attempts: int, hold: timedelta) -> bool:
        """Take an alert for sending (compare-and-set on attempts), so two senders never both send it.

        Records the send attempt (``sending_at``) before anything goes out: if the process dies before
        :meth:`mark_alert_sent` or :meth:`mark_alert_failed`, the item comes back due with
        :attr:`OutboxItem.interrupted_at` set. A claim over an interrupted attempt keeps its time.
        """
        now = utcnow()
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(outbox)
                .where(
                    and_(outbox.c.id == item_id, outbox.c.attempts == attempts, outbox.c.status == "pending")
                )
                .values(
                    attempts=attempts + 1,
                    next_attempt_at=now + hold,
                    sending_at=func.coalesce(outbox.c.sending_at, now),
                )
            )
        return result.rowcount == 1

    def mark_alert_sent(self, item_id: int) -> None:
        with self._tx(write=True) as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == item_id)
                .values(status="sent", sent_at=utcnow(), sending_at=None)
            )

    def mark_alert_failed(
        self, item_id: int, error: str, retry_at: datetime | None, *, in_doubt: bool = False
    ) -> None:
        """A failed attempt. ``in_doubt``: Slack may have posted it all the same (no answer, or a lookup
        that could not tell), so the item stays interrupted and the next attempt looks before posting."""
        values: dict[str, Any] = {"last_error": redact(error)[:500]}
        if not in_doubt:
            values["sending_at"] = None
        if retry_at is None:
            values["status"] = "dead"
        else:
            values["next_attempt_at"] = retry_at
        with self._tx(write=True) as conn:
            conn.execute(update(outbox).where(outbox.c.id == item_id).values(**values))

    def outbox_counts(self) -> dict[str, int]:
        with self._tx(write=False) as conn:
            rows = conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
        return {r[0]: int(r[1]) for r in rows}

    # ------------------------------------------------------------------------------- acks

    def acknowledge(self, target: str, change_id: str, reason: str, until: datetime | None) -> None:
        with self._tx(write=True) as conn:
            conn.execute(delete(acks).where(and_(acks.c.target == target, acks.c.change_id == change_id)))
            conn.execute(
                insert(acks).values(
                    target=target, change_id=change_id, reason=reason, until=until, created_at=utcnow()
                )
            )

    def unacknowledge(self, target: str, change_id: str) -> bool:
        """Withdraw an acknowledgement; False when there was none."""
        with self._tx(write=True) as conn:
            done = conn.execute(
                delete(acks).where(and_(acks.c.target == target, acks.c.change_id == change_id))
            )
        return bool(done.rowcount)

    def list_acknowledgements(self, target: str) -> list[Acknowledgement]:
        """Every acknowledgement of ``target``, expired ones too, oldest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(acks).where(acks.c.target == target).order_by(acks.c.created_at, acks.c.change_id)
            ).all()
        return [
            Acknowledgement(
                target=m["target"],
                change_id=m["change_id"],
                reason=m["reason"],
                until=_aware(m["until"]) if m["until"] is not None else None,
                created_at=_aware(m["created_at"]),
            )
            for m in (r._mapping for r in rows)
        ]

    def change_messages(self, target: str) -> dict[str, str]:
        """change id -> message of every change recorded for ``target`` (the latest wording of each)."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(changes.c.change_id, changes.c.message)
                .where(changes.c.target == target)
                .order_by(changes.c.seen_at)
            ).all()
        return {r[0]: r[1] for r in rows}

    def acknowledgements(self, target: str, now: datetime | None = None) -> dict[str, str]:
        """change id -> reason, for acknowledgements still in force."""
        now = now or utcnow()
        with self._tx(write=False) as conn:
            rows = conn.execute(select(acks).where(acks.c.target == target)).all()
        return {
            m["change_id"]: m["reason"]
            for m in (r._mapping for r in rows)
            if m["until"] is None or _aware(m["until"]) > now
        }

    # ------------------------------------------------------------------------------- leases

    def try_lease(self, name: str, holder: str, ttl: timedelta, *, stale: timedelta | None = None) -> bool:
        """Take or renew the lease ``name`` for ``ttl``; False when another holder has it.

        With ``stale``, only take a lease that is free or expired at least ``stale`` ago, and do not renew
        one's own: a replica that is not a target's preferred checker only steps in when nobody did.
        """
        now = utcnow()
        takeable = leases.c.expires_at < now if stale is None else leases.c.expires_at < now - stale
        if stale is None:
            takeable = takeable | (leases.c.holder == holder)
        with self._tx(write=True) as conn:
            # One atomic upsert: insert, take over an expired lease or renew our own; otherwise no row
            # changes. (An INSERT that fails on the key would log an ERROR in PostgreSQL's server log
            # for every lease a replica finds taken: hundreds a minute with a few replicas.)
            upsert = _dialect_insert(conn, leases).values(name=name, holder=holder, expires_at=now + ttl)
            upsert = upsert.on_conflict_do_update(
                index_elements=[leases.c.name],
                set_={"holder": upsert.excluded.holder, "expires_at": upsert.excluded.expires_at},
                where=takeable,
            )
            if conn.dialect.name == "postgresql":  # psycopg reports no rowcount for an upsert
                return conn.execute(upsert.returning(leases.c.name)).first() is not None
            return bool(conn.execute(upsert).rowcount == 1)

    def live_leases(self, prefix: str) -> dict[str, str]:
        """name -> holder of the unexpired leases whose name starts with ``prefix``."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(leases.c.name, leases.c.holder).where(
                    and_(leases.c.name.startswith(prefix, autoescape=True), leases.c.expires_at > utcnow())
                )
            ).all()
        return {r[0]: r[1] for r in rows}

    def lease_expiry(self, name: str) -> datetime | None:
        """When the lease ``name`` expires (it may have already); None when nobody holds it."""
        with self._tx(write=False) as conn:
            found = conn.execute(select(leases.c.expires_at).where(leases.c.name == name)).scalar()
        return None if found is None else _aware(found)

    def take_over_lease(self, name: str, dead: str, holder: str, ttl: timedelta) -> bool:
        """Take the lease ``name`` from ``dead`` (a holder known to have died); False if it changed hands."""
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(leases)
                .where(and_(leases.c.name == name, leases.c.holder == dead))
                .values(holder=holder, expires_at=utcnow() + ttl)
            )
            return bool(result.rowcount == 1)

    def release_lease(self, name: str, holder: str) -> None:
        with self._tx(write=True) as conn:
            conn.execute(delete(leases).where(and_(leases.c.name == name, leases.c.holder == holder)))


class _FileLock:
    """One SQLite store's write transactions, one at a time across threads and processes (``flock`` on a
    file beside the database).

    SQLite allows one writer; its busy timeout covers most contention, but not a write transaction that
    began by reading and must upgrade while another process writes (SQLITE_BUSY at once, "database is
    locked"), which several ``gqlmon`` processes sharing a store met under load. Write transactions here
    are short, so queueing them costs little; reads do not queue (WAL lets them run beside a writer). The
    wait is bounded: a process stuck inside a write (stopped, hung on a full disk) makes the others fail
    with one line naming the lock file, not stall with it. The kernel drops the lock of a killed process.
    A lock file that cannot be created (a read-only directory) leaves SQLite's own locking alone in charge.
    """

    def __init__(self, path: Path, timeout: float = LOCK_TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout
        self._threads = threading.RLock()
        self._fd: int | None = None
        self._depth = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise SnapshotError(self._stuck("another thread of this process"))
        try:
            fd = self._open()
            if fd is not None and self._depth == 0:
                self._flock(fd, deadline)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if fd is not None and self._depth == 0:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _flock(self, fd: int, deadline: float) -> None:
        """``LOCK_EX`` within the deadline (flock has no timeout of its own: poll, backing off to 50 ms)."""
        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SnapshotError(self._stuck("another process")) from None
                time.sleep(min(pause, remaining))
                pause = min(pause * 2, 0.05)

    def _stuck(self, holder: str) -> str:
        return (
            f"the state store is busy: {holder} has held its write lock {self.path} for over "
            f"{self.timeout:g} s; retry, and if it persists stop the stuck gqlmon process "
            f"(`fuser -v {self.path}` names it)"
        )

    def _open(self) -> int | None:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                return None
        return self._fd

    def close(self) -> None:
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _snapshot_ref(row: Any) -> SnapshotRef:
    m = row._mapping
    return SnapshotRef(
        id=m["snapshot_id"],
        target=m["target"],
        first_seen_at=_aware(m["first_seen_at"]),
        query_variant=m["query_variant"],
        run_id=m["run_id"],
        seq=m["seq"],
    )


def _run(m: Any, report: dict[str, Any] | None) -> RunRecord:
    return RunRecord(
        id=m["id"],
        target=m["target"],
        started_at=_aware(m["started_at"]),
        finished_at=_aware(m["finished_at"]),
        outcome=m["outcome"],
        old_snapshot=m["old_snapshot"],
        new_snapshot=m["new_snapshot"],
        error=m["error"],
        summary=json.loads(m["summary"]),
        report=report,
    )


def _dialect_insert(conn: Connection, table: Table) -> Any:
    """The dialect's own ``INSERT`` (with ``on_conflict_do_update``): the store runs on these two only."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _insert_or_ignore(conn: Connection, table: Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` on either backend (a concurrent insert of the key wins)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL waits for other openers too
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def deprecations_first_seen(store: Store, target: str) -> dict[str, datetime]:
    """coordinate -> when gqlmon first saw it deprecated (its *_DEPRECATION_ADDED change).

    Coordinates already deprecated in the target's first snapshot count from that snapshot's time.
    """
    with store._tx(write=False) as conn:
        rows = conn.execute(
            select(changes.c.coordinate, func.min(changes.c.seen_at))
            .where(and_(changes.c.target == target, changes.c.type.like("%DEPRECATION_ADDED")))
            .group_by(changes.c.coordinate)
        ).all()
    return {r[0]: _aware(r[1]) for r in rows}
