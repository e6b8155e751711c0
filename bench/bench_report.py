"""Rendering a run's HTML page and the reports index, against the Markdown report of the same run.

Run: ``python bench/bench_report.py`` (``--repeat N``). Prints a table, exits 0.

Real diffs of GitHub's public schema (vendored under tests/fixtures/schemas): consecutive versions
(12.41.1 -> 14.0.0) and far apart (10.74.2 -> 15.26.1), each as a changed run of the report fixture (saved
operations, live tests, 200 past runs in the timeline). The HTML page (Jinja2 templates, autoescaping) is
timed against the Markdown report of the same run (plain f-strings), the index of 20 targets x 200 runs
against the same page; renderers alternated, CPU time of the process, median of ``--repeat`` renders each.
The first HTML render (which compiles the templates) is timed apart.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.core.diff.introspected import diff_introspections  # noqa: E402
from monitor.core.report import render_html, render_index, render_markdown  # noqa: E402
from tests import realschemas  # noqa: E402
from tests.core.report.fixtures import HISTORY, fixture_report  # noqa: E402

PAIRS = (("github-12.41.1", "github-14.0.0"), ("github-10.74.2", "github-15.26.1"))


def cpu_ms(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return (time.process_time() - start) * 1000


def history(runs: int) -> list[dict[str, Any]]:
    return [
        *HISTORY,
        *(
            {
                "run_id": f"2025{i:04d}T000000000-abcdef",
                "finished_at": f"2025-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}+00:00",
                "outcome": "changed",
                "summary": {"breaking": 1, "dangerous": 0, "safe": 2, "total": 3},
            }
            for i in range(runs)
        ),
    ]


def schema(name: str) -> dict[str, Any]:
    document = realschemas.load(name)
    data: dict[str, Any] = document.get("data", document)
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    past = history(200)
    first: float | None = None
    print(f"{'report':34} {'changes':>7} {'HTML KB':>7} {'HTML ms':>8} {'MD ms':>7} {'HTML/MD':>8}")
    for old, new in PAIRS:
        changes = diff_introspections(schema(old), schema(new))
        report = replace(fixture_report(), changes=tuple(changes))
        page, markdown = (
            functools.partial(render_html, report, past),
            functools.partial(render_markdown, report),
        )
        if first is None:
            first = cpu_ms(page)
        html_ms, md_ms = [], []
        for _ in range(args.repeat):
            html_ms.append(cpu_ms(page))
            md_ms.append(cpu_ms(markdown))
        html, md = statistics.median(html_ms), statistics.median(md_ms)
        size = len(render_html(report, past).encode()) / 1024
        print(
            f"{old + ' -> ' + new:34} {len(changes):>7} {size:>7.0f} {html:>8.1f} {md:>7.1f} {html / md:>7.2f}x"
        )
    targets = {f"target-{i:02d}": past for i in range(20)}
    index_ms = statistics.median(cpu_ms(lambda: render_index(targets)) for _ in range(args.repeat))
    print(
        f"index, 20 targets x {len(past)} runs: {index_ms:.1f} ms; first HTML render (compiles): {first or 0:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
