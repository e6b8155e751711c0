"""Leases: named, expiring claims (which replica checks which target, who sends alerts), taken atomically."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, select, update

from monitor.adapters.store.base import StoreBase, dialect_insert, utcnow
from monitor.adapters.store.tables import leases


class LeaseStore(StoreBase):
    """Leases: take, renew, hand over and release; list the live ones."""

    def try_lease(self, name: str, holder: str, ttl: timedelta, *, stale: timedelta | None = None) -> bool:
        """Take or renew the lease ``name`` for ``ttl``; False when another holder has it.

        With ``stale``, only take a lease that is free or expired at least ``stale`` ago, and do not renew
        one's own: a replica that is not a target's preferred checker only steps in when nobody did.
        """
        now = utcnow()
        takeable = leases.c.expires_at < now if stale is None else leases.c.expires_at < now - stale
        if stale is None:
            takeable = takeable | (leases.c.holder == holder)
        with self._tx(write=True) as conn:
            # One atomic upsert: insert, take over an expired lease or renew our own; otherwise no row
            # changes. (An INSERT that fails on the key would log an ERROR in PostgreSQL's server log
            # for every lease a replica finds taken: hundreds a minute with a few replicas.)
            upsert = dialect_insert(conn, leases).values(name=name, holder=holder, expires_at=now + ttl)
            upsert = upsert.on_conflict_do_update(
                index_elements=[leases.c.name],
                set_={"holder": upsert.excluded.holder, "expires_at": upsert.excluded.expires_at},
                where=takeable,
            )
            if conn.dialect.name == "postgresql":  # psycopg reports no rowcount for an upsert
                return conn.execute(upsert.returning(leases.c.name)).first() is not None
            return bool(conn.execute(upsert).rowcount == 1)

    def live_leases(self, prefix: str) -> dict[str, str]:
        """name -> holder of the unexpired leases whose name starts with ``prefix``."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(leases.c.name, leases.c.holder).where(
                    and_(leases.c.name.startswith(prefix, autoescape=True), leases.c.expires_at > utcnow())
                )
            ).all()
        return {r[0]: r[1] for r in rows}

    def lease_expiry(self, name: str) -> datetime | None:
        """When the lease ``name`` expires (it may have already); None when nobody holds it."""
        with self._tx(write=False) as conn:
            found = conn.execute(select(leases.c.expires_at).where(leases.c.name == name)).scalar()
        return found

    def take_over_lease(self, name: str, dead: str, holder: str, ttl: timedelta) -> bool:
        """Take the lease ``name`` from ``dead`` (a holder known to have died); False if it changed hands."""
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(leases)
                .where(and_(leases.c.name == name, leases.c.holder == dead))
                .values(holder=holder, expires_at=utcnow() + ttl)
            )
            return bool(result.rowcount == 1)

    def release_lease(self, name: str, holder: str) -> None:
        with self._tx(write=True) as conn:
            conn.execute(delete(leases).where(and_(leases.c.name == name, leases.c.holder == holder)))
