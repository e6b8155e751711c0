"""``gqlmon live TARGET``: run a target's live contract tests now and print what they found.

The schema is the target's latest stored snapshot (no introspection request), or a fresh introspection
when nothing is stored yet. The tests run even when ``[targets.live] enabled`` is false: asking for them
is opting in. Exit codes: 0 no failures, 1 contract failures, 3 the run could not happen (credentials
refused, server unreachable).
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

import anyio.to_thread

from monitor.core.text import terminal_safe
from monitor.errors import SnapshotError
from monitor.live.config import live_config_of
from monitor.live.result import LiveResult
from monitor.live.runner import run_live_tests
from monitor.settings.models import Settings, TargetConfig
from monitor.support.redact import redact

__all__ = ["live_command", "render_text"]


async def live_command(
    settings: Settings,
    target_name: str,
    *,
    max_examples: int | None = None,
    fmt: str = "text",
    out: TextIO | None = None,
) -> int:
    """Run the live tests of ``target_name``; print text or JSON to ``out``; return the exit code."""
    out = out or sys.stdout
    target = settings.target(target_name)
    live = live_config_of(target)
    if max_examples is not None:
        live = live.model_copy(update={"max_examples": max(1, max_examples)})
    introspection, source = await _schema(settings, target)
    result = await run_live_tests(target, introspection, operations_dir=target.contracts_dir, live=live)
    if fmt == "json":
        payload = {"target": target.name, "schema": source, **result.to_report_section()}
        out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(render_text(result, endpoint=redact(str(target.url)), schema=source) + "\n")
    if result.error is not None:
        return 3
    return 1 if result.failed else 0


async def _schema(settings: Settings, target: TargetConfig) -> tuple[dict[str, Any], str]:
    """The latest stored introspection of ``target`` and its label, else a fresh introspection."""
    from monitor.adapters.store import Store

    def stored() -> tuple[dict[str, Any], str] | None:
        try:
            store = Store.open(settings.state, create=False)
        except SnapshotError:
            return None
        try:
            snapshot = store.resolve_snapshot(target.name)
            return store.load_snapshot(snapshot.id), f"snapshot {snapshot.id[:12]}"
        except SnapshotError:
            return None
        finally:
            store.close()

    found = await anyio.to_thread.run_sync(stored)
    if found is not None:
        return found
    from monitor.adapters.introspection import introspect

    result = await introspect(target)
    return result.introspection, "introspected now (no stored snapshot)"


def render_text(result: LiveResult, *, endpoint: str, schema: str) -> str:
    """The terminal summary: one line of counts, then each failure with its path and curl."""
    counts = (
        f"{len(result.operations)} root fields, {result.examples} generated queries, "
        f"{result.replayed} saved operations replayed, {result.requests} requests in {result.duration:.1f}s"
    )
    lines = [f"live tests of {result.target} ({endpoint}, {schema}): {counts}"]
    if result.deadline_hit:
        lines.append("  ⏱ stopped at the deadline ([targets.live] timeout): some examples were not sent")
    if result.error:
        lines.append(f"✖ {terminal_safe(result.error)}")
    for failure in result.failures:
        times = f" (×{failure.count})" if failure.count > 1 else ""
        lines.append(f"✖ {failure.operation} [{failure.check}] {terminal_safe(failure.message)}{times}")
        lines.append(f"    path: {terminal_safe(failure.path or '-')}")
        lines.append(f"    {terminal_safe(failure.curl)}")
    for what, why in result.skipped:
        lines.append(f"  - {terminal_safe(what)}: {terminal_safe(why)}")
    if not result.failures and not result.error:
        lines.append("✔ no contract failures")
    elif result.failures:
        lines.append(f"{len(result.failures)} distinct failures ({result.total_failures} occurrences)")
    return "\n".join(lines)
