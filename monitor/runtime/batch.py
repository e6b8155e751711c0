"""Many targets at once: each checked concurrently (bounded), optionally under its lease, one target's
failure never cancelling another's; then the alert outbox is delivered."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import anyio
import anyio.to_thread

from monitor.adapters.store import Store, utcnow
from monitor.errors import MonitorError
from monitor.runtime.service import CheckOutcome, run_check, unrecorded_failure
from monitor.settings.models import Settings, TargetConfig

log = logging.getLogger(__name__)


async def deliver_alerts(settings: Settings, store: Store) -> None:
    """Send what is due in the outbox; failures stay queued for the next call (never raised)."""
    if settings.slack is None:
        return
    from monitor.adapters.slack import SlackSender, deliver_due

    try:
        stats = await deliver_due(store, SlackSender.from_config(settings.slack))
    except MonitorError as exc:
        log.warning("alert delivery failed: %s", exc)
        return
    if stats.sent or stats.retrying or stats.dead:
        log.info("alerts: %d sent, %d retrying, %d dead", stats.sent, stats.retrying, stats.dead)


async def check_targets(
    settings: Settings,
    targets: Sequence[TargetConfig],
    store: Store,
    *,
    on_done: Callable[[CheckOutcome], None] | None = None,
    lease_holder: str | None = None,
    on_skip: Callable[[TargetConfig], None] | None = None,
) -> list[CheckOutcome]:
    """Check ``targets`` concurrently (at most ``settings.concurrency`` at once), in input order.

    With ``lease_holder``, each check first takes the target's lease, as scheduler replicas do: a target
    another process is checking is skipped (``on_skip``) and left out of the result.
    """
    results: dict[str, CheckOutcome] = {}
    limiter = anyio.CapacityLimiter(settings.concurrency)

    async def checked(target: TargetConfig) -> CheckOutcome | None:
        if lease_holder is None:
            return await run_check(settings, target, store)
        from monitor.runtime.leasing import exclusive

        async with exclusive(store, target.name, lease_holder) as taken:
            if not taken:
                log.info("skipped: another gqlmon holds the lease", extra={"target": target.name})
                if on_skip is not None:
                    on_skip(target)
                return None
            return await run_check(settings, target, store)

    async def one(target: TargetConfig) -> None:
        started = utcnow()
        async with limiter:
            # One target's failure that run_check could not record (the store refused the write, a bug)
            # fails that target alone, as one line: it must not cancel the other targets' checks.
            try:
                outcome = await checked(target)
            except Exception as exc:
                if isinstance(exc, MonitorError):
                    error = str(exc)
                    log.warning("check failed, not recorded: %s", error, extra={"target": target.name})
                else:
                    error = " ".join(f"unexpected {type(exc).__name__}: {exc}".split())
                    log.exception("check failed, not recorded", extra={"target": target.name})
                outcome = unrecorded_failure(target, started, error)
            if outcome is None:
                return
        results[target.name] = outcome
        if on_done is not None:
            on_done(outcome)

    async with anyio.create_task_group() as tg:
        for target in targets:
            tg.start_soon(one, target)
    await deliver_alerts(settings, store)
    return [results[t.name] for t in targets if t.name in results]
