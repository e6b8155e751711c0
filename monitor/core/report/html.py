"""HTML rendering: one self-contained page per run.

Summary counts, breaking changes first, a change table filtered by criticality, change type and text (in
the page's own script, no server), the saved operations each change breaks, deprecations, live tests, and
a timeline of the target's past runs. Every piece of API text goes through :func:`page.esc`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from monitor.core.changes import Change, sort_changes, summarize
from monitor.core.report import view
from monitor.core.report.model import REPORT_VERSION, DriftReport
from monitor.core.report.page import esc, page, safe_href
from monitor.core.report.triage import Family, Triage, triage
from monitor.core.report.triage import broken_by as triage_broken_by

MAX_TIMELINE: Final = 120
MAX_RECENT: Final = 15

SCRIPT: Final = """(function(){
"use strict";
var table=document.getElementById("change-table");if(!table){return;}
var rows=Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
var crit=Array.prototype.slice.call(document.querySelectorAll("input[name=crit]"));
var type=document.getElementById("f-type"),q=document.getElementById("f-q");
var ack=document.getElementById("f-ack");
var shown=document.getElementById("shown");
function apply(){
  var on={};crit.forEach(function(c){on[c.value]=c.checked;});
  var t=type.value,s=q.value.trim().toLowerCase(),n=0;
  rows.forEach(function(r){
    var ok=on[r.dataset.criticality]&&(!t||r.dataset.type===t)&&(ack.checked||r.dataset.acknowledged!=="1")
      &&(!s||r.textContent.toLowerCase().indexOf(s)>=0);
    r.hidden=!ok;if(ok){n++;}
  });
  shown.textContent="Showing "+n+" of "+rows.length+" changes";
}
crit.concat([type,ack]).forEach(function(e){e.addEventListener("change",apply);});
q.addEventListener("input",apply);apply();
})();"""


def render_html(report: DriftReport, history: Iterable[Mapping[str, Any]] | None = None) -> str:
    """The run as one HTML page; ``history`` is the target's run summaries (any order, this run optional)."""
    found = triage(report)
    broken = triage_broken_by(report)
    op_ids = {str(op.get("name")): f"op-{i}" for i, op in enumerate(view.operations(report), 1)}
    parts = [
        _header(report),
        _cards(report),
        _state(report),
        _last_change(report, history),
        _error(report),
        _first(report, found, op_ids),
        _operations(report),
        _change_table(report, broken, op_ids),
        _acknowledged(report),
        _deprecations(report, op_ids),
        _live(report),
        _problems(report),
        _timeline(report, history),
        _footer(report),
    ]
    title = f"gqlmon · {view.clean(report.target)} · {view.headline(report)}"
    return page(title, "\n".join(p for p in parts if p), SCRIPT if report.current_changes else "")


def _header(report: DriftReport) -> str:
    old = report.old_snapshot.id if report.old_snapshot else None
    new = report.new_snapshot.id if report.new_snapshot else None
    schema = (
        f"last good schema <code>{esc(view.short(old))}</code>"
        if report.outcome == "failed"
        else f"schema <code>{esc(view.short(old))}</code> → <code>{esc(view.short(new))}</code>"
    )
    endpoint = f" · <code>{esc(report.endpoint)}</code>" if report.endpoint else ""
    return (
        f'<header><h1>gqlmon · {esc(report.target)} <span class="badge {esc(report.outcome)}">'
        f"{esc(view.OUTCOME_TITLES[report.outcome])}</span></h1>\n"
        f'<p class="meta">{esc(view.headline(report))} · run <code>{esc(report.run_id)}</code> · {schema} · '
        f"finished {esc(view.when(report.finished_at))}{endpoint}</p></header>"
    )


def _cards(report: DriftReport) -> str:
    opened = not report.changes and bool(report.open_changes)
    s = summarize(report.current_changes)
    suffix = " (still open)" if opened else ""
    cards = [(s[lv.value], view.LEVEL_TITLES[lv] + suffix, lv.value) for lv in view.LEVELS]
    cards.append((s["total"], "Total changes" + suffix, ""))
    if report.acknowledged:
        cards.append((len(report.acknowledged), "Acknowledged", "ack"))
    counts = view.contract_counts(report)
    if report.contracts is not None:
        cards.append((counts.get("broken", 0), f"of {counts.get('total', 0)} operations broken", "broken"))
    items = "".join(
        f'<div class="card {css}"><b>{n}</b><span>{esc(label)}</span></div>' for n, label, css in cards
    )
    return f'<section class="cards" id="summary">{items}</section>'


def _last_change(report: DriftReport, history: Iterable[Mapping[str, Any]] | None) -> str:
    run = view.last_change(report, history)
    if run is None:
        return ""
    run_id = str(run.get("run_id"))
    href = safe_href(run_id, ".html")
    label = f"<code>{esc(run_id)}</code>"
    linked = f'<a href="{esc(href)}">{label}</a>' if href else label
    return (
        f'<p class="meta" id="last-change">Last change found by run {linked} on '
        f"{esc(view.when(run.get('finished_at')))}: {esc(view.counts_text(run.get('summary') or {}))}.</p>"
    )


def _error(report: DriftReport) -> str:
    if report.outcome != "failed":
        return ""
    return f'<h2>Error</h2>\n<div class="error" id="error">{esc(report.error, single_line=False)}</div>'


def _labels(change: Change, acknowledged: Mapping[str, str], before: str) -> str:
    out = []
    for label in view.change_labels(change, acknowledged):
        css = "ack" if label.startswith("ack") else "dangerous"
        out.append(f'{before}<span class="badge {css}">{esc(label, limit=200)}</span>')
    return "".join(out)


def _ops_links(names: list[str], op_ids: Mapping[str, str]) -> str:
    links = []
    for name in names:
        anchor = op_ids.get(name)
        text = f"<code>{esc(name, limit=120)}</code>"
        links.append(
            f'<a class="chip" href="#{anchor}">{text}</a>' if anchor else f'<span class="chip">{text}</span>'
        )
    return "".join(links)


def _state(report: DriftReport) -> str:
    lines = view.state_lines(report)
    if not lines:
        return ""
    opened = report.open_since or {}
    href = safe_href(str(opened.get("run_id")), ".html") if opened.get("run_id") else None
    items = "".join(f"<p>{esc(line, limit=500)}</p>" for line in lines)
    link = f'<p><a href="{esc(href)}">Open the run that brought this schema</a></p>' if href else ""
    return f'<section class="state" id="state">{items}{link}</section>'


def _change_item(change: Change, report: DriftReport) -> str:
    acked = change.id in report.acknowledged
    return (
        f'<div class="item{" acked" if acked else ""}" data-change="{esc(change.id)}">'
        f'<p><b><a href="#c-{esc(change.id)}">{esc(change.message, limit=500)}</a></b>'
        f"{_labels(change, report.acknowledged, ' ')}</p>"
        f"<p><code>{esc(change.coordinate)}</code> · <code>{esc(change.type.value)}</code></p>"
        f'<p class="meta">{esc(change.reason, limit=500)}</p></div>'
    )


def _first(report: DriftReport, found: Triage, op_ids: Mapping[str, str]) -> str:
    """What breaks you, first: broken operations with their causes, breaking changes they use, the rest
    of the breaking changes by family (each family a folded list)."""
    parts: list[str] = []
    if found.broken:
        items = []
        for op in found.broken:
            anchor = op_ids.get(op.name)
            name = f"<code>{esc(op.name)}</code>"
            errors = "".join(
                f"<li>{esc(e.get('message'), limit=500)}"
                + (f' <span class="meta">line {esc(e.get("line"))}</span>' if e.get("line") else "")
                + "</li>"
                for e in op.errors
            )
            causes = "".join(f"<li>caused by {_change_item(c, report)}</li>" for c in op.causes) or (
                "<li>no schema change in this run explains it (the operation's own text)</li>"
            )
            title = f'<a href="#{anchor}">{name}</a>' if anchor else name
            items.append(
                f'<div class="item broken-op"><p><b>{title}</b> '
                f'<span class="meta">{esc(op.location)}</span></p><ul class="plain">{errors}</ul>'
                f'<ul class="plain">{causes}</ul></div>'
            )
        parts.append(f'<h2 id="broken">Broken operations ({len(found.broken)})</h2>' + "\n".join(items))
    if found.problems:
        problems = "".join(
            f"<li><code>{esc(p.get('file'))}:{esc(p.get('line'))}</code> {esc(p.get('message'), limit=500)}</li>"
            for p in found.problems
        )
        parts.append(
            f'<h2 id="unreadable">Saved-operation files that cannot be read ({len(found.problems)})</h2>'
            f"<ul>{problems}</ul>"
        )
    if found.used:
        items = []
        for used in found.used:
            ops = ""
            if used.broken:
                ops += f"<p>Breaks: {_ops_links(list(used.broken), op_ids)}</p>"
            if used.valid:
                ops += f"<p>Used by (still valid): {_ops_links(list(used.valid), op_ids)}</p>"
            if used.elsewhere:
                ops += (
                    f"<p>Used by (broken by another change): {_ops_links(list(used.elsewhere), op_ids)}</p>"
                )
            items.append(_change_item(used.change, report).removesuffix("</div>") + ops + "</div>")
        parts.append(
            f'<h2 id="used">Breaking changes your operations use ({len(found.used)})</h2>' + "".join(items)
        )
    if found.unused:
        title = "Breaking changes no saved operation uses" if report.contracts else "Breaking changes"
        parts.append(f'<h2 id="unused">{title} ({found.unused_count})</h2>' + _families(found.unused, report))
    if found.dangerous:
        count = sum(len(f.changes) for f in found.dangerous)
        parts.append(
            f'<h2 id="dangerous">Dangerous changes ({count})</h2>' + _families(found.dangerous, report)
        )
    if not parts:
        return ""
    return '<section id="first">' + "\n".join(parts) + "</section>"


def _families(families: Sequence[Family], report: DriftReport) -> str:
    out = []
    for family in families:
        single = family.single
        if single is not None:
            out.append(_change_item(single, report))
            continue
        items = "".join(
            f'<li><a href="#c-{esc(c.id)}">{esc(c.message, limit=300)}</a></li>' for c in family.changes
        )
        out.append(
            f'<details class="family"><summary><b>{esc(family.label)}</b>: {len(family.changes)} changes '
            f'<span class="meta">({esc(family.kinds)})</span></summary><ul class="plain">{items}</ul></details>'
        )
    return "".join(out)


def _change_table(report: DriftReport, affected: Mapping[str, list[str]], op_ids: Mapping[str, str]) -> str:
    changes = report.current_changes
    if not changes:
        return ""
    s = summarize(changes)
    checks = "".join(
        f'<label class="{lv.value}"><input type="checkbox" name="crit" value="{lv.value}" checked> '
        f"{view.LEVEL_TITLES[lv]} ({s[lv.value]})</label>"
        for lv in view.LEVELS
    )
    types = sorted({c.type.value for c in changes})
    options = '<option value="">All change types</option>' + "".join(
        f'<option value="{esc(t)}">{esc(t)}</option>' for t in types
    )
    filters = (
        f'<div class="filters">{checks}<select id="f-type" aria-label="Change type">{options}</select>'
        '<input id="f-q" type="search" placeholder="Filter by text" aria-label="Filter by text">'
        '<label class="ack"><input type="checkbox" id="f-ack" checked> acknowledged</label>'
        '<span id="shown" class="meta"></span></div>'
    )
    rows = "\n".join(_row(c, report.acknowledged, affected, op_ids) for c in sort_changes(changes))
    title = "All changes" if report.changes else "Changes still open"
    return (
        f'<section id="changes"><h2>{title} ({s["total"]})</h2>\n{filters}\n'
        '<table id="change-table"><thead><tr><th>Criticality</th><th>Change</th><th>Where</th><th>Why</th>'
        f"<th>Breaks</th></tr></thead>\n<tbody>\n{rows}\n</tbody></table></section>"
    )


def _acknowledged(report: DriftReport) -> str:
    """The acknowledged changes of this run with their reasons (they never alert or fail a check)."""
    acked = [c for c in view.ordered(report) if c.id in report.acknowledged]
    if not acked:
        return ""
    items = "".join(
        f'<li><code class="meta">{esc(c.id)}</code> {esc(c.message, limit=500)}: '
        f"<i>{esc(report.acknowledged[c.id] or 'acknowledged', limit=500)}</i></li>"
        for c in acked
    )
    return f'<section id="acknowledged"><h2>Acknowledged ({len(acked)})</h2><ul>{items}</ul></section>'


def _row(
    change: Change, acked: Mapping[str, str], affected: Mapping[str, list[str]], op_ids: Mapping[str, str]
) -> str:
    labels = _labels(change, acked, "<br>")
    values = ""
    if change.old is not None or change.new is not None:
        values = (
            f'<br><span class="meta">{esc(change.old if change.old is not None else "—", limit=200)} → '
            f"{esc(change.new if change.new is not None else '—', limit=200)}</span>"
        )
    crit = change.criticality.value
    return (
        f'<tr id="c-{esc(change.id)}" data-criticality="{crit}" data-type="{esc(change.type.value)}" '
        f'data-acknowledged="{1 if change.id in acked else 0}">'
        f'<td><span class="badge {crit}">{crit}</span></td>'
        f"<td>{esc(change.message, limit=500)}<br><code>{esc(change.type.value)}</code> "
        f'<code class="meta">{esc(change.id)}</code></td>'
        f"<td><code>{esc(change.coordinate)}</code>{values}</td>"
        f"<td>{esc(change.reason, limit=500)}{labels}</td>"
        f"<td>{_ops_links(affected.get(change.id, []), op_ids) or '—'}</td></tr>"
    )


def _operations(report: DriftReport) -> str:
    if report.contracts is None:
        return ""
    counts = view.contract_counts(report)
    summary = ", ".join(f"{v} {esc(k)}" for k, v in counts.items() if k != "total")
    listed = {c.id for c in report.current_changes}
    rows = []
    for i, op in enumerate(view.operations(report), 1):
        status = str(op.get("status", ""))
        where = f"{op.get('file', '')}:{op['line']}" if op.get("line") else str(op.get("file", ""))
        errors = [
            f"<li>{esc(e.get('message'), limit=500)}"
            + (f' <span class="meta">line {esc(e.get("line"))}</span>' if e.get("line") else "")
            + "</li>"
            for e in op.get("errors") or ()
            if isinstance(e, Mapping)
        ]
        causes = "".join(
            f'<a class="chip" href="#c-{esc(cid)}"><code>{esc(cid)}</code></a>'
            if cid in listed
            else f'<span class="chip"><code>{esc(cid)}</code></span>'
            for cid in op.get("caused_by") or ()
        )
        rows.append(
            f'<tr id="op-{i}"><td><code>{esc(op.get("name"))}</code></td><td>{esc(op.get("kind"))}</td>'
            f'<td><span class="badge {esc(status)}">{esc(status)}</span></td>'
            f"<td><code>{esc(where)}</code></td>"
            f"<td>{'<ul class=plain>' + ''.join(errors) + '</ul>' if errors else '—'}</td>"
            f"<td>{causes or '—'}</td></tr>"
        )
    problems = "".join(
        f"<li><code>{esc(p.get('file'))}:{esc(p.get('line'))}</code> {esc(p.get('message'), limit=500)}</li>"
        for p in report.contracts.get("problems") or ()
        if isinstance(p, Mapping)
    )
    return (
        f'<section id="operations"><h2>Saved operations ({counts.get("total", len(rows))})</h2>'
        f'<p class="meta">{summary}</p>'
        "<table><thead><tr><th>Operation</th><th>Kind</th><th>Status</th><th>File</th><th>Errors</th>"
        f"<th>Caused by</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + (f"<h3>Operations that could not be read</h3><ul>{problems}</ul>" if problems else "")
        + "</section>"
    )


def _deprecations(report: DriftReport, op_ids: Mapping[str, str]) -> str:
    deps = view.deprecations(report)
    if not deps:
        return ""
    rows = []
    for d in deps:
        when = esc(d.removal_date) if d.removal_date else "not announced"
        if d.days_left is not None:
            left = f"{-d.days_left} days overdue" if d.days_left < 0 else f"in {d.days_left} days"
            when += f' <span class="badge {"breaking" if d.near else "safe"}">{left}</span>'
        use = f" Use <code>{esc(d.replacement)}</code>." if d.replacement else ""
        rows.append(
            f"<tr><td><code>{esc(d.coordinate)}</code></td><td>{_ops_links(list(d.operations), op_ids)}</td>"
            f"<td>{when}</td><td>{esc(d.reason, limit=500)}{use}</td></tr>"
        )
    return (
        '<section id="deprecations"><h2>Deprecations in use</h2><table><thead><tr><th>Element</th>'
        "<th>Used by</th><th>Removal</th><th>Reason</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _live(report: DriftReport) -> str:
    if not report.live:
        return ""
    live = report.live
    failures = view.live_failures(report)
    head = view.live_summary(report)
    if live.get("error"):
        head += f"; could not run: {view.clean(live.get('error'), limit=300)}"
    head = esc(head)

    if not failures:
        return f'<section id="live"><h2>Live tests: passed</h2><p class="meta">{head}</p></section>'
    rows = "".join(
        f"<tr><td><code>{esc(f.get('operation'))}</code></td><td><code>{esc(f.get('check'))}</code></td>"
        f"<td><code>{esc(f.get('path')) or '—'}</code></td><td>{esc(f.get('count', 1))}</td>"
        f"<td>{esc(f.get('message'), limit=1000)}"
        + (f"<pre>{esc(f.get('curl'), single_line=False, limit=4000)}</pre>" if f.get("curl") else "")
        + "</td></tr>"
        for f in failures
    )
    return (
        f'<section id="live"><h2>Live tests: {len(failures)} distinct failures</h2><p class="meta">{head}</p>'
        "<table><thead><tr><th>Operation</th><th>Check</th><th>Response path</th><th>Times</th>"
        f"<th>Message and reproduction</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _problems(report: DriftReport) -> str:
    if not report.validity_problems:
        return ""
    items = "".join(f"<li>{esc(p, limit=1000)}</li>" for p in report.validity_problems)
    return (
        f'<section id="validity"><h2>Schema validity problems ({len(report.validity_problems)})</h2>'
        f'<p class="meta">The schema is not valid GraphQL; gqlmon diffs and validates it anyway.</p>'
        f"<ul>{items}</ul></section>"
    )


def _timeline(report: DriftReport, history: Iterable[Mapping[str, Any]] | None) -> str:
    if history is None:
        return ""
    runs = view.merged_history(report, history)
    cells = []
    for run in runs[-MAX_TIMELINE:]:
        run_id = str(run.get("run_id"))
        outcome = str(run.get("outcome", ""))
        title = f"{view.when(run.get('finished_at'))} · {outcome} · {_run_counts(run)}"
        css = f"{esc(outcome)}{' current' if run_id == report.run_id else ''}"
        href = safe_href(run_id, ".html") if view.run_has_page(outcome) else None
        tag = f'<a href="{esc(href)}"' if href else "<span"
        height = 10 + min(30, 3 * _int((run.get("summary") or {}).get("total")))  # taller: more changes
        cells.append(
            f'{tag} class="{css}" style="height:{height}px" title="{esc(title)}"></{"a" if href else "span"}>'
        )
    recent = []
    for run in list(reversed(runs))[:MAX_RECENT]:
        run_id = str(run.get("run_id"))
        outcome = str(run.get("outcome", ""))
        href = safe_href(run_id, ".html") if view.run_has_page(outcome) else None
        label = f"<code>{esc(run_id)}</code>"
        recent.append(
            f"<tr><td>{esc(view.when(run.get('finished_at')))}</td>"
            f"<td>{f'<a href={chr(34)}{esc(href)}{chr(34)}>{label}</a>' if href else label}</td>"
            f'<td><span class="badge {esc(outcome)}">{esc(outcome)}</span></td>'
            f"<td>{esc(_run_counts(run))}</td></tr>"
        )
    return (
        f'<section id="history"><h2>History ({len(runs)} runs)</h2>'
        f'<div class="timeline">{"".join(cells)}</div>'
        "<table><thead><tr><th>Finished</th><th>Run</th><th>Outcome</th><th>Changes</th></tr></thead>"
        f"<tbody>{''.join(recent)}</tbody></table></section>"
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _run_counts(run: Mapping[str, Any]) -> str:
    if run.get("outcome") == "failed":
        return "—"
    return view.counts_text(run.get("summary") or {})


def _footer(report: DriftReport) -> str:
    notes = "".join(f"<p>{esc(n, limit=1000)}</p>" for n in report.notes)
    json_href = safe_href(report.run_id, ".json") if view.run_has_page(report.outcome) else "latest.json"
    json_link = f' · <a href="{esc(json_href)}">JSON</a>' if json_href else ""
    timings = ", ".join(f"{esc(k)} {view.duration(v)}" for k, v in report.timings.items())
    return (
        f"<footer>{notes}<p>Started {esc(view.when(report.started_at))} · "
        f"{'timings: ' + timings + ' · ' if timings else ''}report format version {REPORT_VERSION} · "
        f'generated by gqlmon{json_link} · <a href="../index.html">all targets</a></p></footer>'
    )
