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

Leases compare expiry times written by each replica's clock: keep replica clocks in sync (NTP) to well
under the renewal period. ``gqlmon check`` (a CronJob) only uses rule 1 and releases when done
(:func:`exclusive`): it never overlaps a scheduled check of the same target, yet a second manual run is
not refused.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Final

import anyio
import anyio.to_thread

from monitor.adapters.store import Store, utcnow
from monitor.errors import SnapshotError

log = logging.getLogger("monitor.leasing")

#: Longest lease taken before or during a check: how long a dead replica can block a target.
MAX_TTL: Final = 60.0
#: Shortest lease (very short intervals would otherwise renew constantly).
MIN_TTL: Final = 1.0


def lease_name(target: str) -> str:
    return f"check:{target}"


def new_holder() -> str:
    """This process's identity in lease rows: ``host:pid:random`` (a restarted process is a new holder)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(3)}"


def lease_ttl(interval: float) -> float:
    """The ttl of a lease taken for a check of a target scheduled every ``interval`` seconds."""
    return min(max(interval, MIN_TTL), MAX_TTL)


class Lease:
    """One target's lease as held by this process; every call goes to the store in a worker thread."""

    def __init__(self, store: Store, target: str, holder: str, ttl: float) -> None:
        self.store = store
        self.name = lease_name(target)
        self.target = target
        self.holder = holder
        self.ttl = ttl

    async def acquire(self) -> bool:
        """Take (or renew) the lease for ``ttl``; False when another holder has it."""
        return await anyio.to_thread.run_sync(
            self.store.try_lease, self.name, self.holder, timedelta(seconds=self.ttl)
        )

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
    if not await lease.acquire():
        yield False
        return
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(lease.keep_alive, tg.cancel_scope)
            try:
                yield True
            finally:
                tg.cancel_scope.cancel()
    finally:
        await lease.release()
