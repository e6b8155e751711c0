"""The store's contract, one body for every backend: a SQLite file and a real PostgreSQL.

The PostgreSQL params need ``GQLMON_TEST_POSTGRES_URL`` (see tests/conftest_pg.py); the concurrency tests
use threads with their own connections, as several replicas would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from graphql import build_schema
from sqlalchemy import text, update

from monitor.adapters.store import (
    SCHEMA_VERSION,
    NewAlert,
    NewSnapshot,
    RunRecord,
    RunState,
    Store,
    new_run_id,
    store_meta,
    utcnow,
)
from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.schema import fingerprint, introspection_of
from monitor.errors import SnapshotError

T = TypeVar("T")


def snapshot(sdl: str) -> NewSnapshot:
    intro = introspection_of(build_schema(sdl))
    return NewSnapshot(fingerprint(intro), json.dumps(intro).encode(), "full")


def run(target: str, outcome: str, new: str | None, old: str | None = None, **kw: Any) -> RunRecord:
    now = utcnow()
    return RunRecord(new_run_id(now), target, now, now, outcome, old, new, None, {"total": 0}, **kw)


def race(n: int, fn: Callable[[int], T]) -> list[T]:
    """Run ``fn(i)`` in ``n`` threads released at the same moment."""
    barrier = threading.Barrier(n)

    def go(i: int) -> T:
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


V1 = "type Query { a: Int }"
V2 = "type Query { a: Int b: Int }"


def test_history_is_content_addressed(any_store: Store) -> None:
    v1, v2 = snapshot(V1), snapshot(V2)
    any_store.record_run(run("t", "baseline", v1.id), snapshot=v1)
    any_store.record_run(run("t", "changed", v2.id, v1.id), snapshot=v2)
    any_store.record_run(run("t", "changed", v1.id, v2.id), snapshot=v1)
    assert [s.id for s in any_store.snapshot_history("t")] == [v1.id, v2.id, v1.id]
    latest = any_store.latest_snapshot("t")
    assert latest is not None and latest.id == v1.id
    assert latest.first_seen_at.tzinfo is not None
    assert any_store.resolve_snapshot("t", "previous").id == v2.id
    assert any_store.resolve_snapshot("t", v2.id[:8]).id == v2.id
    assert any_store.load_snapshot(v2.id) == json.loads(v2.introspection_json)
    assert any_store.latest_snapshot("other") is None
    with pytest.raises(SnapshotError, match="gqlmon check other"):
        any_store.resolve_snapshot("other")


class Exploding(Change):
    @property
    def meta_dict(self) -> dict[str, str]:
        raise RuntimeError("disk on fire")


def test_a_failed_write_leaves_the_previous_state(any_store: Store) -> None:
    v1, v2 = snapshot(V1), snapshot(V2)
    any_store.record_run(run("t", "baseline", v1.id), snapshot=v1)
    bad = Exploding(ChangeType.FIELD_REMOVED, Criticality.BREAKING, "Query.a", "Query.a", "m", "r")
    with pytest.raises(RuntimeError, match="disk on fire"):
        any_store.record_run(
            run("t", "changed", v2.id, v1.id),
            snapshot=v2,
            changes_found=[bad],
            alerts=[NewAlert("k", "drift", {})],
        )
    assert [s.id for s in any_store.snapshot_history("t")] == [v1.id]
    assert [r.outcome for r in any_store.list_runs("t")] == ["baseline"]
    assert any_store.outbox_counts() == {}
    with pytest.raises(SnapshotError, match="not in the store"):
        any_store.load_snapshot(v2.id)


def test_runs_changes_and_reports_round_trip(any_store: Store) -> None:
    change = Change(
        ChangeType.FIELD_REMOVED, Criticality.BREAKING, "Query.a", "Query.a", "Field 'a' removed", "r"
    )
    report = {"version": 1, "target": "t", "text": "ünïcode ✔"}
    first = run("t", "changed", None, report=report)
    any_store.record_run(first, changes_found=[change, change])
    second = run("t", "failed", None)
    any_store.record_run(second)
    assert [r.id for r in any_store.list_runs("t")] == [second.id, first.id]
    assert any_store.get_run("t").id == second.id
    assert any_store.get_run("t", first.id).report == report
    assert any_store.consecutive_failures("t") == 1
    assert any_store.targets() == ["t"]
    found = any_store.changes_since("t", first.started_at - timedelta(seconds=1))
    assert [(run_id, c.id, c.criticality) for _, run_id, c in found] == [
        (first.id, change.id, Criticality.BREAKING)
    ]


def test_acknowledgements_expire(any_store: Store) -> None:
    now = utcnow()
    any_store.acknowledge("t", "c1", "known", None)
    any_store.acknowledge("t", "c2", "until friday", now + timedelta(days=1))
    any_store.acknowledge("t", "c3", "expired", now - timedelta(days=1))
    any_store.acknowledge("t", "c1", "reworded", None)
    assert any_store.acknowledgements("t") == {"c1": "reworded", "c2": "until friday"}


def test_acknowledgements_are_listed_with_their_dates_and_can_be_withdrawn(any_store: Store) -> None:
    now = utcnow()
    any_store.acknowledge("t", "c1", "known", None)
    any_store.acknowledge("t", "c2", "expired", now - timedelta(days=1))
    any_store.acknowledge("other", "c1", "elsewhere", None)
    listed = any_store.list_acknowledgements("t")
    assert [(a.change_id, a.reason, a.in_force(now)) for a in listed] == [
        ("c1", "known", True),
        ("c2", "expired", False),
    ]
    assert listed[1].until is not None and listed[1].until.utcoffset() == timedelta(0)
    assert listed[0].created_at.utcoffset() == timedelta(0)
    assert any_store.unacknowledge("t", "c1") is True
    assert any_store.unacknowledge("t", "c1") is False
    assert [a.change_id for a in any_store.list_acknowledgements("t")] == ["c2"]
    assert [a.change_id for a in any_store.list_acknowledgements("other")] == ["c1"]


def test_change_messages_name_every_change_recorded_for_a_target(any_store: Store) -> None:
    removed = Change(
        ChangeType.FIELD_REMOVED, Criticality.BREAKING, "Query.a", "Query.a", "Field 'a' removed", "r"
    )
    added = Change(ChangeType.FIELD_ADDED, Criticality.SAFE, "Query.b", "Query.b", "Field 'b' added", "r")
    any_store.record_run(run("t", "changed", None), changes_found=[removed])
    any_store.record_run(run("t", "changed", None), changes_found=[removed, added])
    any_store.record_run(run("u", "changed", None), changes_found=[added])
    assert any_store.change_messages("t") == {removed.id: "Field 'a' removed", added.id: "Field 'b' added"}
    assert any_store.change_messages("nobody") == {}


def test_outbox_queues_each_dedupe_key_once_and_claims_are_exclusive(any_store: Store) -> None:
    alert = NewAlert("t:aaa:bbb", "drift", {"text": "hi"})
    assert any_store.record_run(run("t", "changed", None), alerts=[alert]) == ["t:aaa:bbb"]
    assert any_store.record_run(run("t", "changed", None), alerts=[alert, NewAlert("t:2", "drift", {})]) == [
        "t:2"
    ]
    due = any_store.due_alerts()
    assert [d.dedupe_key for d in due] == ["t:aaa:bbb", "t:2"]
    assert due[0].payload == {"text": "hi"}
    assert any_store.claim_alert(due[0].id, 0, timedelta(seconds=30))
    assert not any_store.claim_alert(due[0].id, 0, timedelta(seconds=30))
    any_store.mark_alert_sent(due[0].id)
    any_store.mark_alert_failed(due[1].id, "HTTP 404 no_service", None)
    assert any_store.outbox_counts() == {"sent": 1, "dead": 1}
    assert any_store.due_alerts(utcnow() + timedelta(hours=1)) == []


def test_an_unfinished_send_comes_back_as_interrupted_and_a_finished_one_does_not(any_store: Store) -> None:
    keys = ["t:sent", "t:failed", "t:doubt", "t:killed"]
    any_store.record_run(run("t", "changed", None), alerts=[NewAlert(k, "drift", {}) for k in keys])
    hold = timedelta(seconds=30)
    before = utcnow()
    items = {d.dedupe_key: d for d in any_store.due_alerts()}
    assert all(d.interrupted_at is None for d in items.values())
    for item in items.values():
        assert any_store.claim_alert(item.id, 0, hold)
    any_store.mark_alert_sent(items["t:sent"].id)
    any_store.mark_alert_failed(items["t:failed"].id, "HTTP 429", utcnow())  # refused: nothing posted
    any_store.mark_alert_failed(items["t:doubt"].id, "timed out", utcnow(), in_doubt=True)
    # t:killed: the process died mid-send (no mark at all).
    due = {d.dedupe_key: d for d in any_store.due_alerts(utcnow() + timedelta(hours=1))}
    assert set(due) == {"t:failed", "t:doubt", "t:killed"}
    assert due["t:failed"].interrupted_at is None
    for key in ("t:doubt", "t:killed"):
        started = due[key].interrupted_at
        assert started is not None and before - timedelta(seconds=1) <= started <= utcnow()
    # A new claim over an interrupted attempt keeps when the first one began (the lookup bound).
    assert any_store.claim_alert(due["t:killed"].id, 1, hold)
    again = {d.dedupe_key: d for d in any_store.due_alerts(utcnow() + timedelta(hours=2))}
    assert again["t:killed"].interrupted_at == due["t:killed"].interrupted_at
    any_store.mark_alert_sent(due["t:killed"].id)
    assert "t:killed" not in {d.dedupe_key for d in any_store.due_alerts(utcnow() + timedelta(hours=3))}


def test_a_version_1_store_gains_the_outbox_send_column(state_url: str) -> None:
    store = Store.open(state_url)
    store.record_run(run("t", "changed", None), alerts=[NewAlert("t:k", "drift", {"a": 1})])
    with store.engine.begin() as conn:  # back to the layout of version 1
        conn.execute(text("ALTER TABLE alert_outbox DROP COLUMN sending_at"))
        conn.execute(text("UPDATE gqlmon_meta SET value = '1' WHERE key = 'schema_version'"))
    store.close()
    upgraded = Store.open(state_url)
    try:
        (item,) = upgraded.due_alerts()
        assert (item.dedupe_key, item.payload, item.interrupted_at) == ("t:k", {"a": 1}, None)
        assert upgraded.claim_alert(item.id, 0, timedelta(seconds=1))
        with upgraded.engine.begin() as conn:
            version = conn.execute(
                text("SELECT value FROM gqlmon_meta WHERE key = 'schema_version'")
            ).scalar()
        assert version == str(SCHEMA_VERSION)  # and every later step ran too
    finally:
        upgraded.close()


def test_concurrent_runs_queue_an_alert_once(any_store: Store) -> None:
    alert = NewAlert("t:same-change", "drift", {"text": "hi"})
    queued = race(6, lambda i: any_store.record_run(run(f"t{i}", "changed", None), alerts=[alert]))
    assert sorted(len(q) for q in queued) == [0, 0, 0, 0, 0, 1]
    assert any_store.outbox_counts() == {"pending": 1}


def test_concurrent_runs_store_a_shared_snapshot_once(any_store: Store) -> None:
    """Many targets serving the same schema, checked at once by several replicas, share one blob."""
    v1 = snapshot(V1)
    race(8, lambda i: any_store.record_run(run(f"t{i}", "baseline", v1.id), snapshot=v1))
    for i in range(8):
        latest = any_store.latest_snapshot(f"t{i}")
        assert latest is not None and latest.id == v1.id
    assert any_store.load_snapshot(v1.id) == json.loads(v1.introspection_json)


def test_leases(any_store: Store) -> None:
    minute = timedelta(seconds=60)
    assert any_store.try_lease("check:t", "a", minute)
    assert not any_store.try_lease("check:t", "b", minute)
    assert any_store.try_lease("check:t", "a", minute)  # renewal by its holder
    any_store.release_lease("check:t", "b")  # not b's: nothing happens
    assert not any_store.try_lease("check:t", "b", minute)
    any_store.release_lease("check:t", "a")
    assert any_store.try_lease("check:t", "b", minute)
    assert any_store.try_lease("check:x", "b", timedelta(seconds=-1))
    assert any_store.try_lease("check:x", "c", minute)  # expired: taken over


def test_a_contended_lease_has_exactly_one_winner(any_store: Store) -> None:
    for attempt in range(3):
        name = f"check:race{attempt}"
        won = race(8, lambda i, name=name: any_store.try_lease(name, f"replica-{i}", timedelta(seconds=30)))  # type: ignore[misc]
        assert won.count(True) == 1, won
    # An expired lease under contention: still one winner.
    assert any_store.try_lease("check:expired", "old", timedelta(seconds=-1))
    won = race(8, lambda i: any_store.try_lease("check:expired", f"replica-{i}", timedelta(seconds=30)))
    assert won.count(True) == 1, won


def test_migrate_is_idempotent_and_keeps_history(state_url: str) -> None:
    v1 = snapshot(V1)
    first = Store.open(state_url)
    first.record_run(run("t", "baseline", v1.id), snapshot=v1)
    first.close()
    again = Store.open(state_url)  # migrate() again: nothing lost
    again.migrate()
    try:
        assert [s.id for s in again.snapshot_history("t")] == [v1.id]
    finally:
        again.close()


def test_replicas_starting_together_migrate_one_schema(state_url: str) -> None:
    stores = race(6, lambda i: Store.open(state_url))
    try:
        v1 = snapshot(V1)
        stores[0].record_run(run("t", "baseline", v1.id), snapshot=v1)
        assert all(s.latest_snapshot("t") is not None for s in stores)
    finally:
        for s in stores:
            s.close()


def test_a_newer_schema_version_is_refused(state_url: str) -> None:
    store = Store.open(state_url)
    with store.engine.begin() as conn:
        conn.execute(update(store_meta).values(value=str(SCHEMA_VERSION + 1)))
    store.close()
    with pytest.raises(SnapshotError, match="upgrade gqlmon"):
        Store.open(state_url)


def test_times_are_utc_aware(any_store: Store) -> None:
    started = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)
    record = RunRecord("20260329T013015123-abcdef", "t", started, started, "failed", None, None, "boom", {})
    any_store.record_run(record)
    back = any_store.get_run("t")
    assert back.started_at == started
    assert back.started_at.utcoffset() == timedelta(0)


def test_a_runs_state_is_stored_with_it_and_its_open_changes_read_back_in_order(any_store: Store) -> None:
    removed = Change(
        ChangeType.FIELD_REMOVED, Criticality.BREAKING, "Query.a", "Query.a", "Field 'a' removed", "r"
    )
    typed = Change(
        ChangeType.FIELD_TYPE_CHANGED,
        Criticality.DANGEROUS,
        "Query.c",
        "Query.c",
        "'c' changed",
        "r",
        "A",
        "B",
    )
    changed = run("t", "changed", None)
    contracts = {"v": 1, "operations": [{"name": "Q", "text": "ünïcode"}]}
    state = RunState(contracts, (typed, removed), changed.id, changed.finished_at, flapping=True)
    any_store.record_run(changed, changes_found=[removed, typed], state=state)
    unchanged = run("t", "unchanged", None)
    carried = RunState(None, (removed,), changed.id, changed.finished_at, live_failed=True)
    any_store.record_run(unchanged, state=carried)
    plain = run("t", "failed", None)
    any_store.record_run(plain)

    assert any_store.run_state(changed.id) == state  # open changes rebuilt from the changed run's rows
    assert any_store.run_state(unchanged.id) == carried
    assert any_store.run_state(plain.id) is None  # no state given: the next check reuses nothing
    assert any_store.run_state("nope") is None
    stored = any_store.run_state(changed.id)
    assert stored is not None and stored.open_since_at is not None
    assert stored.open_since_at.utcoffset() == timedelta(0)
