"""``gqlmon history`` and ``gqlmon report``: what the store holds about a target's runs, rendered."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO

from monitor.core.text import terminal_safe
from monitor.errors import ConfigError, MonitorError

if TYPE_CHECKING:
    from monitor.settings.models import Settings


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
    from monitor.adapters.publish import stored_history
    from monitor.core import report as renderers
    from monitor.core.report.model import DriftReport

    store = open_store_of(settings, target)
    try:
        known_target(settings, store, target)
        run = store.get_run(target, run_id)
        history = stored_history(store, target)
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
