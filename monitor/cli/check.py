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
from typing import TYPE_CHECKING, Any, TextIO

from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.runtime.service import CheckOutcome
    from monitor.settings.models import Settings, TargetConfig


log = logging.getLogger(__name__)


def adhoc_name(url: str) -> str:
    """A target name for a one-off URL: host and port, e.g. ``127.0.0.1-8790``."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    name = (parts.hostname or "adhoc") + (f"-{parts.port}" if parts.port else "")
    return "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in name)[:64]


def select_targets(settings: Settings, names: Sequence[str], *, all_targets: bool) -> list[TargetConfig]:
    from monitor.settings.models import TargetConfig

    if all_targets or not names:
        if not settings.targets:
            if settings.config_path is None:
                from monitor.settings.models import no_config_found

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
    from monitor.core.verdict import worst_exit
    from monitor.runtime.batch import check_targets
    from monitor.runtime.leasing import new_holder

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

    from monitor.support.logs import check_progress

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
    from monitor.settings.envrefs import MissingEnvError
    from monitor.support.redact import redact

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
