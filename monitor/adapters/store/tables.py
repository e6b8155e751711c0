"""The store's SQL schema (one SQLAlchemy Core ``MetaData`` for SQLite and PostgreSQL) and its migrations.

:func:`migrate` creates missing tables and brings an older store up to :data:`SCHEMA_VERSION`, one
version's steps after another, in the caller's transaction. It never drops or rewrites data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Dialect

from monitor.errors import SnapshotError

SCHEMA_VERSION: Final = 3
_MIGRATION_LOCK: Final = 0x67716C6D6F6E  # PostgreSQL advisory lock key held while migrating ("gqlmon")

#: Upgrade steps: ``MIGRATIONS[n]`` takes a store from version ``n - 1`` to ``n`` (``ALTER TABLE ...``; new
#: tables need no step: ``create_all`` adds them). Bump SCHEMA_VERSION with each; never drop history.
MIGRATIONS: dict[int, tuple[Callable[[Connection], None], ...]] = {}


def _add_outbox_sending_at(conn: Connection) -> None:
    """Version 2: ``alert_outbox.sending_at``, when an unfinished send began (see ``Store.claim_alert``)."""
    if "sending_at" in {c["name"] for c in inspect(conn).get_columns("alert_outbox")}:
        return
    column_type = Timestamp.compile(dialect=conn.dialect)
    conn.execute(text(f"ALTER TABLE alert_outbox ADD COLUMN sending_at {column_type}"))


MIGRATIONS[2] = (_add_outbox_sending_at,)


def _add_run_state(conn: Connection) -> None:
    """Version 3: the ``run_state`` table. Runs stored before it have no state: the next check validates
    every saved operation and carries no open change, once (as when a report could not be read back)."""
    run_state.create(conn, checkfirst=True)


MIGRATIONS[3] = (_add_run_state,)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime. Everything stored is UTC; SQLite hands values back naive, so a naive
    value read back is UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value  # type: ignore[no-any-return]
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


#: Column types several tables share: each kind of identifier has one length, and every time is stored
#: timezone-aware (UTC).
TargetName: Final = String(64)
RunId: Final = String(40)
Sha256: Final = String(64)  # hex digest
SnapshotId: Final = Sha256  # the fingerprint of the schema's canonical form
ChangeId: Final = String(32)
Timestamp: Final = UtcDateTime()

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
    Column("id", SnapshotId, primary_key=True),
    Column("created_at", Timestamp, nullable=False),
    Column("size", Integer, nullable=False),  # bytes of the uncompressed JSON
    Column("payload", LargeBinary, nullable=False),  # zlib-compressed introspection JSON
)

# Per-type fingerprints of a snapshot (name -> sha256 of the type's canonical JSON), so the next diff skips
# unchanged types without walking the old JSON again. Optional: a snapshot without a row is diffed whole.
snapshot_types = Table(
    "snapshot_types",
    metadata,
    Column("snapshot_id", SnapshotId, ForeignKey("snapshots.id"), primary_key=True),
    Column("payload", LargeBinary, nullable=False),  # zlib-compressed JSON object
)

target_snapshots = Table(
    "target_snapshots",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("target", TargetName, nullable=False),
    Column("snapshot_id", SnapshotId, ForeignKey("snapshots.id"), nullable=False),
    Column("run_id", RunId, nullable=False),
    Column("first_seen_at", Timestamp, nullable=False),
    Column("query_variant", String(32), nullable=False),
    Index("ix_target_snapshots_target", "target", "seq"),
)

# The last response body that answered each target's introspection (sha256 of its bytes) and the snapshot it
# held: a check whose fetch hashes equal to it knows its fingerprint without parsing the body (issue 16).
# Optional: without a row the body is parsed and fingerprinted.
target_bodies = Table(
    "target_bodies",
    metadata,
    Column("target", TargetName, primary_key=True),
    Column("body_sha256", Sha256, nullable=False),
    Column("snapshot_id", SnapshotId, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", RunId, primary_key=True),
    Column("target", TargetName, nullable=False),
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp, nullable=False),
    Column("outcome", String(16), nullable=False),  # baseline | unchanged | changed | failed
    Column("old_snapshot", SnapshotId),
    Column("new_snapshot", SnapshotId),
    Column("error", Text),
    Column("summary", Text, nullable=False),  # JSON counts
    Column("report", LargeBinary),  # zlib-compressed DriftReport JSON
    Index("ix_runs_target", "target", "started_at"),
)

# What the next check needs back from a run, apart from its published report (``runs.report``), so that a
# change to the report's format cannot silently turn reuse off (issue 13). Written with the run, in the same
# transaction; a run stored before schema version 3 has no row (its state is unknown: nothing is reused).
run_state = Table(
    "run_state",
    metadata,
    Column("run_id", RunId, ForeignKey("runs.id"), primary_key=True),
    Column("contracts", LargeBinary),  # zlib-compressed JSON, monitor.core.contracts.state's format
    Column("open_since_run", RunId),  # the changed run whose changes are still open
    Column("open_since_at", Timestamp),  # ... and when it finished
    Column("open_change_ids", Text),  # JSON list of those changes' ids (rows of ``changes`` of that run)
    Column("live_failed", Boolean, nullable=False),  # the run's live contract tests failed
    Column("flapping", Boolean, nullable=False),  # the run found the schema flapping
)

changes = Table(
    "changes",
    metadata,
    Column("run_id", RunId, ForeignKey("runs.id"), primary_key=True),
    Column("change_id", ChangeId, primary_key=True),
    Column("target", TargetName, nullable=False),
    Column("type", String(64), nullable=False),
    Column("criticality", String(16), nullable=False),
    Column("path", Text, nullable=False),
    Column("coordinate", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("old", Text),
    Column("new", Text),
    Column("meta", Text, nullable=False),
    Column("seen_at", Timestamp, nullable=False),
    Index("ix_changes_target", "target", "seen_at"),
)

outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(200), nullable=False),
    Column("target", TargetName, nullable=False),
    Column("run_id", RunId, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending | sent | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Timestamp, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("sent_at", Timestamp),
    Column("last_error", Text),
    # When the send in progress began; cleared when it ends (sent or failed). Still set on a pending item:
    # the sender died mid-send, and Slack may or may not have the message (bot mode looks it up first).
    Column("sending_at", Timestamp),
    UniqueConstraint("dedupe_key", name="uq_alert_outbox_dedupe"),
)

acks = Table(
    "acknowledgements",
    metadata,
    Column("target", TargetName, primary_key=True),
    Column("change_id", ChangeId, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("until", Timestamp),
    Column("created_at", Timestamp, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", Timestamp, nullable=False),
)


def migrate(conn: Connection) -> None:
    """Create missing tables and record the schema version, in ``conn``'s (write) transaction."""
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
        # An older store: apply each version's steps in order, in this same transaction (a failed step
        # leaves the store at its old version, data untouched), then record the new version.
        for version in range(int(row[0]) + 1, SCHEMA_VERSION + 1):
            for step in MIGRATIONS.get(version, ()):
                step(conn)
        conn.execute(
            update(store_meta).where(store_meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION))
        )
