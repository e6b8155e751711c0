"""The reports index: every target with its latest outcome and its runs, linking to their pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from monitor.core.report import view
from monitor.core.report.page import esc, page, safe_href

MAX_RUNS: Final = 20
_NO_RUNS: Final = "<tr><td colspan=5>No runs yet.</td></tr>"


def render_index(targets: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """``targets`` maps a target name to its run summaries ``{run_id, finished_at, outcome, summary}``."""
    rows = []
    sections = []
    for name in sorted(targets):
        runs = sorted(targets[name], key=view.run_sort_key, reverse=True)
        folder = safe_href(name)
        latest = runs[0] if runs else {}
        outcome = str(latest.get("outcome", "none"))
        link = f'<a href="{esc(folder)}/latest.html">{esc(name)}</a>' if folder else esc(name)
        rows.append(
            f'<tr><td>{link}</td><td><span class="badge {esc(outcome)}">{esc(outcome)}</span></td>'
            f"<td>{esc(view.when(latest.get('finished_at'))) if latest else '—'}</td>"
            f"<td>{esc(view.counts_text(latest.get('summary') or {}, '—'))}</td><td>{len(runs)}</td></tr>"
        )
        items = []
        for run in runs[:MAX_RUNS]:
            run_id = str(run.get("run_id"))
            href = safe_href(run_id, ".html") if view.run_has_page(run.get("outcome")) else None
            label = f"<code>{esc(run_id)}</code>"
            if folder and href:
                label = f'<a href="{esc(folder)}/{esc(href)}">{label}</a>'
            run_outcome = str(run.get("outcome", ""))
            items.append(
                f"<tr><td>{esc(view.when(run.get('finished_at')))}</td><td>{label}</td>"
                f'<td><span class="badge {esc(run_outcome)}">{esc(run_outcome)}</span></td>'
                f"<td>{esc(view.counts_text(run.get('summary') or {}, '—'))}</td></tr>"
            )
        more = f'<p class="meta">… and {len(runs) - MAX_RUNS} older runs.</p>' if len(runs) > MAX_RUNS else ""
        sections.append(
            f"<h2>{esc(name)}</h2><table><thead><tr><th>Finished</th><th>Run</th><th>Outcome</th><th>Changes</th>"
            f"</tr></thead><tbody>{''.join(items)}</tbody></table>{more}"
        )
    body = (
        "<header><h1>gqlmon reports</h1>"
        f'<p class="meta">{len(targets)} target{"s" if len(targets) != 1 else ""}</p></header>'
        "<table><thead><tr><th>Target</th><th>Latest outcome</th><th>Finished</th><th>Changes</th>"
        f"<th>Runs</th></tr></thead><tbody>{''.join(rows) or _NO_RUNS}</tbody></table>" + "".join(sections)
    )
    return page("gqlmon reports", body)
