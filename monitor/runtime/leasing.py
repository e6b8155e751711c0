"""Per-target leases in the shared store: each target is checked by one replica at a time, once per interval.

Every replica triggers its own checks (APScheduler never shares a job store between processes); the lease
row ``check:<target>`` in the store decides which replica actually runs one. The rules:

1. **Before a check**, take the lease for a short ``ttl`` (the interval, at most :data:`MAX_TTL`). Not
   taken: another replica is checking the target, or already checked it this interval: skip.
2. **While the check runs**, renew it every ``ttl / 3``. A replica that dies (SIGKILL, lost node) stops
   renewing, so its lease expires within ``ttl`` and another replica takes the target at its next trigger.
   A replica that finds its lease gone (it stalled longer than ``ttl``) abandons its check: someone else
   runs it.
3. **After the check** (finished, failed or timed out), *keep* the lease until the end of the interval that
   the check served (:meth:`Lease.hold_until`), instead of releasing it. Releasing would let another
   replica, whose trigger fires a little later in the same interval, check the target again: N replicas
   would mean N checks per interval. Held to the interval's end, the next check is whoever fires first
   after it, so a target is checked once per interval whatever the number of replicas.
4. **A cancelled check** (shutdown) or one that crashed on an unexpected error releases the lease at once:
   that interval's check did not happen, and another replica may do it now.
5. **Sharing the work.** Rule 3 alone would let the first replica to start keep every target for ever (it
   always renews its own leases first). So each replica also keeps a ``replica:<holder>`` row alive
   (:class:`Membership`, renewed every couple of seconds, expiring after :data:`REPLICA_TTL`), and every
   target has one *preferred* replica among the live ones (rendezvous hashing: the highest
   ``sha256(target, holder)``), stable while the membership is. A replica checks the targets it prefers;
   for the others it only steps in when their lease has been free or expired for a while (``stale``:
   the preferred replica is gone or does not know it yet). A replica joining or leaving moves about
   1/N of the targets, each after at most one interval; exclusion never depends on the replicas agreeing
   on the membership, only the balance does.
6. **Taking over at the edge.** Two replicas' triggers for a target fire on nearly the same grid, and a
   lease is held to the end of the interval *its check* served (counted from when it was taken, a little
   after the trigger): so the preferred replica's trigger tends to fire just before the other's lease
   ends, find it held, and skip -- for ever. A preferred replica that finds the lease ending soon
   (:func:`handover_wait`) waits for that end and takes it then (:meth:`Lease.acquire_at_expiry`).

Leases compare expiry times written by each replica's clock: keep replica clocks in sync (NTP) to well
under the renewal period. One-shot checks (``gqlmon check`` in a CronJob) use :func:`exclusive`: rule 1 and
2, released when done, so they never overlap a scheduled check of the same target, yet a second manual run
is not refused.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Final

import anyio
import anyio.to_thread

from monitor.adapters.store import Store, utcnow
from monitor.errors import SnapshotError

log = logging.getLogger("monitor.runtime.leasing")

#: Longest lease taken before or during a check: how long a dead replica can block a target.
MAX_TTL: Final = 60.0
#: Shortest lease (very short intervals would otherwise renew constantly).
MIN_TTL: Final = 1.0
#: How long a replica counts as alive after its last heartbeat (it renews every scheduler tick).
REPLICA_TTL: Final = 15.0
REPLICA_PREFIX: Final = "replica:"


def lease_name(target: str) -> str:
    return f"check:{target}"


def new_holder() -> str:
    """This process's identity in lease rows: ``host:pid:random`` (a restarted process is a new holder)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(3)}"


def holder_is_dead(holder: str) -> bool:
    """Whether ``holder`` (``host:pid:random``) is a process of this host that has exited.

    Only provable for this host; a holder elsewhere, or a pid that is alive (or reused), counts as alive.
    """
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname()[:80] or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, but not ours to signal
        return False
    return False


def lease_ttl(interval: float) -> float:
    """The ttl of a lease taken for a check of a target scheduled every ``interval`` seconds."""
    return min(max(interval, MIN_TTL), MAX_TTL)


def stale_after(interval: float) -> float:
    """How long a non-preferred replica leaves a free or expired lease to the preferred one."""
    return min(0.5 * interval, 2 * REPLICA_TTL)


def handover_wait(interval: float) -> float:
    """How long before its expiry the preferred replica waits for a lease held by another (rule 6)."""
    return min(0.25 * interval, REPLICA_TTL / 3)


def preferred(target: str, holders: Iterable[str]) -> str:
    """The replica that should check ``target``: rendezvous (highest random weight) hashing."""
    return max(holders, key=lambda h: hashlib.sha256(f"{target}\x1f{h}".encode()).digest())


class Membership:
    """This replica's view of the live replicas, and so of the targets it should check."""

    def __init__(self, store: Store, holder: str) -> None:
        self.store = store
        self.holder = holder
        self.live: tuple[str, ...] = (holder,)

    def prefers(self, target: str) -> bool:
        return preferred(target, self.live) == self.holder

    async def heartbeat(self) -> None:
        """Renew this replica's row and re-read who else is alive (a store error keeps the last view)."""
        try:
            await anyio.to_thread.run_sync(self._heartbeat)
        except SnapshotError as exc:
            log.warning("replica heartbeat failed: %s", exc)

    def _heartbeat(self) -> None:
        self.store.try_lease(REPLICA_PREFIX + self.holder, self.holder, timedelta(seconds=REPLICA_TTL))
        alive = set(self.store.live_leases(REPLICA_PREFIX).values()) | {self.holder}
        live = tuple(sorted(alive))
        if live != self.live:
            log.info("replicas: %d live (%s)", len(live), ", ".join(live), extra={"holder": self.holder})
        self.live = live

    async def leave(self) -> None:
        """Drop this replica's row (shutdown), so the others take its targets without waiting."""
        with anyio.CancelScope(shield=True):
            try:
                await anyio.to_thread.run_sync(
                    self.store.release_lease, REPLICA_PREFIX + self.holder, self.holder
                )
            except SnapshotError as exc:
                log.warning("could not leave the replica set: %s", exc)


class Lease:
    """One target's lease as held by this process; every call goes to the store in a worker thread."""

    def __init__(self, store: Store, target: str, holder: str, ttl: float) -> None:
        self.store = store
        self.name = lease_name(target)
        self.target = target
        self.holder = holder
        self.ttl = ttl

    async def acquire(self, *, stale: float | None = None) -> bool:
        """Take (or renew) the lease for ``ttl``; False when another holder has it.

        With ``stale``: only a lease free or expired ``stale`` seconds ago, never a renewal (rule 5).
        """
        grace = None if stale is None else timedelta(seconds=stale)
        return await anyio.to_thread.run_sync(
            lambda: self.store.try_lease(self.name, self.holder, timedelta(seconds=self.ttl), stale=grace)
        )

    async def acquire_at_expiry(self, within: float) -> bool:
        """Another holder's lease that expires in at most ``within`` seconds: wait for that, then take it
        (rule 6). False when it lasts longer, or someone else was quicker."""
        expires = await anyio.to_thread.run_sync(self.store.lease_expiry, self.name)
        if expires is None:
            return await self.acquire()
        remaining = (expires - utcnow()).total_seconds()
        if remaining > within:
            return False
        await anyio.sleep(max(remaining, 0.0) + 0.005)
        return await self.acquire()

    async def reclaim_from_dead(self) -> bool:
        """Take the lease over when its holder is a process of this host that no longer runs (a killed
        ``gqlmon check``): waiting for its expiry would only delay the next check."""

        def attempt() -> bool:
            holder = self.store.live_leases(self.name).get(self.name)
            if holder is None or not holder_is_dead(holder):
                return False
            log.info("taking over the lease of a dead process %s", holder, extra={"target": self.target})
            return self.store.take_over_lease(self.name, holder, self.holder, timedelta(seconds=self.ttl))

        return await anyio.to_thread.run_sync(attempt)

    async def keep_alive(self, lost: anyio.CancelScope) -> None:
        """Renew every ``ttl / 3`` until cancelled; cancel ``lost`` if another holder took the lease."""
        while True:
            await anyio.sleep(self.ttl / 3)
            try:
                renewed = await self.acquire()
            except SnapshotError as exc:  # the store is down: the check will find out too; keep trying
                log.warning("lease renewal failed: %s", exc, extra={"target": self.target})
                continue
            if not renewed:
                log.warning(
                    "lease lost to another replica: abandoning this check", extra={"target": self.target}
                )
                lost.cancel()
                return

    async def hold_until(self, until: datetime) -> None:
        """Keep the lease until ``until`` (the end of the interval served); release it if that has passed."""
        remaining = (until - utcnow()).total_seconds()
        with anyio.CancelScope(shield=True):
            if remaining <= 0:
                await self._release()
                return
            try:
                kept = await anyio.to_thread.run_sync(
                    self.store.try_lease, self.name, self.holder, timedelta(seconds=remaining)
                )
            except SnapshotError as exc:
                log.warning("could not keep the lease: %s", exc, extra={"target": self.target})
                return
            if not kept:
                log.warning("lease taken over before the check finished", extra={"target": self.target})

    async def release(self) -> None:
        """Give the lease up now (shielded from cancellation: a cancelled check still releases it)."""
        with anyio.CancelScope(shield=True):
            await self._release()

    async def _release(self) -> None:
        try:
            await anyio.to_thread.run_sync(self.store.release_lease, self.name, self.holder)
        except SnapshotError as exc:  # it will expire on its own
            log.warning("could not release the lease: %s", exc, extra={"target": self.target})


@asynccontextmanager
async def exclusive(store: Store, target: str, holder: str, ttl: float = MAX_TTL) -> AsyncIterator[bool]:
    """For one-shot checks: hold ``target``'s lease (renewed) while the block runs; yields False if taken.

    ::

        async with exclusive(store, target.name, holder) as taken:
            if taken:
                outcome = await run_check(settings, target, store)
    """
    lease = Lease(store, target, holder, ttl)
    if not await lease.acquire() and not await lease.reclaim_from_dead():
        yield False
        return
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(lease.keep_alive, tg.cancel_scope)
            try:
                yield True
            finally:
                tg.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        # keep_alive raises nothing of its own: a lone error is the block's, and its caller catches it by
        # its own type (a SnapshotError must not turn into an ExceptionGroup on the way out).
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from group.exceptions[0].__cause__
        raise
    finally:
        await lease.release()
