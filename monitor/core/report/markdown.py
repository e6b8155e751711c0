"""Markdown rendering: a report that fits a pull-request comment or a wiki page.

Text from the API is escaped, never interpreted: ``<script>`` shows as text, ``[x](http://evil)`` is not a
link, ``@team`` does not mention anyone. The output stays under GitHub's comment limit (65,536 characters):
long lists end with "and N more", long texts are cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from monitor.core.changes import Change, Criticality
from monitor.core.report import view
from monitor.core.report.model import DriftReport
from monitor.core.report.triage import Family, triage

MAX_CHARS: Final = 60_000
MAX_ROWS: Final = {Criticality.BREAKING: 50, Criticality.DANGEROUS: 25, Criticality.SAFE: 25}
MAX_OPERATIONS: Final = 40
CELL: Final = 240

_SPECIAL: Final = re.compile(r"([\\`*_{}\[\]()|~])")
_LEADING: Final = re.compile(r"^([#+=-]|\d+(?=[.)]))")
_MARKS: Final = {Criticality.BREAKING: "🔴", Criticality.DANGEROUS: "🟠", Criticality.SAFE: "🟢"}


def md(value: object, *, limit: int | None = CELL) -> str:
    """API text as inert Markdown: punctuation backslash-escaped, ``< > &`` as entities, no mentions."""
    text = view.clean(value, limit=limit)
    text = _SPECIAL.sub(r"\\\1", text)
    # Only the first character can start a block (heading, list, rule): escape it there.
    text = _LEADING.sub(lambda m: m.group(1) + "\\" if m.group(1).isdigit() else "\\" + m.group(1), text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("@", "@\u200b")


def code(value: object, *, limit: int | None = CELL) -> str:
    """A code span that its content cannot close; ``|`` escaped so it stays inside a table cell."""
    text = view.clean(value, limit=limit).replace("|", "\\|")
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(report: DriftReport, history: Iterable[Mapping[str, Any]] | None = None) -> str:
    """The report as GitHub-flavoured Markdown (tables, ``<details>`` for the long parts)."""
    out: list[str] = []
    out += _header(report)
    last = view.last_change(report, history)
    if last is not None:
        counts = view.counts_text(last.get("summary") or {})
        out += [
            f"Last change found by run {code(last.get('run_id'))} "
            f"on {md(view.when(last.get('finished_at')))}: {md(counts)}.",
            "",
        ]
    if report.outcome == "failed":
        out += ["### Error", "", md(report.error, limit=2000), ""]
    out += [f"> {md(line, limit=500)}" for line in view.state_lines(report)]
    if view.state_lines(report):
        out.append("")
    out += _changes(report)
    out += _acknowledged(report)
    out += _contracts(report)
    out += _deprecations(report)
    out += _live(report)
    out += _problems(report)
    out += _history(report, history)
    out += _footer(report)
    text = "\n".join(out).rstrip() + "\n"
    if len(text) > MAX_CHARS:
        cut = text.rfind("\n", 0, MAX_CHARS)
        text = text[:cut] + "\n\n_… report cut to fit a comment; see the HTML or JSON report for the rest._\n"
    return text


def _header(report: DriftReport) -> list[str]:
    old = report.old_snapshot.id if report.old_snapshot else None
    new = report.new_snapshot.id if report.new_snapshot else None
    schema = (
        f"**Last good schema:** {code(view.short(old))}"
        if report.outcome == "failed"
        else f"**Schema:** {code(view.short(old))} → {code(view.short(new))}"
    )
    lines = [
        f"## gqlmon · {md(report.target)}: {md(view.headline(report))}",
        "",
        f"**Outcome:** {view.OUTCOME_TITLES[report.outcome]} · **Run:** {code(report.run_id)} · {schema} · "
        f"**Finished:** {md(view.when(report.finished_at))}",
    ]
    if report.endpoint:
        lines[-1] += f" · **Endpoint:** {code(report.endpoint)}"
    lines.append("")
    if report.outcome in ("changed", "baseline") or report.changes:
        s = report.summary
        lines += [
            "| " + " | ".join(f"{_MARKS[lv]} {view.LEVEL_TITLES[lv]}" for lv in view.LEVELS) + " | Total |",
            "|---:|---:|---:|---:|",
            "| " + " | ".join(str(s[lv.value]) for lv in view.LEVELS) + f" | {s['total']} |",
            "",
        ]
    return lines


def _acknowledged(report: DriftReport) -> list[str]:
    """The acknowledged changes of this run with their reasons, folded (they never alert or fail a check)."""
    acked = [c for c in view.ordered(report) if c.id in report.acknowledged]
    if not acked:
        return []
    rows = [
        f"| {code(c.id)} | {md(c.message)} | {code(c.coordinate)} | {md(report.acknowledged[c.id] or 'acknowledged')} |"
        for c in acked[: MAX_ROWS[Criticality.BREAKING]]
    ]
    more = len(acked) - len(rows)
    return [
        "<details>",
        f"<summary>✅ Acknowledged ({len(acked)})</summary>",
        "",
        "| Id | Change | Where | Reason |",
        "|---|---|---|---|",
        *rows,
        *([f"_… and {more} more._"] if more > 0 else []),
        "",
        "</details>",
        "",
    ]


def _changes(report: DriftReport) -> list[str]:
    """What breaks you first: broken operations, breaking changes they use, then the rest by family."""
    found = triage(report)
    out: list[str] = []
    if found.broken:
        out += [
            f"### ✖ Broken operations ({len(found.broken)})",
            "",
            "| Operation | File | Error | Caused by |",
            "|---|---|---|---|",
        ]
        for op in found.broken[:MAX_OPERATIONS]:
            errors = "<br>".join(_error(e) for e in op.errors[:5]) or "—"
            causes = "<br>".join(f"{md(c.message)} {code(c.id[:8])}" for c in op.causes) or (
                "no schema change in this run"
            )
            out.append(f"| {code(op.name)} | {code(op.location)} | {errors} | {causes} |")
        if len(found.broken) > MAX_OPERATIONS:
            out.append(f"_… and {len(found.broken) - MAX_OPERATIONS} more broken operations._")
        out.append("")
    if found.problems:
        out += ["### ✖ Saved-operation files that cannot be read", ""]
        for p in found.problems[:MAX_OPERATIONS]:
            out.append(
                f"- {code(str(p.get('file', '')) + ':' + str(p.get('line', '')))} {md(p.get('message'))}"
            )
        out.append("")
    if found.used:
        out += [
            f"### 🔴 Breaking changes your operations use ({len(found.used)})",
            "",
            "| Change | Where | Operations |",
            "|---|---|---|",
        ]
        for used in found.used:
            ops = []
            if used.broken:
                ops.append("breaks " + ", ".join(code(o, limit=80) for o in used.broken[:10]))
            if used.valid:
                ops.append("used by (still valid) " + ", ".join(code(o, limit=80) for o in used.valid[:10]))
            if used.elsewhere:
                ops.append(
                    "used by (broken by another change) "
                    + ", ".join(code(o, limit=80) for o in used.elsewhere[:10])
                )
            out.append(
                f"| {_change_cell(used.change, report.acknowledged)} | {code(used.change.coordinate)} "
                f"| {'<br>'.join(ops)} |"
            )
        out.append("")
    sections = [
        (found.unused, Criticality.BREAKING, "no saved operation uses" if report.contracts else ""),
        (found.dangerous, Criticality.DANGEROUS, ""),
        (found.safe, Criticality.SAFE, ""),
    ]
    for families, level, qualifier in sections:
        if not families:
            continue
        count = sum(len(f.changes) for f in families)
        title = f"{_MARKS[level]} {view.LEVEL_TITLES[level]} changes" + (f" {qualifier}" if qualifier else "")
        body = _families(families, report.acknowledged, MAX_ROWS[level])
        if level is Criticality.SAFE:
            out += ["<details>", f"<summary>{title} ({count})</summary>", "", *body, "", "</details>", ""]
        else:
            out += [f"### {title} ({count})", "", *body, ""]
    return out


def _families(families: Sequence[Family], acknowledged: Mapping[str, str], budget: int) -> list[str]:
    """One line per family (a single change as itself); a family's changes fold under ``<details>``."""
    out: list[str] = []
    for family in families[:budget]:
        single = family.single
        if single is not None:
            out.append(f"- {_change_cell(single, acknowledged)} at {code(single.coordinate)}")
            continue
        rows = family.changes[:budget]
        out += [
            "<details>",
            f"<summary>{md(family.label)}: {len(family.changes)} changes ({md(family.kinds)})</summary>",
            "",
            *(f"- {_change_cell(c, acknowledged)} at {code(c.coordinate)}" for c in rows),
        ]
        if len(family.changes) > len(rows):
            out.append(f"- _… and {len(family.changes) - len(rows)} more._")
        out += ["", "</details>"]
    if len(families) > budget:
        rest = families[budget:]
        level = rest[0].changes[0].criticality.value
        out.append(f"_… and {sum(len(f.changes) for f in rest)} more {level} changes in {len(rest)} groups._")
    return out


def _change_cell(change: Change, acknowledged: Mapping[str, str]) -> str:
    text = f"{md(change.message)} {code(change.type.value)} {code(change.id)}"
    labels = view.change_labels(change, acknowledged)
    if labels:
        text += " " + " ".join(f"_\\({md(label)}\\)_" for label in labels)
    return text


def _error(error: Mapping[str, Any]) -> str:
    where = f"line {md(error.get('line'))}: " if error.get("line") else ""
    return where + md(error.get("message"))


def _contracts(report: DriftReport) -> list[str]:
    if report.contracts is None:
        return []
    counts = view.contract_counts(report)
    summary = ", ".join(f"{v} {k}" for k, v in counts.items() if k != "total")
    out = [
        f"### Saved operations: {counts.get('total', 0)} checked" + (f" ({summary})" if summary else ""),
        "",
    ]
    ops = [op for op in view.operations(report) if op.get("status") == "deprecated"]
    if ops:
        out += ["| Operation | File | Deprecated elements it uses |", "|---|---|---|"]
        for op in ops[:MAX_OPERATIONS]:
            where = f"{op.get('file', '')}:{op['line']}" if op.get("line") else op.get("file", "")
            deps = [code(d.get("coordinate")) for d in op.get("deprecations") or () if isinstance(d, Mapping)]
            out.append(f"| {code(op.get('name'))} | {code(where)} | {', '.join(deps[:5]) or '—'} |")
        if len(ops) > MAX_OPERATIONS:
            out.append(f"_… and {len(ops) - MAX_OPERATIONS} more operations._")
        out.append("")
    return out


def _deprecations(report: DriftReport) -> list[str]:
    deps = view.deprecations(report)
    if not deps:
        return []
    out = ["### Deprecations in use", "", "| Element | Used by | Removal | Reason |", "|---|---|---|---|"]
    for d in deps[:MAX_OPERATIONS]:
        removal = md(d.removal_date) if d.removal_date else "not announced"
        if d.days_left is not None:
            removal += f" ({'**' if d.near else ''}{_days(d.days_left)}{'**' if d.near else ''})"
        reason = md(d.reason) + (f" Use {code(d.replacement)}." if d.replacement else "")
        used = ", ".join(code(o, limit=80) for o in d.operations[:10])
        out.append(f"| {code(d.coordinate)} | {used} | {removal} | {reason or '—'} |")
    return [*out, ""]


def _days(days: int) -> str:
    if days < 0:
        return f"{-days} days overdue"
    return "today" if days == 0 else f"in {days} days"


def _live(report: DriftReport) -> list[str]:
    if not report.live:
        return []
    live = report.live
    failures = view.live_failures(report)
    head = view.live_summary(report)
    if live.get("error"):
        head += f"; could not run: {view.clean(live.get('error'), limit=300)}"
    head = md(head, limit=None)
    if not failures:
        return ["### Live tests: passed", "", head, ""]
    out = [f"### ✖ Live tests: {len(failures)} distinct failures", "", head, ""]
    out += ["| Operation | Check | Response path | Times | Message |", "|---|---|---|---:|---|"]
    for f in failures[:MAX_OPERATIONS]:
        out.append(
            f"| {code(f.get('operation'))} | {code(f.get('check'))} | {code(f.get('path')) or '—'} "
            f"| {md(f.get('count', 1))} | {md(f.get('message'))} |"
        )
    out.append("")
    curls = [f for f in failures[:MAX_OPERATIONS] if f.get("curl")]
    if curls:
        out += ["<details>", "<summary>Reproduce (curl)</summary>", ""]
        for f in curls:
            out += [
                f"{md(f.get('operation'))} · {md(f.get('check'))}:",
                "",
                "```sh",
                view.clean(f.get("curl"), limit=4000).replace("```", "` ` `"),
                "```",
                "",
            ]
        out += ["</details>", ""]
    return out


def _problems(report: DriftReport) -> list[str]:
    if not report.validity_problems:
        return []
    out = ["<details>", f"<summary>Schema validity problems ({len(report.validity_problems)})</summary>", ""]
    out += [f"- {md(p, limit=500)}" for p in report.validity_problems[:50]]
    return [*out, "", "</details>", ""]


def _history(report: DriftReport, history: Iterable[Mapping[str, Any]] | None) -> list[str]:
    if history is None:
        return []
    runs = list(reversed(view.merged_history(report, history)))[:10]
    out = [
        "<details>",
        "<summary>Recent runs</summary>",
        "",
        "| Run | Finished | Outcome | Changes |",
        "|---|---|---|---|",
    ]
    for run in runs:
        summary = run.get("summary") or {}
        counts = ", ".join(
            f"{summary.get(lv.value)} {lv.value}" for lv in view.LEVELS if summary.get(lv.value)
        )
        out.append(
            f"| {code(run.get('run_id'))} | {md(view.when(run.get('finished_at')))} "
            f"| {md(run.get('outcome'))} | {md(counts) or '—'} |"
        )
    return [*out, "", "</details>", ""]


def _footer(report: DriftReport) -> list[str]:
    out: list[str] = []
    for note in report.notes:
        out.append(f"> {md(note, limit=500)}")
    if report.timings:
        steps = ", ".join(f"{md(k)} {view.duration(v)}" for k, v in report.timings.items())
        out += [*([""] if out else []), f"<sub>gqlmon · timings: {steps}</sub>"]
    return out
