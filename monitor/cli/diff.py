"""``gqlmon diff``: compare two schemas from files, URLs, targets or stored snapshots.

Heavy imports stay inside the functions that need them: ``gqlmon diff a.json b.json`` never loads
SQLAlchemy, httpx or the report renderers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from monitor.core.changes import Change, Criticality, sort_changes, summarize
from monitor.core.text import terminal_safe
from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.adapters.schema_sources import LoadedSchema
    from monitor.settings.models import Settings


_MARK = {Criticality.BREAKING: "✖", Criticality.DANGEROUS: "▲", Criticality.SAFE: "✔"}


async def diff_sources(
    old_ref: str, new_ref: str, settings: Settings | None, *, ignore_descriptions: bool = False
) -> list[Change]:
    """Load both schemas (concurrently when they are remote) and diff them, rules applied."""
    import anyio

    from monitor.adapters.schema_sources import load_schema
    from monitor.core.rules import RuleOptions, apply_rules

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
    from monitor.core.diff.introspected import diff_versions

    return diff_versions(
        old.introspection,
        new.introspection,
        build_old=lambda: old.schema,
        build_new=lambda: new.schema,
        old_source=old.label,
        new_source=new.label,
        old_sdl=old.sdl,
        new_sdl=new.sdl,
        unstated_directives=old.unstated_directives | new.unstated_directives,  # built-ins an SDL leaves out
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
