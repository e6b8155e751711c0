"""HTML rendering: one self-contained page per run.

Summary counts, breaking changes first, a change table filtered by criticality, change type and text (in
the page's own script, no server), the saved operations each change breaks, deprecations, live tests, and
a timeline of the target's past runs. The markup is ``templates/run.html``; this module gathers what it
shows, and the template environment (:mod:`page`) makes every value inert and escapes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from monitor.core.changes import sort_changes, summarize
from monitor.core.report import view
from monitor.core.report.model import REPORT_VERSION, DriftReport
from monitor.core.report.page import render_page, safe_href
from monitor.core.report.triage import broken_by as triage_broken_by
from monitor.core.report.triage import triage

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


@dataclass(frozen=True, slots=True)
class _Card:
    count: int
    label: str
    css: str


@dataclass(frozen=True, slots=True)
class _RunLink:
    """A run in a list: its page (``None`` when it has none or its id is not a safe file name)."""

    run_id: str
    href: str | None
    finished: str
    outcome: str
    counts: str


@dataclass(frozen=True, slots=True)
class _Cell:
    """One run in the timeline strip: taller when it found more changes."""

    outcome: str
    current: bool
    href: str | None
    height: int
    title: str


@dataclass(frozen=True, slots=True)
class _Timeline:
    total: int
    cells: list[_Cell]
    recent: list[_RunLink]  # newest first


@dataclass(frozen=True, slots=True)
class _OperationRow:
    index: int  # the row's anchor, ``op-<index>``
    name: object
    kind: object
    status: str
    where: str
    errors: list[Mapping[str, Any]]
    caused_by: list[object]


def render_html(report: DriftReport, history: Iterable[Mapping[str, Any]] | None = None) -> str:
    """The run as one HTML page; ``history`` is the target's run summaries (any order, this run optional)."""
    found = triage(report)
    operations = view.operations(report)
    counts = view.contract_counts(report)
    opened = report.open_since or {}
    return render_page(
        "run.html",
        title=f"gqlmon · {view.clean(report.target)} · {view.headline(report)}",
        script=SCRIPT if report.current_changes else "",
        report=report,
        report_version=REPORT_VERSION,
        old=view.short(report.old_snapshot.id if report.old_snapshot else None),
        new=view.short(report.new_snapshot.id if report.new_snapshot else None),
        cards=_cards(report),
        state_lines=view.state_lines(report),
        state_href=safe_href(str(opened.get("run_id")), ".html") if opened.get("run_id") else None,
        last_change=_last_change(report, history),
        found=found,
        dangerous_count=sum(len(f.changes) for f in found.dangerous),
        op_ids={str(op.get("name")): f"op-{i}" for i, op in enumerate(operations, 1)},
        broken_by=triage_broken_by(report),
        contract_counts=counts,
        operations_summary=", ".join(f"{v} {k}" for k, v in counts.items() if k != "total"),
        operations=[_operation_row(i, op) for i, op in enumerate(operations, 1)],
        operation_problems=[
            p for p in (report.contracts or {}).get("problems") or () if isinstance(p, Mapping)
        ],
        listed={c.id for c in report.current_changes},
        summary=summarize(report.current_changes),
        change_types=sorted({c.type.value for c in report.current_changes}),
        table_changes=sort_changes(report.current_changes),
        acknowledged=[c for c in view.ordered(report) if c.id in report.acknowledged],
        deprecations=view.deprecations(report),
        live_head=_live_head(report),
        live_failures=view.live_failures(report),
        timeline=_timeline(report, history),
        json_href=safe_href(report.run_id, ".json") if view.run_has_page(report.outcome) else "latest.json",
    )


def _cards(report: DriftReport) -> list[_Card]:
    suffix = " (still open)" if not report.changes and report.open_changes else ""
    s = summarize(report.current_changes)
    cards = [_Card(s[lv.value], view.LEVEL_TITLES[lv] + suffix, lv.value) for lv in view.LEVELS]
    cards.append(_Card(s["total"], "Total changes" + suffix, ""))
    if report.acknowledged:
        cards.append(_Card(len(report.acknowledged), "Acknowledged", "ack"))
    if report.contracts is not None:
        counts = view.contract_counts(report)
        cards.append(
            _Card(counts.get("broken", 0), f"of {counts.get('total', 0)} operations broken", "broken")
        )
    return cards


def _run_link(run: Mapping[str, Any], counts: str) -> _RunLink:
    run_id = str(run.get("run_id"))
    outcome = str(run.get("outcome", ""))
    return _RunLink(
        run_id=run_id,
        href=safe_href(run_id, ".html") if view.run_has_page(outcome) else None,
        finished=view.when(run.get("finished_at")),
        outcome=outcome,
        counts=counts,
    )


def _last_change(report: DriftReport, history: Iterable[Mapping[str, Any]] | None) -> _RunLink | None:
    run = view.last_change(report, history)
    if run is None:
        return None
    return _run_link(run, view.counts_text(run.get("summary") or {}))


def _operation_row(index: int, op: Mapping[str, Any]) -> _OperationRow:
    return _OperationRow(
        index=index,
        name=op.get("name"),
        kind=op.get("kind"),
        status=str(op.get("status", "")),
        where=f"{op.get('file', '')}:{op['line']}" if op.get("line") else str(op.get("file", "")),
        errors=[e for e in op.get("errors") or () if isinstance(e, Mapping)],
        caused_by=list(op.get("caused_by") or ()),
    )


def _live_head(report: DriftReport) -> str:
    head = view.live_summary(report)
    error = (report.live or {}).get("error")
    return f"{head}; could not run: {view.clean(error, limit=300)}" if error else head


def _timeline(report: DriftReport, history: Iterable[Mapping[str, Any]] | None) -> _Timeline | None:
    if history is None:
        return None
    runs = view.merged_history(report, history)
    cells = []
    for run in runs[-MAX_TIMELINE:]:
        link = _run_link(run, _run_counts(run))
        cells.append(
            _Cell(
                outcome=link.outcome,
                current=link.run_id == report.run_id,
                href=link.href,
                height=10 + min(30, 3 * _int((run.get("summary") or {}).get("total"))),
                title=f"{link.finished} · {link.outcome} · {link.counts}",
            )
        )
    recent = [_run_link(run, _run_counts(run)) for run in list(reversed(runs))[:MAX_RECENT]]
    return _Timeline(total=len(runs), cells=cells, recent=recent)


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _run_counts(run: Mapping[str, Any]) -> str:
    if run.get("outcome") == "failed":
        return "—"
    return view.counts_text(run.get("summary") or {})
