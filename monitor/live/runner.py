"""One live run of one target, from the event loop: :func:`run_live_tests`.

::

    headers (auth flow, on the loop, bounded)  ->  worker thread: replay saved operations, then generated
    queries per root field  ->  LiveResult

The worker (Schemathesis is synchronous) runs in ``anyio.to_thread`` so the scheduler's loop and other
targets go on. The overall deadline (``live.timeout``) binds twice: inside the thread every request waits
for the rate limiter and is refused once the deadline has passed (its own timeout is cut to what is left),
and on the loop, which stops waiting a moment after the deadline, tells the thread to stop, and returns
what was found so far. Cancelling the caller stops the thread the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import anyio
import anyio.to_thread
import httpx

from monitor.core.schema import IntrospectionDict, schema_from_introspection, unwrap_introspection
from monitor.errors import AuthError, MonitorError, SchemaError
from monitor.live.config import LiveConfig
from monitor.live.context import LiveContext
from monitor.live.http import request_headers
from monitor.live.limits import Budget, RateLimiter
from monitor.live.result import LiveResult, Recorder
from monitor.settings.models import TargetConfig

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from monitor.adapters.operations import Contracts

__all__ = ["GRACE", "run_live_tests"]

log = logging.getLogger("monitor.live")

#: How long after the deadline the loop still waits for the worker to notice it and return.
GRACE: Final = 2.0


async def run_live_tests(
    target: TargetConfig,
    introspection: Mapping[str, Any],
    *,
    operations_dir: Path | None,
    live: LiveConfig,
    auth: httpx.Auth | None = None,
    seed: int | None = None,
) -> LiveResult:
    """Run ``target``'s live contract tests against its stored ``introspection`` (never raises for the API's
    or the credentials' faults: those are in the result's ``failures`` / ``error``).

    ``operations_dir`` is the target's contracts directory (replayed when ``live.replay_contracts``);
    ``auth`` is the target's ``httpx.Auth`` to reuse (a fresh one is built otherwise); ``seed`` makes the
    generated queries reproducible (tests).
    """
    started = time.monotonic()
    recorder = Recorder(target.name)
    budget = Budget(live.timeout)

    def prepare() -> tuple[IntrospectionDict, GraphQLSchema]:
        intro = unwrap_introspection(dict(introspection), source=target.name)
        return intro, schema_from_introspection(intro, source=target.name)

    try:  # in a worker: building a large schema would stall the scheduler's loop for a second
        intro, schema = await anyio.to_thread.run_sync(prepare)
    except SchemaError as exc:
        recorder.fail_run(str(exc))
        return recorder.result(duration=time.monotonic() - started, deadline_hit=False)
    try:
        with anyio.fail_after(budget.remaining()):
            headers = await request_headers(target, auth)
    except TimeoutError:
        recorder.fail_run(f"{target.name}: no credentials within the live deadline of {live.timeout:g}s")
        return recorder.result(duration=time.monotonic() - started, deadline_hit=True)
    except AuthError as exc:
        recorder.fail_run(str(exc))
        return recorder.result(duration=time.monotonic() - started, deadline_hit=False)

    ctx = LiveContext(
        target=target.name,
        url=str(target.url),
        headers=headers,
        verify=target.verify_tls,
        request_timeout=target.timeout,
        schema=schema,
        budget=budget,
        limiter=RateLimiter(live.requests_per_second),
        recorder=recorder,
    )
    replay_dir = operations_dir if live.replay_contracts else None

    def work() -> None:
        try:
            if replay_dir is not None:
                from monitor.live.replay import replay_operations

                replay_operations(ctx, replay_dir, _contracts(target, replay_dir))
            from monitor.live.generated import run_generated

            run_generated(ctx, intro, live, seed=seed)
        except Exception as exc:  # the worker is the boundary: a bug here must not fail the whole check
            log.exception("live tests of %s stopped by an internal error", target.name)
            recorder.fail_run(f"{target.name}: live tests stopped by an internal error: {type(exc).__name__}")

    abandoned = False
    try:
        with anyio.move_on_after(budget.remaining() + GRACE) as scope:
            await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
        abandoned = scope.cancelled_caught
    finally:
        budget.stop()  # a worker still running (abandoned or cancelled) stops at its next step
    if abandoned:
        log.warning("live tests of %s: the worker did not stop at the deadline; abandoned", target.name)
    result = recorder.result(
        duration=time.monotonic() - started, deadline_hit=budget.deadline_hit or abandoned
    )
    log.info(
        "live tests of %s: %d examples, %d replayed, %d failures, %.1fs%s",
        target.name,
        result.examples,
        result.replayed,
        len(result.failures),
        result.duration,
        " (deadline hit)" if result.deadline_hit else "",
    )
    return result


def _contracts(target: TargetConfig, directory: Path) -> Contracts | None:
    """The target's contracts when they are globs or a graphql-config file (None: the directory)."""
    from monitor.adapters.operations import locate_contracts

    if directory != target.contracts_dir:
        return None
    try:
        found = locate_contracts(
            directory,
            globs=target.contracts_globs,
            exclude=target.contracts_exclude,
            project=target.contracts_project,
        )
    except MonitorError:
        return None  # replay_operations then reports the directory it cannot read
    return found if found.globs is not None else None
