"""What every part of the store stands on: the engine, one transaction at a time, and the SQL helpers
both backends share (the dialect's upsert, UTC datetimes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Row, Table, insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from monitor.adapters.store.filelock import LOCK_TIMEOUT, FileLock
from monitor.errors import SnapshotError
from monitor.support.redact import redact

_R = TypeVar("_R")


class StoreBase:
    """An engine and its transactions; the store's parts (snapshots, runs, ...) are methods over it."""

    def __init__(
        self, engine: Engine, lock_path: Path | None = None, *, lock_timeout: float = LOCK_TIMEOUT
    ) -> None:
        self.engine = engine
        self._lock = FileLock(lock_path, lock_timeout) if lock_path is not None else None

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None:
            self._lock.close()

    @contextmanager
    def _tx(self, *, write: bool) -> Iterator[Connection]:
        """One transaction. A ``write`` one on SQLite holds the store's file lock (see :class:`FileLock`);
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


def utcnow() -> datetime:
    return datetime.now(UTC)


def row_values(table: Table, obj: object, **values: Any) -> dict[str, Any]:
    """A row of ``table`` from ``obj``: each column from ``values``, else from ``obj``'s attribute of its
    name (the inverse of :func:`record`)."""
    return {c.name: values[c.name] if c.name in values else getattr(obj, c.name) for c in table.columns}


def record(cls: type[_R], row: Row[Any], **values: Any) -> _R:
    """The dataclass ``cls`` from a result row: each field from ``values``, else from the row's column of
    its name (a field with a default may have neither)."""
    columns = row._mapping
    return cls(
        **{
            f.name: values[f.name] if f.name in values else columns[f.name]
            for f in fields(cls)  # type: ignore[arg-type]
            if f.name in values or f.name in columns
        }
    )


def engine_url(url: str) -> str:
    """Map ``postgresql://`` to the psycopg 3 driver; leave explicit drivers alone."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def dialect_insert(conn: Connection, table: Table) -> Any:
    """The dialect's own ``INSERT`` (with ``on_conflict_do_update``): the store runs on these two only."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def insert_or_ignore(conn: Connection, table: Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` on either backend (a concurrent insert of the key wins)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table)


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL waits for other openers too
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
