"""One check of one target, start to end: the only module that knows the order of the steps.

::

    introspect -> fingerprint -> (unchanged? record and stop) -> diff -> rules -> contracts
      -> report -> store (snapshot + run + changes + alert outbox, one transaction) -> publish -> deliver

A failed introspection is a failed run: the last good snapshot stays the baseline, nothing is diffed,
and no "types removed" can ever come out of it. Writes happen in one transaction at the end, so a
cancelled or crashed check leaves the previous state intact.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread

from monitor.adapters.store import (
    FetchedBody,
    NewAlert,
    NewSnapshot,
    RunRecord,
    RunState,
    SnapshotRef,
    Store,
    deprecations_first_seen,
    new_run_id,
    utcnow,
)
from monitor.core.changes import Change, Criticality
from monitor.core.contracts.deprecations import dated_from_baseline, deprecation_dates
from monitor.core.flapping import detect_flapping, detect_rollback
from monitor.core.report.model import DriftReport, Outcome, SnapshotInfo
from monitor.core.schema import (
    canonical_introspection,
    fingerprint_of,
    schema_from_introspection,
    type_fingerprints_of,
    validity_problems,
)
from monitor.errors import MonitorError
from monitor.settings.models import Settings, TargetConfig
from monitor.support.redact import redact

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from monitor.adapters.introspection import IntrospectionResult
    from monitor.core.contracts import ContractsResult, OperationSet


log = logging.getLogger(__name__)


@dataclass
class CheckOutcome:
    """What a check produced, for the CLI and the scheduler."""

    report: DriftReport
    published: list[Path] = field(default_factory=list)
    alerts_queued: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.report.outcome == "failed"


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def step(self, name: str) -> Callable[[], None]:
        start = time.perf_counter()

        def done() -> None:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start

        return done


@dataclass(frozen=True, slots=True)
class _Run:
    """One check in progress, and what each report it can end with says about it."""

    target: TargetConfig
    id: str
    started: datetime
    previous: SnapshotRef | None
    timer: _Timer

    def report(self, outcome: Outcome, **details: Any) -> DriftReport:
        """The run's report, finished now, with ``details`` (the outcome's own fields)."""
        return DriftReport(
            target=self.target.name,
            run_id=self.id,
            started_at=self.started.isoformat(),
            finished_at=utcnow().isoformat(),
            outcome=outcome,
            old_snapshot=_info(self.previous) if self.previous else None,
            endpoint=redact(str(self.target.url)),
            timings=self.timer.timings,
            **details,
        )


async def run_check(settings: Settings, target: TargetConfig, store: Store) -> CheckOutcome:
    """Introspect ``target``, compare with its last snapshot, store and publish the result.

    What each step costs is only paid when the step can change the answer (issue 16): a body whose bytes
    hash equal to the last one is not parsed; an unchanged fingerprint builds no schema unless a new or
    edited saved operation must be validated; a changed one is diffed on the JSON (only changed types
    are built), the new schema is built once (for its validity and the saved operations) and the old
    one only when an operation broke and its causes are looked for.
    """
    started = utcnow()
    run_id = new_run_id(started)
    timer = _Timer()
    previous = await anyio.to_thread.run_sync(store.latest_snapshot, target.name)
    run = _Run(target, run_id, started, previous, timer)
    known = await anyio.to_thread.run_sync(store.last_body, target.name) if previous is not None else None
    known_body = (
        known.body_sha256 if known is not None and previous and known.snapshot_id == previous.id else None
    )
    log.info("check started", extra={"target": target.name, "run_id": run_id})

    done = timer.step("introspect")
    try:
        from monitor.adapters.auth import auth_for
        from monitor.adapters.introspection import introspect

        result = await introspect(target, auth=auth_for(target), known_body=known_body, build=False)
    except MonitorError as exc:
        done()
        return await _record_failure(settings, store, run, str(exc))
    done()

    done = timer.step("fingerprint")
    canon: dict[str, Any] | None = None
    if result.same_body and previous is not None:
        new_id = previous.id  # the same bytes as the last fetch: the same schema, nothing to parse
    else:
        canon = await anyio.to_thread.run_sync(canonical_introspection, result.introspection)
        new_id = await anyio.to_thread.run_sync(fingerprint_of, canon)
    body = FetchedBody(result.body_sha256, new_id)
    fetched_at = utcnow()
    new_info = SnapshotInfo(new_id, fetched_at.isoformat(), result.query_variant)
    done()

    if previous is not None and previous.id == new_id:
        done = timer.step("contracts")
        unchanged_contracts = await _contracts_unchanged(settings, target, store, previous)
        done()
        live_section = await _live(target, result, timer)
        open_changes, open_since = await _still_open(store, target.name, previous.id)
        if unchanged_contracts is not None:
            unchanged_contracts = replace(
                unchanged_contracts, affected=_affected(open_changes, unchanged_contracts)
            )
        report = run.report(
            "unchanged",
            new_snapshot=_info(previous),
            contracts=None if unchanged_contracts is None else contracts_section(unchanged_contracts),
            live=live_section,
            open_changes=open_changes,
            open_since=open_since,
        )
        return await _finish(
            settings,
            target,
            store,
            report,
            None,
            [],
            contracts=unchanged_contracts,
            body=None if result.same_body else body,
        )
    assert canon is not None  # a new fingerprint was computed from the parsed body

    done = timer.step("build")
    try:
        # The one build of the new schema: it refuses an unbuildable result (as introspection would have),
        # and serves the validity check and the saved operations.
        new_schema = await anyio.to_thread.run_sync(result.build_schema)
    except MonitorError as exc:
        done()
        return await _record_failure(settings, store, run, str(exc))
    problems = tuple((await anyio.to_thread.run_sync(validity_problems, new_schema))[:50])
    done()

    changes: list[Change] = []
    outcome: Outcome = "baseline"
    notes: list[str] = []
    old_schema: Callable[[], GraphQLSchema | None] | None = None
    new_types = await anyio.to_thread.run_sync(type_fingerprints_of, canon)  # stored with the snapshot
    flapping: dict[str, Any] | None = None
    rollback: dict[str, Any] | None = None
    if previous is not None:
        done = timer.step("diff")
        old_intro = await anyio.to_thread.run_sync(store.load_snapshot, previous.id)
        # CPU-bound work on large schemas runs in a worker thread: other targets' checks, the scheduler
        # and the MCP server share this event loop.
        label = f"{target.name}@{previous.id[:12]}"
        old_schema = _once(lambda: schema_from_introspection(old_intro, source=label))
        changes = await anyio.to_thread.run_sync(
            lambda: _diff(
                store, previous.id, old_intro, result.introspection, old_schema, new_schema, new_types
            )
        )
        outcome = "changed"
        done()
        history = await anyio.to_thread.run_sync(store.snapshot_history, target.name)
        rollback = detect_rollback(history, new_id)
        flapping = detect_flapping([s.id for s in history], new_id)
        if flapping is not None:
            # Alert once, when the alternation starts: the run before this one was not flapping yet.
            flapping["started"] = not await anyio.to_thread.run_sync(
                _last_changed_flapping, store, target.name
            )
            notes.append(
                f"flapping: the schema went back to snapshot {new_id[:12]} again, {flapping['flips']} "
                "schema changes after it was last served; two versions seem to answer behind one endpoint "
                "(a rolling deploy or a load balancer). "
                + ("Alerted once, now." if flapping["started"] else "Alerted when it started; not again.")
            )
        if rollback is not None:
            log.warning(
                "rolled back to snapshot %s, first seen %s",
                new_id[:12],
                rollback["first_seen"],
                extra={"target": target.name, "run_id": run_id},
            )
    else:
        notes.append("first check of this target: this snapshot is the baseline")

    first_seen = await anyio.to_thread.run_sync(deprecations_first_seen, store, target.name)
    done = timer.step("contracts")
    contracts = await _contracts(
        settings, target, store, previous, new_schema, old_schema, changes, first_seen, fetched_at
    )
    done()

    done = timer.step("rules")
    changes = _apply_rules(target, changes, contracts, first_seen)
    acknowledged = await anyio.to_thread.run_sync(store.acknowledgements, target.name)
    done()

    report = run.report(
        outcome,
        new_snapshot=new_info,
        changes=tuple(changes),
        validity_problems=problems,
        contracts=None if contracts is None else contracts_section(contracts),
        live=await _live(target, result, timer),
        acknowledged={c.id: acknowledged[c.id] for c in changes if c.id in acknowledged},
        notes=tuple(notes),
        flapping=flapping,
        rollback=rollback,
    )
    raw = json.dumps(result.introspection, separators=(",", ":"), ensure_ascii=False).encode()
    snapshot = NewSnapshot(new_id, raw, result.query_variant, type_fingerprints=new_types)
    return await _finish(settings, target, store, report, snapshot, changes, contracts=contracts, body=body)


def _once(build: Callable[[], GraphQLSchema]) -> Callable[[], GraphQLSchema | None]:
    """``build`` run on the first call only (None when it fails: only attribution would miss it)."""
    built: list[GraphQLSchema | None] = []

    def get() -> GraphQLSchema | None:
        if not built:
            try:
                built.append(build())
            except MonitorError:
                built.append(None)
        return built[0]

    return get


def _diff(
    store: Store,
    old_id: str,
    old_intro: dict[str, Any],
    new_intro: dict[str, Any],
    old_schema: Callable[[], GraphQLSchema | None],
    new_schema: GraphQLSchema,
    new_types: dict[str, str],
) -> list[Change]:
    """The changes from the stored snapshot to the new result: the JSON diff (it builds only the changed
    types), or, for a pair it cannot answer for, the diff of the built schemas."""
    from monitor.core.diff.introspected import diff_versions

    def build_old() -> GraphQLSchema:
        built = old_schema()
        # the stored snapshot does not build: build it again to raise what the build says
        return built if built is not None else schema_from_introspection(old_intro)

    def fingerprints() -> tuple[dict[str, str] | None, dict[str, str] | None]:
        # Per-type fingerprints let the diff skip every type that did not change (the old side's were
        # stored with its snapshot; a snapshot stored by an older gqlmon has none: diff it whole).
        old_types = store.load_type_fingerprints(old_id)
        return old_types, new_types if old_types is not None else None

    return diff_versions(
        old_intro,
        new_intro,
        build_old=build_old,
        build_new=lambda: new_schema,
        type_fingerprints=fingerprints,
    )


async def _still_open(
    store: Store, target: str, snapshot: str
) -> tuple[tuple[Change, ...], dict[str, Any] | None]:
    """The breaking and dangerous changes of the run that brought ``snapshot``, minus those acknowledged
    since, and that run: what an unchanged run reports as the current state (read from the last run's
    stored state, see :func:`_run_state`)."""

    def find() -> tuple[tuple[Change, ...], dict[str, Any] | None]:
        for run in store.list_runs(target, limit=20):
            if run.outcome == "failed":
                continue
            if run.new_snapshot != snapshot or run.outcome == "baseline":
                return (), None
            state = store.run_state(run.id)
            if state is None or state.open_since_run is None or state.open_since_at is None:
                return (), None  # stored by a gqlmon before run state: nothing to carry
            since = {"run_id": state.open_since_run, "finished_at": state.open_since_at.isoformat()}
            acked = store.acknowledgements(target)
            return tuple(c for c in state.open_changes if c.id not in acked), since
        return (), None

    return await anyio.to_thread.run_sync(find)


def _affected(changes: Sequence[Change], result: ContractsResult) -> dict[str, tuple[str, ...]]:
    """Which saved operations each still-open change touches, for the contracts of an unchanged run (so
    its report tells "your operations use" from "no operation uses" as the changed run did)."""
    from monitor.core.contracts import affected_operations

    return {k: tuple(v) for k, v in sorted(affected_operations(changes, result).items()) if v}


def _last_changed_flapping(store: Store, target: str) -> bool:
    """Whether the target's last changed run found the schema flapping."""
    for run in store.list_runs(target, limit=20):
        if run.outcome == "changed":
            state = store.run_state(run.id)
            return state is not None and state.flapping
    return False


def unrecorded_failure(target: TargetConfig, started: datetime, error: str) -> CheckOutcome:
    """The outcome of a check that failed where it could not record itself (the store refused the write,
    a bug): a failed report that stays out of the store, so the last good snapshot stays the baseline."""
    run = _Run(target, new_run_id(started), started, None, _Timer())
    note = "not recorded in the state store; the last good snapshot stays the baseline"
    return CheckOutcome(run.report("failed", error=redact(error), notes=(note,)))


async def _record_failure(settings: Settings, store: Store, run: _Run, error: str) -> CheckOutcome:
    log.warning("check failed: %s", error, extra={"target": run.target.name, "run_id": run.id})
    report = run.report(
        "failed",
        error=redact(error),
        notes=("the last good snapshot stays the baseline; nothing was diffed",),
    )
    return await _finish(settings, run.target, store, report, None, [])


async def _finish(
    settings: Settings,
    target: TargetConfig,
    store: Store,
    report: DriftReport,
    snapshot: NewSnapshot | None,
    changes: Sequence[Change],
    *,
    contracts: ContractsResult | None = None,
    body: FetchedBody | None = None,
) -> CheckOutcome:
    alerts = await _alerts(settings, target, store, report)
    record = RunRecord(
        id=report.run_id,
        target=target.name,
        started_at=datetime.fromisoformat(report.started_at),
        finished_at=datetime.fromisoformat(report.finished_at),
        outcome=report.outcome,
        old_snapshot=report.old_snapshot.id if report.old_snapshot else None,
        new_snapshot=report.new_snapshot.id if report.new_snapshot else None,
        error=report.error,
        summary=report.summary,
        report=report.to_dict(),
    )
    state = _run_state(report, contracts)
    queued = await anyio.to_thread.run_sync(
        lambda: store.record_run(
            record, snapshot=snapshot, changes_found=changes, alerts=alerts, body=body, state=state
        )
    )
    published = await anyio.to_thread.run_sync(_publish, settings, store, report)
    counts = ", ".join(f"{k} {v}" for k, v in report.summary.items() if v and k != "total")
    log.info(
        "check finished: %s%s",
        report.outcome,
        f" ({counts})" if counts else "",
        extra={"target": target.name, "run_id": report.run_id},
    )
    return CheckOutcome(report, published, queued)


def _run_state(report: DriftReport, result: ContractsResult | None) -> RunState:
    """What the next check reads back from this run, stored apart from the report (whose format may change
    without turning reuse off): its contracts result, the changes still open and since which run, whether
    its live tests failed and whether it found the schema flapping."""
    from monitor.core.contracts import to_state

    contracts = None if result is None else to_state(result)
    open_changes: tuple[Change, ...] = ()
    since: tuple[str, datetime] | None = None
    if report.outcome == "changed":
        open_changes = tuple(c for c in report.changes if c.criticality is not Criticality.SAFE)
        since = (report.run_id, datetime.fromisoformat(report.finished_at))
    elif report.outcome == "unchanged" and report.open_since:
        open_changes = report.open_changes
        since = (report.open_since["run_id"], datetime.fromisoformat(report.open_since["finished_at"]))
    return RunState(
        contracts=contracts,
        open_changes=open_changes,
        open_since_run=since[0] if since else None,
        open_since_at=since[1] if since else None,
        live_failed=bool(report.live and report.live.get("failed")),
        flapping=bool(report.flapping),
    )


def _info(ref: SnapshotRef) -> SnapshotInfo:
    return SnapshotInfo(ref.id, ref.first_seen_at.isoformat(), ref.query_variant)


def _apply_rules(
    target: TargetConfig,
    changes: list[Change],
    contracts: ContractsResult | None,
    first_seen: dict[str, datetime],
) -> list[Change]:
    from monitor.core.contracts import usage_lookup
    from monitor.core.rules import RuleOptions, apply_rules

    options = RuleOptions(
        ignore_descriptions=target.rules.ignore_descriptions,
        deprecated_removal_days=target.rules.deprecated_removal_days,
        dangerous_is_breaking=target.rules.dangerous_is_breaking,
        safe_unreachable=target.rules.safe_unreachable,
    )
    usage = None if contracts is None else usage_lookup(contracts)
    return apply_rules(changes, options, usage=usage, deprecated_since=first_seen, now=utcnow()).changes


def contracts_section(result: ContractsResult) -> dict[str, Any]:
    from monitor.core.contracts import to_report_section

    return to_report_section(result)


async def _contracts(
    settings: Settings,
    target: TargetConfig,
    store: Store,
    previous: SnapshotRef | None,
    schema: GraphQLSchema,
    old_schema: Callable[[], GraphQLSchema | None] | None,
    changes: Sequence[Change],
    first_seen: dict[str, datetime],
    fetched_at: datetime,
) -> ContractsResult | None:
    """Validate the target's saved operations against the new schema (None: the target has none).

    Incremental: the previous run's results stand for every operation whose text is unchanged and whose
    schema coordinates the diff does not touch.
    """
    operations = await _load_operations(settings, target)
    if operations is None:
        return None
    from monitor.core.contracts import touched_coordinates, validate_operations

    before = await _previous_contracts(store, target, previous)
    since = deprecation_dates(first_seen, changes, utcnow())
    baseline = await _baseline_time(store, target.name, fetched_at)

    def validate() -> ContractsResult:
        return validate_operations(
            schema,
            operations,
            previous=before,
            changed_coordinates=touched_coordinates(changes) if before is not None else None,
            deprecated_since=since,
            changes=changes,
            old_schema=old_schema,
        )

    return dated_from_baseline(await anyio.to_thread.run_sync(validate), baseline)


async def _contracts_unchanged(
    settings: Settings, target: TargetConfig, store: Store, previous: SnapshotRef
) -> ContractsResult | None:
    """The same schema as last time: every unchanged operation keeps its result; new or edited ones are
    validated against the stored snapshot."""
    operations = await _load_operations(settings, target)
    if operations is None:
        return None
    from monitor.core.contracts import validate_operations

    before = await _previous_contracts(store, target, previous)
    known = {} if before is None else {op.name: op.digest for op in before.operations}
    if before is not None and known == {op.name: op.digest for op in operations.operations}:
        return replace(
            before,
            operations=tuple(replace(op, reused=True) for op in before.operations),
            problems=operations.problems,
            revalidated=0,
            reused=len(before.operations),
            affected={},
        )
    intro = await anyio.to_thread.run_sync(store.load_snapshot, previous.id)
    first_seen = await anyio.to_thread.run_sync(deprecations_first_seen, store, target.name)

    def validate() -> ContractsResult:
        schema = schema_from_introspection(intro, source=f"{target.name}@{previous.id[:12]}")
        return validate_operations(
            schema,
            operations,
            previous=before,
            changed_coordinates=set() if before is not None else None,
            deprecated_since=first_seen,
        )

    result = await anyio.to_thread.run_sync(validate)
    baseline = await _baseline_time(store, target.name, previous.first_seen_at)
    return dated_from_baseline(result, baseline)


async def _load_operations(settings: Settings, target: TargetConfig) -> OperationSet | None:
    from monitor.adapters.operations import target_contracts

    return await anyio.to_thread.run_sync(target_contracts, settings, target)


async def _previous_contracts(
    store: Store, target: TargetConfig, previous: SnapshotRef | None
) -> ContractsResult | None:
    """The contracts result of the latest run made against ``previous`` (None: validate everything), from
    that run's stored state (see :func:`_run_state`), not from its report."""
    if previous is None:
        return None
    from monitor.core.contracts import from_state

    def find() -> ContractsResult | None:
        for run in store.list_runs(target.name, limit=20):
            if run.outcome == "failed":
                continue
            if run.new_snapshot != previous.id:
                return None
            state = store.run_state(run.id)
            if state is None or state.contracts is None:
                return None  # no saved operations then, or stored by a gqlmon before run state
            try:
                return from_state(state.contracts)
            except ValueError:  # stored by another version: validate afresh
                return None
        return None

    return await anyio.to_thread.run_sync(find)


async def _baseline_time(store: Store, target: str, default: datetime) -> datetime:
    """When the target's first snapshot was taken (``default``, this snapshot's time, on the first check)."""
    history = await anyio.to_thread.run_sync(store.snapshot_history, target)
    return history[0].first_seen_at if history else default


async def _live(target: TargetConfig, fetched: IntrospectionResult, timer: _Timer) -> dict[str, Any] | None:
    """Run the target's live contract tests when enabled (a worker thread, bounded by its own deadline)."""
    if not target.live.enabled:
        return None
    from monitor.adapters.auth import auth_for
    from monitor.live import run_live_tests

    done = timer.step("live")
    try:
        introspection = await anyio.to_thread.run_sync(lambda: fetched.introspection)
        result = await run_live_tests(
            target,
            introspection,
            operations_dir=target.contracts_dir,
            live=target.live,
            auth=auth_for(target),
        )
    finally:
        done()
    return result.to_report_section()


async def _alerts(
    settings: Settings, target: TargetConfig, store: Store, report: DriftReport
) -> list[NewAlert]:
    """The alerts this run queues in the outbox (only when Slack is configured: nobody would send them)."""
    if settings.slack is None:
        return []
    from monitor.core.alert import AlertPolicy, decide_alerts

    failures = await anyio.to_thread.run_sync(store.consecutive_failures, target.name)  # before this run
    last = await anyio.to_thread.run_sync(lambda: store.list_runs(target.name, limit=1))
    live_alert = target.live.alert_on_live_failures and bool(report.live and report.live.get("failed"))
    if live_alert and last:  # announce a streak of live failures once, when it starts
        before = await anyio.to_thread.run_sync(store.run_state, last[0].id)
        live_alert = not (before is not None and before.live_failed)
    planned = decide_alerts(
        report,
        AlertPolicy.from_config(target.alert),
        consecutive_failures=failures,
        previous_outcome=last[0].outcome if last else None,
        public_url=str(settings.public_url) if settings.public_url else None,
        live_failures=live_alert,
    )
    return [NewAlert(*p) for p in planned]


def _publish(settings: Settings, store: Store, report: DriftReport) -> list[Path]:
    from monitor.adapters.publish import publish_report, stored_history

    published = publish_report(report, settings.reports_dir, stored_history(store, report.target))
    return list(published.paths)
