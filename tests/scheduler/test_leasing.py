"""Leases on both backends: one holder at a time, expiry hands a target over, holds and releases."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta
from pathlib import Path

import anyio
import pytest

from monitor.adapters.store import Store, utcnow
from monitor.errors import SnapshotError
from monitor.runtime.leasing import (
    MAX_TTL,
    MIN_TTL,
    REPLICA_PREFIX,
    REPLICA_TTL,
    Lease,
    Membership,
    exclusive,
    handover_wait,
    lease_name,
    lease_ttl,
    new_holder,
    preferred,
)

pytestmark = pytest.mark.anyio


def test_one_holder_at_a_time(any_store: Store) -> None:
    ttl = timedelta(seconds=30)
    assert any_store.try_lease("check:a", "r1", ttl)
    assert not any_store.try_lease("check:a", "r2", ttl)
    assert any_store.try_lease("check:a", "r1", ttl)  # the holder renews
    assert any_store.try_lease("check:b", "r2", ttl)  # leases are per name


def test_an_expired_lease_goes_to_the_next_taker(any_store: Store) -> None:
    assert any_store.try_lease("check:a", "dead-replica", timedelta(milliseconds=200))
    assert not any_store.try_lease("check:a", "r2", timedelta(seconds=30))
    time.sleep(0.3)
    assert any_store.try_lease("check:a", "r2", timedelta(seconds=30))
    assert not any_store.try_lease("check:a", "dead-replica", timedelta(seconds=30))


def test_release_only_by_the_holder(any_store: Store) -> None:
    ttl = timedelta(seconds=30)
    assert any_store.try_lease("check:a", "r1", ttl)
    any_store.release_lease("check:a", "r2")  # not the holder: no effect
    assert not any_store.try_lease("check:a", "r2", ttl)
    any_store.release_lease("check:a", "r1")
    assert any_store.try_lease("check:a", "r2", ttl)


def test_racing_takers_get_one_lease(any_store: Store) -> None:
    """Many threads race for one free lease (on PostgreSQL: many connections): exactly one wins."""
    results: list[bool] = []

    async def race() -> None:
        async def take(i: int) -> None:
            won = await anyio.to_thread.run_sync(
                any_store.try_lease, "check:race", f"r{i}", timedelta(seconds=30)
            )
            results.append(won)

        async with anyio.create_task_group() as tg:
            for i in range(8):
                tg.start_soon(take, i)

    anyio.run(race)
    assert results.count(True) == 1


def test_ttl_bounds() -> None:
    assert lease_ttl(0.2) == MIN_TTL
    assert lease_ttl(30) == 30
    assert lease_ttl(3600) == MAX_TTL
    assert lease_name("demo") == "check:demo"
    assert new_holder() != new_holder()


async def test_hold_until_keeps_the_interval_then_expires(any_store: Store) -> None:
    mine = Lease(any_store, "demo", "r1", ttl=5)
    other = Lease(any_store, "demo", "r2", ttl=5)
    assert await mine.acquire()
    await mine.hold_until(utcnow() + timedelta(milliseconds=300))
    assert not await other.acquire()  # held for the rest of the interval
    await anyio.sleep(0.4)
    assert await other.acquire()


async def test_the_preferred_replica_takes_a_lease_ending_soon_at_its_end(any_store: Store) -> None:
    """Rule 6: a trigger firing just before another replica's held lease ends waits and takes it."""
    other = Lease(any_store, "demo", "left", ttl=5)
    mine = Lease(any_store, "demo", "right", ttl=5)
    assert await other.acquire()
    await other.hold_until(utcnow() + timedelta(milliseconds=300))

    assert not await mine.acquire_at_expiry(within=0.1)  # ends later than that: skip, as before
    started = time.monotonic()
    assert await mine.acquire_at_expiry(within=1.0)
    assert 0.1 < time.monotonic() - started < 1.0  # waited for the end, not more
    assert any_store.live_leases(lease_name("demo")) == {lease_name("demo"): "right"}
    assert await Lease(any_store, "free", "right", ttl=5).acquire_at_expiry(within=0.1)  # nobody holds it
    assert handover_wait(0.5) == 0.125 and handover_wait(3600) == REPLICA_TTL / 3


async def test_hold_until_a_past_time_releases(any_store: Store) -> None:
    mine = Lease(any_store, "demo", "r1", ttl=30)
    assert await mine.acquire()
    await mine.hold_until(utcnow() - timedelta(seconds=1))
    assert await Lease(any_store, "demo", "r2", ttl=30).acquire()


async def test_keep_alive_renews_past_the_ttl(any_store: Store) -> None:
    mine = Lease(any_store, "demo", "r1", ttl=0.3)
    assert await mine.acquire()
    async with anyio.create_task_group() as tg:
        tg.start_soon(mine.keep_alive, tg.cancel_scope)
        await anyio.sleep(0.8)  # well past the ttl: only renewal keeps it
        assert not await Lease(any_store, "demo", "r2", ttl=5).acquire()
        tg.cancel_scope.cancel()


async def test_keep_alive_abandons_a_lease_taken_over(any_store: Store) -> None:
    """A replica that stalled past its ttl and lost the lease cancels its own check."""
    mine = Lease(any_store, "demo", "r1", ttl=0.3)
    assert await mine.acquire()
    any_store.release_lease("check:demo", "r1")  # as if it had expired ...
    assert await Lease(any_store, "demo", "r2", ttl=30).acquire()  # ... and another replica took it
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(mine.keep_alive, tg.cancel_scope)
            await anyio.sleep_forever()  # cancelled by keep_alive


async def test_exclusive_for_one_shot_checks(any_store: Store) -> None:
    async with exclusive(any_store, "demo", "job-1") as taken:
        assert taken
        async with exclusive(any_store, "demo", "job-2") as second:
            assert not second
    async with exclusive(any_store, "demo", "job-2") as again:  # released when the block ended
        assert again


async def test_exclusive_releases_when_cancelled(any_store: Store) -> None:
    with anyio.move_on_after(0.2):
        async with exclusive(any_store, "demo", "job-1") as taken:
            assert taken
            await anyio.sleep_forever()
    assert any_store.try_lease("check:demo", "job-2", timedelta(seconds=5))


async def test_exclusive_lets_the_blocks_own_error_out_unwrapped(any_store: Store) -> None:
    """The caller catches the block's error by its type (a store error stays a SnapshotError, one line),
    not an ExceptionGroup from the lease's keep-alive task group; the lease is released all the same."""
    cause = OSError("disk full")
    with pytest.raises(SnapshotError, match=r"^state store write refused$") as raised:
        async with exclusive(any_store, "demo", "job-1") as taken:
            assert taken
            raise SnapshotError("state store write refused") from cause
    assert raised.value.__cause__ is cause
    assert any_store.try_lease("check:demo", "job-2", timedelta(seconds=5))


def test_stale_takes_only_a_lease_left_free_for_a_while(any_store: Store) -> None:
    """A non-preferred replica: never renews, takes a lease only when it was free or expired ``stale`` ago."""
    grace = timedelta(milliseconds=300)
    assert any_store.try_lease("check:a", "preferred", timedelta(milliseconds=100))
    assert not any_store.try_lease("check:a", "other", timedelta(seconds=30), stale=grace)
    time.sleep(0.15)  # expired, but only just: still the preferred replica's
    assert not any_store.try_lease("check:a", "other", timedelta(seconds=30), stale=grace)
    time.sleep(0.35)
    assert any_store.try_lease("check:a", "other", timedelta(seconds=30), stale=grace)
    assert not any_store.try_lease("check:a", "other", timedelta(seconds=30), stale=grace)  # no renewal
    assert any_store.try_lease("check:a", "other", timedelta(seconds=30))  # a plain renewal is fine
    assert any_store.try_lease("check:free", "other", timedelta(seconds=30), stale=grace)  # never taken


def test_live_leases(any_store: Store) -> None:
    assert any_store.try_lease("replica:a", "a", timedelta(seconds=30))
    assert any_store.try_lease("replica:b", "b", timedelta(milliseconds=50))
    assert any_store.try_lease("check:x", "a", timedelta(seconds=30))
    assert any_store.try_lease("replica_%", "c", timedelta(seconds=30))  # LIKE wildcards are escaped
    time.sleep(0.1)
    assert any_store.live_leases("replica:") == {"replica:a": "a"}


def test_rendezvous_spreads_targets_and_moves_few_when_a_replica_joins() -> None:
    targets = [f"t{i}" for i in range(300)]
    two = {t: preferred(t, ["a", "b"]) for t in targets}
    assert 100 < sum(1 for o in two.values() if o == "a") < 200
    three = {t: preferred(t, ["c", "b", "a"]) for t in targets}
    moved = [t for t in targets if two[t] != three[t]]
    assert all(three[t] == "c" for t in moved)  # only the newcomer's share moves
    assert 50 < len(moved) < 150


async def test_membership_sees_the_live_replicas_and_leaves(any_store: Store) -> None:
    one, two = Membership(any_store, "r1"), Membership(any_store, "r2")
    await one.heartbeat()
    await two.heartbeat()
    await one.heartbeat()
    assert one.live == two.live == ("r1", "r2")
    mine = {t for t in (f"t{i}" for i in range(50)) if one.prefers(t)}
    assert mine and all(not two.prefers(t) for t in mine)
    await two.leave()
    assert set(any_store.live_leases(REPLICA_PREFIX).values()) == {"r1"}
    await one.heartbeat()
    assert one.live == ("r1",) and all(one.prefers(f"t{i}") for i in range(50))


def test_a_lease_left_by_a_dead_process_of_this_host_is_taken_over(tmp_path: Path) -> None:
    import subprocess
    import sys

    from monitor.runtime.leasing import holder_is_dead

    store = Store.open(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()
        dead = f"{socket.gethostname()[:80]}:{child.pid}:abcdef"
        alive = f"{socket.gethostname()[:80]}:{os.getppid()}:abcdef"
        elsewhere = f"another-host:{child.pid}:abcdef"
        assert holder_is_dead(dead)
        assert not holder_is_dead(alive) and not holder_is_dead(elsewhere) and not holder_is_dead("junk")

        assert store.try_lease(lease_name("demo"), dead, timedelta(minutes=5))

        async def take() -> bool:
            async with exclusive(store, "demo", new_holder()) as taken:
                return taken

        assert anyio.run(take)
        store.try_lease(lease_name("demo"), elsewhere, timedelta(minutes=5))
        assert not anyio.run(take)  # a holder on another host may be alive: wait for expiry
    finally:
        store.close()
