"""The state store: snapshots, runs, changes, the alert outbox, acknowledgements and leases.

One SQLAlchemy 2 Core schema on two real backends: a SQLite file (the embedded default,
``.gqlmon/state.db``) and PostgreSQL (shared state for several replicas, via psycopg 3). The store is
synchronous; async callers run it in a worker thread (``anyio.to_thread.run_sync``).

Every write that matters is one transaction: :meth:`Store.record_run` stores the new snapshot (if any),
the run, its changes and its outbox entry together, so a crash at any point leaves the previous state
intact and readable. Snapshots are content-addressed by their fingerprint and stored compressed; a
target's history is the sequence of snapshot ids it was seen with.

What lives where: ``tables`` (the SQL schema and its migrations), ``base`` (the engine, transactions and
SQL helpers), ``filelock`` (SQLite's write lock), one module per part of the store, each a class over the
engine (``snapshot_store``, ``run_store``, ``state_store``, ``change_store``, ``outbox_store``,
``ack_store``, ``lease_store``), and ``facade`` (:class:`Store`, all of them, opened on a URL).

This ``__init__`` is the public API: import from ``monitor.adapters.store``, not from its modules. The
check flow (:mod:`monitor.runtime`), :mod:`monitor.live`, :mod:`monitor.codegen`, :mod:`monitor.mcp` and
:mod:`monitor.cli` may import it; like every adapter, it imports only :mod:`monitor.core`,
:mod:`monitor.settings` and :mod:`monitor.support` (and :mod:`monitor.errors`).
"""

from __future__ import annotations

from monitor.adapters.store.base import engine_url, utcnow
from monitor.adapters.store.change_store import deprecations_first_seen
from monitor.adapters.store.facade import Store
from monitor.adapters.store.filelock import LOCK_TIMEOUT
from monitor.adapters.store.outbox_store import NewAlert, OutboxItem
from monitor.adapters.store.run_store import RunRecord, new_run_id
from monitor.adapters.store.snapshot_store import FetchedBody, NewSnapshot, SnapshotRef
from monitor.adapters.store.state_store import RunState
from monitor.adapters.store.tables import (
    MIGRATIONS,
    SCHEMA_VERSION,
    acks,
    changes,
    leases,
    metadata,
    outbox,
    run_state,
    runs,
    snapshot_types,
    snapshots,
    store_meta,
    target_bodies,
    target_snapshots,
)

__all__ = [
    "LOCK_TIMEOUT",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "FetchedBody",
    "NewAlert",
    "NewSnapshot",
    "OutboxItem",
    "RunRecord",
    "RunState",
    "SnapshotRef",
    "Store",
    "acks",
    "changes",
    "deprecations_first_seen",
    "engine_url",
    "leases",
    "metadata",
    "new_run_id",
    "outbox",
    "run_state",
    "runs",
    "snapshot_types",
    "snapshots",
    "store_meta",
    "target_bodies",
    "target_snapshots",
    "utcnow",
]
