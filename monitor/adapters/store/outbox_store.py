"""The alert outbox: alerts queued by a run in its own transaction, then claimed, sent and marked by the
sender, each exactly once (a unique dedupe key; a compare-and-set claim)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from monitor.adapters.store.base import StoreBase, record, utcnow
from monitor.adapters.store.tables import outbox
from monitor.support.redact import redact


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    dedupe_key: str
    target: str
    run_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    interrupted_at: datetime | None = None  # a previous send began then and never finished (process died)


@dataclass(frozen=True, slots=True)
class NewAlert:
    dedupe_key: str
    kind: str
    payload: dict[str, Any]


class OutboxStore(StoreBase):
    """The sender's side of the outbox (alerts are queued by ``Store.record_run``)."""

    def due_alerts(self, now: datetime | None = None, limit: int = 20) -> list[OutboxItem]:
        now = now or utcnow()
        with self._tx(write=False) as conn:
            rows = conn.execute(
                select(outbox)
                .where(and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now))
                .order_by(outbox.c.id)
                .limit(limit)
            ).all()
        return [
            record(OutboxItem, r, payload=json.loads(r.payload), interrupted_at=r.sending_at) for r in rows
        ]

    def claim_alert(self, item_id: int, attempts: int, hold: timedelta) -> bool:
        """Take an alert for sending (compare-and-set on attempts), so two senders never both send it.

        Records the send attempt (``sending_at``) before anything goes out: if the process dies before
        :meth:`mark_alert_sent` or :meth:`mark_alert_failed`, the item comes back due with
        :attr:`OutboxItem.interrupted_at` set. A claim over an interrupted attempt keeps its time.
        """
        now = utcnow()
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(outbox)
                .where(
                    and_(outbox.c.id == item_id, outbox.c.attempts == attempts, outbox.c.status == "pending")
                )
                .values(
                    attempts=attempts + 1,
                    next_attempt_at=now + hold,
                    sending_at=func.coalesce(outbox.c.sending_at, now),
                )
            )
        return result.rowcount == 1

    def mark_alert_sent(self, item_id: int) -> None:
        with self._tx(write=True) as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == item_id)
                .values(status="sent", sent_at=utcnow(), sending_at=None)
            )

    def mark_alert_failed(
        self, item_id: int, error: str, retry_at: datetime | None, *, in_doubt: bool = False
    ) -> None:
        """A failed attempt. ``in_doubt``: Slack may have posted it all the same (no answer, or a lookup
        that could not tell), so the item stays interrupted and the next attempt looks before posting."""
        values: dict[str, Any] = {"last_error": redact(error)[:500]}
        if not in_doubt:
            values["sending_at"] = None
        if retry_at is None:
            values["status"] = "dead"
        else:
            values["next_attempt_at"] = retry_at
        with self._tx(write=True) as conn:
            conn.execute(update(outbox).where(outbox.c.id == item_id).values(**values))

    def outbox_counts(self) -> dict[str, int]:
        with self._tx(write=False) as conn:
            rows = conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
        return {r[0]: int(r[1]) for r in rows}


def queue_alerts(
    conn: Connection, run_id: str, target: str, at: datetime, alerts: Sequence[NewAlert]
) -> list[str]:
    """Queue a run's alerts; the dedupe keys of those queued (one queued before, by another replica or an
    earlier run, is skipped: what makes delivery exactly-once)."""
    queued: list[str] = []
    for alert in alerts:
        # A savepoint per alert: a duplicate key (already queued) must not abort the run.
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(outbox).values(
                        dedupe_key=alert.dedupe_key,
                        target=target,
                        run_id=run_id,
                        kind=alert.kind,
                        payload=json.dumps(alert.payload),
                        status="pending",
                        attempts=0,
                        next_attempt_at=at,
                        created_at=at,
                    )
                )
            queued.append(alert.dedupe_key)
        except IntegrityError:
            continue
    return queued
