"""The :class:`Store`: one object over the store's parts, opened on a URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from monitor.adapters.store.ack_store import AckStore
from monitor.adapters.store.base import engine_url, sqlite_pragmas
from monitor.adapters.store.change_store import ChangeStore
from monitor.adapters.store.filelock import LOCK_TIMEOUT
from monitor.adapters.store.lease_store import LeaseStore
from monitor.adapters.store.outbox_store import OutboxStore
from monitor.adapters.store.run_store import RunStore
from monitor.adapters.store.snapshot_store import SnapshotStore
from monitor.adapters.store.state_store import RunStateStore
from monitor.adapters.store.tables import migrate
from monitor.errors import SnapshotError
from monitor.support.redact import redact


class Store(SnapshotStore, RunStore, RunStateStore, ChangeStore, OutboxStore, AckStore, LeaseStore):
    """The state store. Open with :meth:`open`; every method is one short transaction."""

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
                event.listen(engine, "connect", sqlite_pragmas)
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

    def migrate(self) -> None:
        """Create missing tables and record the schema version; never drops or rewrites data."""
        with self._tx(write=True) as conn:
            migrate(conn)
