"""The SQLite store: transactional runs, content-addressed snapshots, crash safety."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema

from monitor.adapters.store import NewAlert, NewSnapshot, RunRecord, Store, new_run_id, utcnow
from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.schema import fingerprint, introspection_of
from monitor.errors import SnapshotError


def snapshot(sdl: str) -> NewSnapshot:
    intro = introspection_of(build_schema(sdl))
    return NewSnapshot(fingerprint(intro), json.dumps(intro).encode(), "full")


def run(target: str, outcome: str, new: str | None, old: str | None = None) -> RunRecord:
    now = utcnow()
    return RunRecord(new_run_id(now), target, now, now, outcome, old, new, None, {"total": 0})


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(f"sqlite:///{tmp_path / 'state' / 'state.db'}")
    yield s  # type: ignore[misc]
    s.close()


def test_history_and_content_addressing(store: Store) -> None:
    v1, v2 = snapshot("type Query { a: Int }"), snapshot("type Query { a: Int b: Int }")
    store.record_run(run("t", "baseline", v1.id), snapshot=v1)
    store.record_run(run("t", "changed", v2.id, v1.id), snapshot=v2)
    store.record_run(run("t", "changed", v1.id, v2.id), snapshot=v1)  # flipped back: same blob reused
    assert [s.id for s in store.snapshot_history("t")] == [v1.id, v2.id, v1.id]
    assert store.latest_snapshot("t").id == v1.id  # type: ignore[union-attr]
    assert store.resolve_snapshot("t", "previous").id == v2.id
    assert store.resolve_snapshot("t", v2.id[:8]).id == v2.id
    assert "__schema" in store.load_snapshot(v2.id)
    with pytest.raises(SnapshotError, match="not a snapshot id"):
        store.resolve_snapshot("t", "../../etc/passwd")
    with pytest.raises(SnapshotError, match="gqlmon check other"):
        store.resolve_snapshot("other")


class Exploding(Change):
    """A change whose serialisation fails in the middle of the write transaction."""

    @property
    def meta_dict(self) -> dict[str, str]:
        raise RuntimeError("disk on fire")


def test_crash_in_the_middle_of_a_write_keeps_the_previous_snapshot(store: Store) -> None:
    v1, v2 = snapshot("type Query { a: Int }"), snapshot("type Query { b: Int }")
    store.record_run(run("t", "baseline", v1.id), snapshot=v1)
    bad = Exploding(ChangeType.FIELD_REMOVED, Criticality.BREAKING, "Query.a", "Query.a", "m", "r")
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.record_run(run("t", "changed", v2.id, v1.id), snapshot=v2, changes_found=[bad])
    # Nothing of the failed run is visible; the previous snapshot is intact and readable.
    assert store.latest_snapshot("t").id == v1.id  # type: ignore[union-attr]
    assert [r.outcome for r in store.list_runs("t")] == ["baseline"]
    assert store.load_snapshot(v1.id)["__schema"]["queryType"]["name"] == "Query"
    with pytest.raises(SnapshotError):
        store.load_snapshot(v2.id)


def test_outbox_dedupe_key_queues_once(store: Store) -> None:
    alert = NewAlert("t:aaa:bbb", "drift", {"text": "hi"})
    assert store.record_run(run("t", "changed", None), alerts=[alert]) == ["t:aaa:bbb"]
    assert store.record_run(run("t", "changed", None), alerts=[alert]) == []
    due = store.due_alerts()
    assert [d.dedupe_key for d in due] == ["t:aaa:bbb"]
    assert store.claim_alert(due[0].id, 0, timedelta(seconds=30))
    assert not store.claim_alert(due[0].id, 0, timedelta(seconds=30))  # a second sender loses
    store.mark_alert_sent(due[0].id)
    assert store.due_alerts(utcnow() + timedelta(hours=1)) == []


def test_changes_and_reports_round_trip(store: Store) -> None:
    change = Change(
        ChangeType.FIELD_REMOVED, Criticality.BREAKING, "Query.a", "Query.a", "Field 'a' removed", "r"
    )
    record = run("t", "changed", None)
    report: dict[str, Any] = {"version": 1, "target": "t"}
    store.record_run(
        RunRecord(
            record.id, "t", record.started_at, record.finished_at, "changed", None, None, None, {}, report
        ),
        changes_found=[change, change],  # duplicates are stored once
    )
    assert store.get_run("t").report == report
    assert store.get_run("t", record.id[:10]).id == record.id
    found = store.changes_since("t", record.started_at - timedelta(seconds=1))
    assert [(run_id, c.id) for _, run_id, c in found] == [(record.id, change.id)]


def test_leases(store: Store) -> None:
    assert store.try_lease("check:t", "a", timedelta(seconds=60))
    assert not store.try_lease("check:t", "b", timedelta(seconds=60))
    assert store.try_lease("check:t", "a", timedelta(seconds=60))  # renew
    store.release_lease("check:t", "a")
    assert store.try_lease("check:t", "b", timedelta(seconds=60))
    assert store.try_lease("check:x", "b", timedelta(seconds=-1))
    assert store.try_lease("check:x", "c", timedelta(seconds=60))  # expired: taken over


def test_open_missing_store_without_create(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="run `gqlmon check` first"):
        Store.open(f"sqlite:///{tmp_path / 'none.db'}", create=False)


def test_unwritable_state_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SnapshotError, match="cannot open the state store"):
        Store.open(f"sqlite:///{blocker / 'sub' / 'state.db'}")


# ------------------------------------------------------------------ the SQLite write lock (flock)


@contextmanager
def write_lock_held_elsewhere(store_path: Path) -> Iterator[Path]:
    """The store's lock file, locked through a descriptor of its own: to ``flock`` that is another
    process (a lock belongs to an open file description), e.g. a gqlmon stuck inside a write."""
    lock_path = Path(f"{store_path}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield lock_path
    finally:
        os.close(fd)


def in_thread(body: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``body`` in a daemon thread (a test that fails must not hang the run); its result or error."""
    out: list[object] = []

    def run_body() -> None:
        try:
            out.append(body())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=run_body, daemon=True)
    thread.start()
    return thread, out


def test_reads_do_not_wait_for_a_writer_holding_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        v1 = snapshot("type Query { a: Int }")
        store.record_run(run("t", "baseline", v1.id), snapshot=v1, alerts=[NewAlert("k", "drift", {"x": 1})])
        store.acknowledge("t", "c1", "known", None)
        with write_lock_held_elsewhere(path):
            thread, out = in_thread(
                lambda: (
                    store.latest_snapshot("t"),
                    [r.outcome for r in store.list_runs("t")],
                    [a.dedupe_key for a in store.due_alerts()],
                    store.acknowledgements("t"),
                    store.load_snapshot(v1.id)["__schema"]["queryType"]["name"],
                )
            )
            thread.join(10)
            assert not thread.is_alive(), "a read waited for the write lock"
        [(latest, outcomes, due, acked, query_type)] = out  # type: ignore[misc]
        assert latest is not None and latest.id == v1.id
        assert (outcomes, due, acked, query_type) == (["baseline"], ["k"], {"c1": "known"}, "Query")
    finally:
        store.close()


def test_a_write_waits_a_bounded_time_then_names_the_lock_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store.open(f"sqlite:///{path}", lock_timeout=0.2)
    try:
        with write_lock_held_elsewhere(path) as lock_path:
            with pytest.raises(SnapshotError) as raised:
                store.acknowledge("t", "c1", "known", None)
            message = str(raised.value)
            assert "\n" not in message
            assert f"has held its write lock {lock_path} for over 0.2 s" in message
            assert f"`fuser -v {lock_path}`" in message
            assert store.acknowledgements("t") == {}  # nothing written
        store.acknowledge("t", "c1", "known", None)  # the lock is free again: the write goes through
        assert store.acknowledgements("t") == {"c1": "known"}
    finally:
        store.close()


def test_a_write_goes_through_once_the_lock_is_released_within_the_wait(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store.open(f"sqlite:///{path}", lock_timeout=60)
    try:
        with write_lock_held_elsewhere(path):
            thread, out = in_thread(lambda: store.acknowledge("t", "c1", "known", None))
            thread.join(0.3)
            assert thread.is_alive()  # a writer cannot finish while the lock is held elsewhere
        thread.join(10)
        assert out == [None]
        assert store.acknowledgements("t") == {"c1": "known"}
    finally:
        store.close()
