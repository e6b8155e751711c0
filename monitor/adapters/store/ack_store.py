"""Acknowledgements: a change someone accepted (for a while, or for good), so it stops alerting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, insert, select

from monitor.adapters.store.base import StoreBase, record, utcnow
from monitor.adapters.store.tables import acks
from monitor.core.acks import Acknowledgement


class AckStore(StoreBase):
    """Acknowledgements per target: given, withdrawn, listed, and those in force."""

    def acknowledge(self, target: str, change_id: str, reason: str, until: datetime | None) -> None:
        with self._tx(write=True) as conn:
            conn.execute(delete(acks).where(and_(acks.c.target == target, acks.c.change_id == change_id)))
            conn.execute(
                insert(acks).values(
                    target=target, change_id=change_id, reason=reason, until=until, created_at=utcnow()
                )
            )

    def unacknowledge(self, target: str, change_id: str) -> bool:
        """Withdraw an acknowledgement; False when there was none."""
        with self._tx(write=True) as conn:
            done = conn.execute(
                delete(acks).where(and_(acks.c.target == target, acks.c.change_id == change_id))
            )
        return bool(done.rowcount)

    def list_acknowledgements(self, target: str) -> list[Acknowledgement]:
        """Every acknowledgement of ``target``, expired ones too, oldest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(acks).where(acks.c.target == target).order_by(acks.c.created_at, acks.c.change_id)
            ).all()
        return [record(Acknowledgement, r) for r in rows]

    def acknowledgements(self, target: str, now: datetime | None = None) -> dict[str, str]:
        """change id -> reason, for acknowledgements still in force."""
        now = now or utcnow()
        with self._tx(write=False) as conn:
            rows = conn.execute(select(acks).where(acks.c.target == target)).all()
        return {
            m["change_id"]: m["reason"]
            for m in (r._mapping for r in rows)
            if m["until"] is None or m["until"] > now
        }
