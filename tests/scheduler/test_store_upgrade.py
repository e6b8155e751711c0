"""Upgrading gqlmon under running replicas: versioned migrations keep every stored snapshot and run.

A store created by one version of gqlmon is opened by the next: its schema-version steps run in order, in
one transaction, and the history is intact. A failing step leaves the store at its old version, and a
replica still on the old version refuses a store that was upgraded under it (it must be upgraded too).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from graphql import build_schema
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from monitor.adapters.store import NewSnapshot, RunRecord, Store, new_run_id, store_meta, utcnow
from monitor.adapters.store import tables as store_module  # where migrate() reads SCHEMA_VERSION
from monitor.core.schema import fingerprint, introspection_of
from monitor.errors import SnapshotError


def _seed(url: str) -> str:
    """A store at the current version with one snapshot and one run; the snapshot id."""
    introspection = introspection_of(build_schema("type Query { a: Int }"))
    snapshot = NewSnapshot(fingerprint(introspection), json.dumps(introspection).encode(), "full")
    now = utcnow()
    store = Store.open(url)
    try:
        store.record_run(
            RunRecord(new_run_id(now), "t", now, now, "baseline", None, snapshot.id, None, {"total": 0}),
            snapshot=snapshot,
        )
    finally:
        store.close()
    return snapshot.id


def _version(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(select(store_meta.c.value).where(store_meta.c.key == "schema_version")).scalar_one()
        )


def _upgrade_to(monkeypatch: pytest.MonkeyPatch, step: Callable[[Connection], None]) -> int:
    version = store_module.SCHEMA_VERSION + 1
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", version)
    monkeypatch.setitem(store_module.MIGRATIONS, version, (step,))
    return version


def test_an_upgrade_runs_its_steps_and_keeps_the_history(
    state_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot_id = _seed(state_url)
    old = store_module.SCHEMA_VERSION
    version = _upgrade_to(
        monkeypatch, lambda conn: conn.exec_driver_sql("ALTER TABLE runs ADD COLUMN holder VARCHAR(128)")
    )
    store = Store.open(state_url)
    try:
        assert _version(store) == version
        assert "holder" in {c["name"] for c in inspect(store.engine).get_columns("runs")}
        assert [s.id for s in store.snapshot_history("t")] == [snapshot_id]
        assert [r.outcome for r in store.list_runs("t")] == ["baseline"]
        assert store.load_snapshot(snapshot_id)
    finally:
        store.close()
    Store.open(state_url).close()  # opening again runs nothing twice

    monkeypatch.setattr(store_module, "SCHEMA_VERSION", old)  # a replica not upgraded yet
    with pytest.raises(SnapshotError, match="newer than this gqlmon"):
        Store.open(state_url)


def test_a_failing_step_leaves_the_store_as_it_was(state_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot_id = _seed(state_url)
    old = store_module.SCHEMA_VERSION

    def broken(conn: Connection) -> None:
        conn.exec_driver_sql("ALTER TABLE runs ADD COLUMN holder VARCHAR(128)")
        conn.exec_driver_sql("ALTER TABLE no_such_table ADD COLUMN x INTEGER")

    _upgrade_to(monkeypatch, broken)
    with pytest.raises(SnapshotError):
        Store.open(state_url)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", old)
    store = Store.open(state_url)
    try:
        assert _version(store) == old
        assert "holder" not in {c["name"] for c in inspect(store.engine).get_columns("runs")}
        assert [s.id for s in store.snapshot_history("t")] == [snapshot_id]
    finally:
        store.close()
