"""What the CLI commands do, one function each (cli.py only parses flags and calls these).

Heavy imports stay inside the functions that need them: ``gqlmon diff a.json b.json`` never loads
SQLAlchemy, httpx or the report renderers.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO

from monitor.core.changes import Change, Criticality, sort_changes, summarize
from monitor.core.text import terminal_safe
from monitor.errors import ConfigError, MonitorError

if TYPE_CHECKING:
    from monitor.service import CheckOutcome
    from monitor.settings import Settings, TargetConfig
    from monitor.sources import LoadedSchema

log = logging.getLogger(__name__)

_MARK = {Criticality.BREAKING: "✖", Criticality.DANGEROUS: "▲", Criticality.SAFE: "✔"}


async def diff_sources(
    old_ref: str, new_ref: str, settings: Settings | None, *, ignore_descriptions: bool = False
) -> list[Change]:
    """Load both schemas (concurrently when they are remote) and diff them, rules applied."""
    import anyio

    from monitor.core.rules import RuleOptions, apply_rules
    from monitor.sources import load_schema

    loaded: dict[str, LoadedSchema] = {}

    async def load(key: str, ref: str) -> None:
        loaded[key] = await load_schema(ref, settings, build=False)

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(load, "old", old_ref)
            tg.start_soon(load, "new", new_ref)
    except* MonitorError as group:  # one line for the user: the first side that failed
        raise group.exceptions[0] from None
    old, new = loaded["old"], loaded["new"]
    return apply_rules(diff_loaded(old, new), RuleOptions(ignore_descriptions=ignore_descriptions)).changes


def diff_loaded(old: LoadedSchema, new: LoadedSchema) -> list[Change]:
    """The diff of two loaded schemas: from JSON without building them whole when it can
    (:mod:`monitor.core.diff.introspected`); two SDL documents also compare applied directives."""
    from monitor.core.diff import diff_schemas
    from monitor.core.diff.introspected import NeedsFullBuild, diff_introspections

    unstated = (
        old.unstated_directives | new.unstated_directives
    )  # built-ins an SDL side leaves to graphql-core
    if old.sdl is None or new.sdl is None:
        try:
            return diff_introspections(
                old.introspection,
                new.introspection,
                old_source=old.label,
                new_source=new.label,
                unstated_directives=unstated,
            )
        except NeedsFullBuild as exc:
            log.debug("diffing the built schemas: %s", exc)
    return diff_schemas(
        old.schema, new.schema, old_sdl=old.sdl, new_sdl=new.sdl, unstated_directives=unstated
    )


def render_diff_text(changes: Sequence[Change]) -> str:
    """Grouped by criticality, worst first, each with its reason and id."""
    if not changes:
        return "No changes."
    lines: list[str] = []
    ordered = sort_changes(changes)
    for level in Criticality:
        group = [c for c in ordered if c.criticality is level]
        if not group:
            continue
        lines.append(f"{level.value.upper()} ({len(group)})")
        for change in group:
            lines.append(f"  {_MARK[level]} {terminal_safe(change.message)}")
            lines.append(
                f"      {terminal_safe(change.reason)}  [{change.type.value} {change.path} #{change.id}]"
            )
        lines.append("")
    s = summarize(changes)
    lines.append(
        f"{s['total']} changes: {s['breaking']} breaking, {s['dangerous']} dangerous, {s['safe']} safe"
    )
    return "\n".join(lines)


def adhoc_name(url: str) -> str:
    """A target name for a one-off URL: host and port, e.g. ``127.0.0.1-8790``."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    name = (parts.hostname or "adhoc") + (f"-{parts.port}" if parts.port else "")
    return "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in name)[:64]


def select_targets(settings: Settings, names: Sequence[str], *, all_targets: bool) -> list[TargetConfig]:
    from monitor.settings import TargetConfig

    if all_targets or not names:
        if not settings.targets:
            if settings.config_path is None:
                from monitor.settings import no_config_found

                raise ConfigError(f"nothing to check: {no_config_found()}, or pass a URL")
            raise ConfigError(
                f"no targets configured in {settings.config_path}: add [[targets]] (`gqlmon init` writes an "
                "example) or pass a URL"
            )
        return list(settings.targets)
    chosen: list[TargetConfig] = []
    for name in names:
        if name.startswith(("http://", "https://")):
            chosen.append(TargetConfig(name=adhoc_name(name), url=name))  # type: ignore[arg-type]
        else:
            chosen.append(settings.target(name))
    return chosen


async def check_command(
    settings: Settings,
    names: Sequence[str],
    *,
    all_targets: bool,
    fail_on: Any,
    fmt: Any,
    out: TextIO | None = None,
    lease: bool = True,
) -> int:
    """Check the chosen targets concurrently, print a summary per target, return the CI exit code.

    Each target's lease is taken first (``lease``), so a scheduled job next to ``gqlmon run`` replicas, or
    two overlapping jobs, never check one target at the same time: the later one skips it.
    """
    from monitor.adapters.store import Store
    from monitor.leasing import new_holder
    from monitor.service import check_targets, worst_exit

    out = out or sys.stdout
    text = str(fmt) != "json"
    targets = select_targets(settings, names, all_targets=all_targets)
    settings.require_env(*targets)  # every credential these checks send, all named at once
    skipped: list[str] = []

    def skip(target: TargetConfig) -> None:
        skipped.append(target.name)
        if text:
            out.write(f"⏭ {target.name}: skipped: another gqlmon is checking it now (its lease is held)\n")

    def show(outcome: CheckOutcome, progress: Callable[[str], None] | None) -> None:
        if not text:
            return
        if progress is None:
            _print_outcome(outcome, out)
            return
        lines = io.StringIO()
        _print_outcome(outcome, lines)
        progress(lines.getvalue().rstrip("\n"))

    from monitor.logs import check_progress

    store = Store.open(settings.state)
    try:
        # Many targets on a terminal: a progress bar, the per-target lines printed above it.
        with check_progress(len(targets), stream=out if text else io.StringIO()) as progress:
            outcomes = await check_targets(
                settings,
                targets,
                store,
                on_done=lambda o: show(o, progress),
                lease_holder=new_holder() if lease else None,
                on_skip=skip,
            )
    finally:
        store.close()
    level = str(fail_on.value if fail_on is not None else settings.fail_on)
    code = worst_exit([o.report for o in outcomes], level)
    unsent = _undeliverable(settings, outcomes)
    if unsent:
        # Slack's secret is needed only when a run posts: this one would have, and could not.
        print(f"gqlmon: error: {unsent}", file=sys.stderr)
        code = max(code, 2)
    if str(fmt) == "json":
        payload = {
            "exit_code": code,
            "skipped": skipped,
            "targets": [{**o.report.to_dict(), "published": [str(p) for p in o.published]} for o in outcomes],
        }
        out.write(json.dumps(payload, indent=2) + "\n")
    return code


def _undeliverable(settings: Settings, outcomes: Sequence[CheckOutcome]) -> str | None:
    """Why the alerts these checks queued cannot be posted to Slack (an unset variable), or None."""
    from monitor.redact import redact
    from monitor.settings import MissingEnvError

    queued = sum(len(o.alerts_queued) for o in outcomes)
    if not queued:
        return None
    try:
        settings.require_env(slack=True)
    except MissingEnvError as exc:
        alerts = f"{queued} alert{'s' if queued > 1 else ''}"
        return redact(f"{alerts} not posted to Slack, kept queued for the next check: {exc}")
    return None


def _print_outcome(outcome: CheckOutcome, out: TextIO) -> None:
    from monitor.core.report.terminal import render_console

    out.write(render_console(outcome.report))
    latest = [p for p in outcome.published if p.name.startswith("latest.")]
    if latest:
        html = next((p for p in latest if p.suffix == ".html"), latest[0])
        others = ", ".join(p.name.removeprefix("latest") for p in latest if p != html)
        out.write(f"    report: {html}" + (f" (also {others})" if others else "") + "\n")


def open_store_of(settings: Settings, name: str) -> Any:
    """The existing store; a name that is not configured, with no store to look it up in, is an unknown
    target (or no configuration at all) rather than a missing store."""
    from monitor.adapters.store import Store

    try:
        return Store.open(settings.state, create=False)
    except MonitorError:
        if not any(t.name == name for t in settings.targets):
            raise ConfigError(settings.unknown_target(name)) from None
        raise


def known_target(settings: Settings, store: Any, name: str) -> None:
    """ConfigError, as ``check`` says it, for a name that is neither configured nor in the store (a
    one-off URL's checks are stored under a name of their own, and a removed target's history stays)."""
    if any(t.name == name for t in settings.targets):
        return
    stored = store.targets()
    if name not in stored:
        raise ConfigError(settings.unknown_target(name, also=stored))


def history_command(
    settings: Settings, target: str, *, fmt: str, limit: int, out: TextIO | None = None
) -> None:

    out = out or sys.stdout
    store = open_store_of(settings, target)
    try:
        known_target(settings, store, target)
        runs = store.list_runs(target, limit=limit)
        snaps = store.snapshot_history(target)
    finally:
        store.close()
    if not runs:
        raise ConfigError(f"no runs stored for target {target!r}: run `gqlmon check {target}` first")
    if fmt == "json":
        payload = {
            "target": target,
            "runs": [
                {
                    "run_id": r.id,
                    "started_at": r.started_at.isoformat(),
                    "finished_at": r.finished_at.isoformat(),
                    "outcome": r.outcome,
                    "old_snapshot": r.old_snapshot,
                    "new_snapshot": r.new_snapshot,
                    "summary": r.summary,
                    "error": r.error,
                }
                for r in runs
            ],
            "snapshots": [s.to_dict() for s in snaps],
        }
        out.write(json.dumps(payload, indent=2) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, highlight=False, soft_wrap=False, width=None if out.isatty() else 140)
    table = Table(title=f"runs of {target}", show_lines=False)
    for column in ("run", "finished (UTC)", "outcome", "snapshot", "breaking", "dangerous", "safe", "error"):
        table.add_column(column)
    for r in runs:
        table.add_row(
            r.id,
            r.finished_at.strftime("%Y-%m-%d %H:%M:%S"),
            r.outcome,
            (r.new_snapshot or "")[:12],
            str(r.summary.get("breaking", 0)),
            str(r.summary.get("dangerous", 0)),
            str(r.summary.get("safe", 0)),
            terminal_safe(r.error or "")[:60],
        )
    console.print(table)
    snapshots = Table(title=f"snapshots of {target}")
    for column in ("#", "snapshot", "first seen (UTC)", "query"):
        snapshots.add_column(column)
    for s in snaps:
        snapshots.add_row(
            str(s.seq), s.id[:12], s.first_seen_at.strftime("%Y-%m-%d %H:%M:%S"), s.query_variant
        )
    console.print(snapshots)


def report_command(settings: Settings, target: str, run_id: str, fmt: str) -> str:
    from monitor.core import report as renderers
    from monitor.core.report.model import DriftReport

    store = open_store_of(settings, target)
    try:
        known_target(settings, store, target)
        run = store.get_run(target, run_id)
        history = [
            {
                "run_id": r.id,
                "finished_at": r.finished_at.isoformat(),
                "outcome": r.outcome,
                "summary": r.summary,
            }
            for r in store.list_runs(target, limit=100)
        ]
        acks = store.acknowledgements(target)
    finally:
        store.close()
    if run.report is None:
        raise ConfigError(f"run {run.id} has no stored report")
    report = DriftReport.from_dict(run.report)
    # Acknowledgements as they stand now (`gqlmon ack`/`unack` after the run show in its re-rendered report).
    report = replace(report, acknowledged={c.id: acks[c.id] for c in report.changes if c.id in acks})
    if fmt == "slack":
        return _slack_preview(settings, report)
    try:
        return renderers.render(report, fmt, history=history)
    except ValueError:
        raise ConfigError(
            f"--format: unknown format {fmt!r} (markdown, json, html, junit, sarif, text, slack)"
        ) from None


def _slack_preview(settings: Settings, report: Any) -> str:
    """The Slack message this run would post (or did post), as plain text."""
    from monitor.core.alert import AlertPolicy, decide_alerts, preview

    target = next((t for t in settings.targets if t.name == report.target), None)
    policy = AlertPolicy.from_config(target.alert) if target else AlertPolicy()
    planned = decide_alerts(
        report,
        policy,
        consecutive_failures=0,
        previous_outcome=None,
        public_url=str(settings.public_url) if settings.public_url else None,
    )
    if not planned:
        return f"No alert: nothing in run {report.run_id} matches the alert policy (on={policy.on})."
    bot = bool(settings.slack and settings.slack.bot_token)
    return "\n\n".join(preview(payload, bot=bot) for _, _, payload in planned)
