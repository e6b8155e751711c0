"""``gqlmon run``: the long-lived scheduler. One APScheduler job per target, leases for scale-out.

* **Triggers are local.** An APScheduler 3.11 ``AsyncIOScheduler`` with its in-memory job store fires one
  job per target from its ``schedule`` (an interval such as ``5m``, or a cron expression): with jitter
  (at most :attr:`SchedulerOptions.jitter`, and at most a tenth of the interval; it only ever delays),
  ``max_instances=1`` (a slow check never overlaps itself: a trigger that finds it still running is
  skipped), ``coalesce`` (missed runs collapse into one) and a per-run time limit (``run_timeout``).
  At most ``concurrency`` checks run at once in a process.
* **The lease decides.** Several replicas share one PostgreSQL; before a check each takes the target's lease
  (:mod:`monitor.runtime.leasing` explains the rules), so a target is checked once per interval whichever replica
  fires first, and a replica that dies loses its targets to the others within a minute. The replicas
  share the targets: each checks those it is the preferred replica of (rendezvous hashing over the live
  replicas, each renewing a membership row every couple of seconds), and steps in for the others only
  when nobody did.
* **Reload.** SIGHUP, or a change of the configuration file (polled every tick), re-reads it: targets are
  added, removed and rescheduled without a restart. An invalid file is logged and the running
  configuration kept. The state store and the options below need a restart.
* **Graceful shutdown.** SIGTERM or SIGINT: no new checks start; running ones get ``grace_period`` to
  finish; the rest are cancelled (a check writes its results in one transaction at its end, so a cancelled
  check leaves no partial state) and release their leases, so another replica can run them at once. A
  second signal cancels at once. Undelivered alerts stay in the outbox for the next delivery round.
* **Alerts.** A check that queued alerts sends them right after it; a delivery round every
  ``outbox_every`` (30 s) retries what failed and picks up what a stopped replica left. Each alert is
  claimed before it is sent, so replicas never send one twice.
* **Health.** Every tick (1 s) the loop rewrites the health file that ``gqlmon healthcheck`` reads; with a
  metrics port, ``/healthz`` and ``/metrics`` (:mod:`monitor.runtime.metrics`) are served too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import anyio
import anyio.lowlevel
import anyio.to_thread
from anyio.abc import TaskStatus
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.adapters.store import Store, utcnow
from monitor.errors import ConfigError, MonitorError
from monitor.runtime.health import HealthState, assess, probe, write_health
from monitor.runtime.leasing import Lease, Membership, handover_wait, lease_ttl, new_holder, stale_after
from monitor.runtime.metrics import CONTENT_TYPE, Metrics
from monitor.settings.models import Settings, TargetConfig
from monitor.settings.parsing import parse_schedule

if TYPE_CHECKING:
    from monitor.runtime.service import CheckOutcome

log = logging.getLogger("monitor.runtime.scheduler")

CheckFn = Callable[[Settings, TargetConfig, Store], Awaitable["CheckOutcome"]]

DEFAULT_HEALTH_FILE: Final = Path(".gqlmon/health.json")  # relative to the configuration file
JITTER_SHARE: Final = 0.1  # jitter never exceeds this share of a target's interval


# ------------------------------------------------------------------------------------------- options


@dataclass(frozen=True)
class SchedulerOptions:
    """Scheduler knobs, read from the settings once at start-up."""

    run_timeout: float = 300.0
    grace_period: float = 30.0
    jitter: float = 10.0
    health_file: Path = DEFAULT_HEALTH_FILE
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    tick: float = 1.0
    outbox_every: float = 30.0
    heartbeat: float = 2.0  # seconds between renewals of this replica's membership row

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulerOptions:
        """The options of ``settings``; a relative ``health_file`` is relative to the configuration file."""
        base = settings.config_path.resolve().parent if settings.config_path else Path.cwd()
        health = settings.health_file if settings.health_file is not None else DEFAULT_HEALTH_FILE
        return cls(
            run_timeout=settings.run_timeout,
            grace_period=settings.grace_period,
            jitter=settings.jitter,
            health_file=health if health.is_absolute() else base / health,
            metrics_host=settings.metrics_host,
            metrics_port=settings.metrics_port,
        )


# ------------------------------------------------------------------------------------------- plans


@dataclass(frozen=True, slots=True)
class Plan:
    """A target's parsed schedule: the trigger to fire it and the interval each check serves."""

    kind: Literal["interval", "cron"]
    seconds: float = 0.0
    cron: str = ""

    @classmethod
    def of(cls, schedule: str) -> Plan:
        parsed = parse_schedule(schedule)
        if parsed[0] == "interval":
            return cls("interval", seconds=parsed[1])
        return cls("cron", cron=parsed[1])

    def _cron(self, jitter: float | None = None) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone=None, jitter=jitter)

    def nominal(self, now: datetime) -> float:
        """Seconds between two fire times around ``now``."""
        if self.kind == "interval":
            return self.seconds
        first = self._cron().get_next_fire_time(None, now)
        second = self._cron().get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
        return (second - first).total_seconds() if first and second else 3600.0

    def jitter(self, limit: float, now: datetime) -> float:
        return min(limit, JITTER_SHARE * self.nominal(now))

    def trigger(self, jitter: float, now: datetime) -> BaseTrigger:
        spread = self.jitter(jitter, now) or None
        if self.kind == "interval":
            return IntervalTrigger(seconds=self.seconds, jitter=spread)
        return self._cron(spread)

    def window_end(self, start: datetime) -> datetime:
        """The end of the interval that a check started at ``start`` serves (when the next one is due)."""
        if self.kind == "interval":
            return start + timedelta(seconds=self.seconds)
        following = self._cron().get_next_fire_time(None, start + timedelta(microseconds=1))
        return following if following is not None else start + timedelta(hours=1)


# ------------------------------------------------------------------------------------------- scheduler


class Scheduler:
    """The scheduler of one process. :meth:`run` owns its whole lifecycle."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        options: SchedulerOptions | None = None,
        config_path: Path | None = None,
        holder: str | None = None,
        check: CheckFn | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.options = options or SchedulerOptions.from_settings(settings)
        self.config_path = config_path or settings.config_path
        self.holder = holder or new_holder()
        self.membership = Membership(store, self.holder)
        self.metrics = Metrics()
        self._check_fn = check
        self._targets: dict[str, TargetConfig] = {}
        self._plans: dict[str, Plan] = {}
        self._running: dict[str, anyio.CancelScope] = {}
        self._limiter = anyio.CapacityLimiter(settings.concurrency)
        self._aps: AsyncIOScheduler | None = None
        self._stop = anyio.Event()
        self._idle = anyio.Event()
        self._started_at = time.time()
        self._stopping = False
        self._exit_code = 0
        self._once_left: set[str] | None = None
        self._once_failed = False
        self._config_stamp: tuple[int, int] | None = None
        self._health_error_logged = False
        self._last_heartbeat = 0.0
        self._delivering = False
        self._deliver_again = False
        #: Where /metrics and /healthz are served (host, port), once :meth:`run` started the server.
        self.http_address: tuple[str, int] | None = None
        self.ready = anyio.Event()

    # ---------------------------------------------------------------- lifecycle

    async def run(self, *, once: bool = False, handle_signals: bool = True) -> int:
        """Schedule every target and run until stopped (or, with ``once``, until each ran once).

        With a metrics port, its socket is bound first: a busy port is a ConfigError before anything starts.
        """
        sock = self._listen()
        with sock if sock is not None else contextlib.nullcontext():
            return await self._run(sock, once=once, handle_signals=handle_signals)

    async def _run(self, sock: socket.socket | None, *, once: bool, handle_signals: bool) -> int:
        aps = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1})
        self._aps = aps
        self._config_stamp = self._stamp()
        if not once:
            await self.membership.heartbeat()  # join the replica set before the first checks
        self._last_heartbeat = time.monotonic()
        async with anyio.create_task_group() as tg:
            if handle_signals:
                tg.start_soon(self._watch_signals)
            if sock is not None:
                port = await tg.start(self._serve_http, sock)
                self.http_address = (self.options.metrics_host, port)
                log.info("serving /metrics and /healthz on %s:%d", self.options.metrics_host, port)
            self._write_health("running")
            if once:
                self._once_left = {t.name for t in self.settings.targets}
                self._schedule_once(self.settings.targets)
                if not self._once_left:
                    self._stop.set()
            else:
                self._sync(self.settings.targets)
                # Always scheduled: a reload may configure Slack (the round does nothing without it).
                aps.add_job(
                    self._deliver_outbox, IntervalTrigger(seconds=self.options.outbox_every), id="@outbox"
                )
            aps.start()
            tg.start_soon(self._tick)
            log.info(
                "scheduler started: %d targets, holder %s%s",
                len(self.settings.targets),
                self.holder,
                " (once)" if once else "",
                extra={"holder": self.holder},
            )
            self.ready.set()
            await self._stop.wait()
            await self._shutdown()
            tg.cancel_scope.cancel()
        if not once:
            await self.membership.leave()
        self._write_health("stopped")
        if once and self._once_failed:
            return 3
        return self._exit_code

    def request_stop(self, code: int = 0) -> None:
        """Begin a graceful shutdown (what SIGTERM does); a second request cancels running checks at once."""
        if self._stop.is_set():
            self._cancel_running()
            return
        self._exit_code = code
        self._stop.set()

    async def _shutdown(self) -> None:
        self._stopping = True
        aps = self._aps
        if aps is not None and aps.running:
            aps.pause()
        self._write_health("stopping")
        if self._running:
            log.info(
                "stopping: waiting up to %.0f s for %d running checks (%s)",
                self.options.grace_period,
                len(self._running),
                ", ".join(sorted(self._running)),
            )
        with anyio.move_on_after(self.options.grace_period):
            await self._wait_idle()
        if self._running:
            log.warning(
                "cancelling %d checks that did not finish in time: %s",
                len(self._running),
                ", ".join(sorted(self._running)),
            )
            self._cancel_running()
        with anyio.move_on_after(30):  # a cancelled check may be finishing a store write in a thread
            await self._wait_idle()
        if aps is not None and aps.running:
            aps.shutdown(wait=False)
            await anyio.lowlevel.checkpoint()  # let the scheduler's call_soon'd shutdown run on this loop
        log.info("scheduler stopped")

    def _cancel_running(self) -> None:
        for scope in list(self._running.values()):
            scope.cancel()

    async def _wait_idle(self) -> None:
        while self._running:
            self._idle = anyio.Event()
            await self._idle.wait()

    async def _watch_signals(self) -> None:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT, signal.SIGHUP) as signals:
            async for signum in signals:
                if signum == signal.SIGHUP:
                    log.info("SIGHUP: reloading the configuration")
                    await self.reload()
                elif self._stop.is_set():
                    log.warning("%s again: cancelling running checks now", signal.Signals(signum).name)
                    self.request_stop()
                else:
                    log.info("%s: shutting down", signal.Signals(signum).name)
                    self.request_stop(130 if signum == signal.SIGINT else 0)

    async def _tick(self) -> None:
        while True:
            self.metrics.loop_ticked(time.time())
            self._write_health("stopping" if self._stopping else "running")
            if not self._stopping and self._once_left is None and self._stamp() != self._config_stamp:
                log.info("configuration file changed: reloading")
                await self.reload()
            if self._once_left is None and time.monotonic() - self._last_heartbeat >= self.options.heartbeat:
                self._last_heartbeat = time.monotonic()
                await self.membership.heartbeat()
            await anyio.sleep(self.options.tick)

    # ---------------------------------------------------------------- jobs

    def _sync(self, targets: Sequence[TargetConfig]) -> tuple[list[str], list[str], list[str]]:
        """Make the jobs match ``targets``: (added, removed, rescheduled) names."""
        aps = self._aps
        assert aps is not None
        now = utcnow()
        wanted = {t.name: t for t in targets}
        added: list[str] = []
        removed: list[str] = []
        rescheduled: list[str] = []
        for name in list(self._targets):
            if name not in wanted:
                with contextlib.suppress(JobLookupError):
                    aps.remove_job(name)
                del self._targets[name], self._plans[name]
                removed.append(name)
        for name, target in wanted.items():
            plan = Plan.of(target.schedule)
            self._targets[name] = target  # a running job picks up other config changes at its next run
            old = self._plans.get(name)
            self._plans[name] = plan
            if old is None:
                first: dict[str, Any] = {}
                if plan.kind == "interval":  # start now (spread by the jitter), not one interval from now
                    spread = random.uniform(0, plan.jitter(self.options.jitter, now))  # noqa: S311
                    first["next_run_time"] = now + timedelta(seconds=spread)
                aps.add_job(
                    self._job,
                    plan.trigger(self.options.jitter, now),
                    args=[name],
                    id=name,
                    name=f"check {name}",
                    misfire_grace_time=max(1, int(plan.nominal(now))),
                    replace_existing=True,
                    **first,
                )
                added.append(name)
            elif old != plan:
                aps.reschedule_job(name, trigger=plan.trigger(self.options.jitter, now))
                rescheduled.append(name)
        return added, removed, rescheduled

    def _schedule_once(self, targets: Sequence[TargetConfig]) -> None:
        aps = self._aps
        assert aps is not None
        now = utcnow()
        for target in targets:
            self._targets[target.name] = target
            self._plans[target.name] = Plan.of(target.schedule)
            aps.add_job(
                self._job, DateTrigger(now), args=[target.name], id=target.name, misfire_grace_time=None
            )

    async def reload(self) -> bool:
        """Re-read the configuration file and apply its targets; False (and a log line) if it is invalid."""
        from monitor.settings.loading import load_settings

        path = self.config_path
        self._config_stamp = self._stamp()
        if path is None:
            log.warning("no configuration file to reload")
            return False
        try:
            fresh = await anyio.to_thread.run_sync(load_settings, path)
            fresh.require_env(*fresh.targets, slack=True)
        except MonitorError as exc:
            log.error("configuration reload failed, keeping the running configuration: %s", exc)
            return False
        except Exception as exc:  # a bug in loading must not take the running scheduler down
            log.error("configuration reload failed, keeping the running configuration: %r", exc, exc_info=exc)
            return False
        if fresh.state != self.settings.state:
            log.warning("the configuration names another state store: restart `gqlmon run` to use it")
        self.settings = fresh
        if self._stopping or self._aps is None:
            return True
        added, removed, rescheduled = self._sync(fresh.targets)
        log.info(
            "configuration reloaded: %d targets (added: %s; removed: %s; rescheduled: %s)",
            len(self._targets),
            ", ".join(added) or "none",
            ", ".join(removed) or "none",
            ", ".join(rescheduled) or "none",
        )
        return True

    async def _job(self, name: str) -> None:
        """One trigger of one target: run inside a cancel scope that shutdown can cancel."""
        try:
            target = self._targets.get(name)
            if target is None or self._stopping:
                return
            with anyio.CancelScope() as scope:
                self._running[name] = scope
                self.metrics.check_started()
                try:
                    outcome = await self._check(target, self._plans[name])
                    if outcome is not None and outcome.alerts_queued:
                        await self._deliver_outbox()  # now, not at the next delivery round
                finally:
                    self.metrics.check_finished()
                    del self._running[name]
                    if not self._running:
                        self._idle.set()
        finally:
            if self._once_left is not None:
                self._once_left.discard(name)
                if not self._once_left:
                    self._stop.set()

    async def _check(self, target: TargetConfig, plan: Plan) -> CheckOutcome | None:
        """Take the lease, run the check within the time limit, record metrics; the outcome if it ran."""
        extra = {"target": target.name}
        async with self._limiter:
            if self._stopping:
                return None
            started = utcnow()
            interval = plan.nominal(started)
            lease = Lease(self.store, target.name, self.holder, lease_ttl(interval))
            # Another replica's target (rendezvous hashing over the live replicas): only step in when
            # its lease has been left free for a while. `run --once` checks everything it is given.
            mine = self._once_left is not None or self.membership.prefers(target.name)
            try:
                taken = await lease.acquire(stale=None if mine else stale_after(interval))
                if not taken and mine and self._once_left is None:
                    taken = await lease.acquire_at_expiry(handover_wait(interval))
            except MonitorError as exc:
                log.error("cannot take the lease: %s", exc, extra=extra)
                self.metrics.observe_run(target.name, "failed", 0.0, {})
                self._once_failed = True
                return None
            if not taken:
                log.debug("skipped: another replica holds or prefers this target", extra=extra)
                self.metrics.inc("gqlmon_lease_skips_total", target=target.name)
                return None
            # The interval this check serves starts now, when it has the lease (not when it asked for
            # it): so a check by another replica never starts less than one interval after this one.
            started = utcnow()
            clock = time.perf_counter()
            outcome: CheckOutcome | None = None
            timed_out = False
            try:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(lease.keep_alive, tg.cancel_scope)
                    try:
                        with anyio.move_on_after(self.options.run_timeout) as limit:
                            outcome = await self._run_check(target)
                        timed_out = limit.cancelled_caught
                    except Exception as exc:  # a bug or a store outage: log it, keep the scheduler alive
                        log.error("check crashed: %s", exc, exc_info=exc, extra=extra)
                    finally:
                        tg.cancel_scope.cancel()
            finally:
                # Done (even failed or timed out): hold the lease to the interval's end. Cancelled or
                # crashed: release it so another replica may run this interval's check now.
                if outcome is not None or timed_out:
                    await lease.hold_until(plan.window_end(started))
                else:
                    await lease.release()
            seconds = time.perf_counter() - clock
            if timed_out:
                log.error(
                    "check timed out after %.0f s and was stopped", self.options.run_timeout, extra=extra
                )
                self.metrics.observe_run(target.name, "timeout", seconds, {})
                self._once_failed = True
            elif outcome is not None:
                report = outcome.report
                self.metrics.observe_run(target.name, report.outcome, seconds, report.summary)
                self._once_failed |= report.outcome == "failed"
            else:
                self.metrics.observe_run(target.name, "failed", seconds, {})
                self._once_failed = True
            return outcome

    async def _run_check(self, target: TargetConfig) -> CheckOutcome:
        if self._check_fn is not None:
            return await self._check_fn(self.settings, target, self.store)
        from monitor.runtime.service import run_check

        return await run_check(self.settings, target, self.store)

    async def _deliver_outbox(self) -> None:
        """Send the alerts due in the outbox: just queued by a check, or left by a failed send or by a
        replica that stopped. One round at a time per process (a request during a round runs one more);
        replicas never send an alert twice (each item is claimed with a compare-and-set first)."""
        if self.settings.slack is None or self._stopping:
            return
        if self._delivering:
            self._deliver_again = True
            return
        from monitor.adapters.slack import SlackSender, deliver_due

        self._delivering = True
        try:
            while True:
                self._deliver_again = False
                try:
                    stats = await deliver_due(self.store, SlackSender.from_config(self.settings.slack))
                except MonitorError as exc:
                    log.warning("alert delivery round failed: %s", exc)
                    return
                if stats.sent or stats.retrying or stats.dead:
                    log.info("alerts: %d sent, %d retrying, %d dead", stats.sent, stats.retrying, stats.dead)
                if not self._deliver_again or self._stopping:
                    return
        finally:
            self._delivering = False

    # ---------------------------------------------------------------- health

    def health(self, status: str | None = None) -> HealthState:
        return HealthState(
            status=status or ("stopping" if self._stopping else "running"),
            pid=os.getpid(),
            holder=self.holder,
            started_at=round(self._started_at, 3),
            last_loop=round(self.metrics.last_loop or time.time(), 3),
            jobs=len(self._targets),
            running=len(self._running),
        )

    def _write_health(self, status: str) -> None:
        try:
            write_health(self.options.health_file, self.health(status))
        except OSError as exc:
            if not self._health_error_logged:
                log.error("cannot write the health file %s: %s", self.options.health_file, exc)
                self._health_error_logged = True

    def _listen(self) -> socket.socket | None:
        """The bound socket of /metrics and /healthz; None without a metrics port."""
        if self.options.metrics_port is None:
            return None
        from monitor.runtime.http_server import listen

        return listen(self.options.metrics_host, self.options.metrics_port)

    async def _serve_http(
        self, sock: socket.socket, *, task_status: TaskStatus[int] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        from monitor.runtime.http_server import serve_http

        def healthz() -> tuple[int, str, str]:
            healthy, reason = assess(self.health(), max_age=max(30.0, 10 * self.options.tick))
            return (200 if healthy else 503), "text/plain; charset=utf-8", reason + "\n"

        def metrics() -> tuple[int, str, str]:
            return 200, CONTENT_TYPE, self.metrics.render()

        await serve_http(sock, {"/healthz": healthz, "/metrics": metrics}, task_status=task_status)

    def _stamp(self) -> tuple[int, int] | None:
        if self.config_path is None:
            return None
        try:
            info = self.config_path.stat()
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size)


# ------------------------------------------------------------------------------------------- entry points


def run_scheduler(settings: Settings, *, config_path: Path | None = None, once: bool = False) -> int:
    """``gqlmon run``: open the store, schedule every target, run until SIGTERM/SIGINT; the exit code."""
    from monitor.support.logs import configure_logging

    # Every target is checked and alerts are posted from the start: every variable is needed now.
    settings.require_env(*settings.targets, slack=True)
    root = logging.getLogger()
    configure_logging(min(root.level or logging.INFO, logging.INFO))
    if not settings.targets:
        raise ConfigError("no targets configured: add [[targets]] to monitor.toml (`gqlmon init`)")
    store = Store.open(settings.state)
    try:
        scheduler = Scheduler(settings, store, config_path=config_path)
        return anyio.run(lambda: scheduler.run(once=once), backend="asyncio")
    finally:
        store.close()


def healthcheck(settings: Settings, *, max_age: float = 120.0) -> int:
    """``gqlmon healthcheck``: 0 when the scheduler's health file is fresh and says running, else 1."""
    return probe(SchedulerOptions.from_settings(settings).health_file, max_age)
