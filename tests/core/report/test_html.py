"""The HTML page as text (the browser test checks it rendered)."""

from __future__ import annotations

import re
from dataclasses import replace

import monitor.core.report as report_pkg
from monitor.core.report import FORMATS, render, render_html, render_index, render_terminal
from tests.core.report.fixtures import HISTORY, failed_report, fixture_report, hostile_report


def test_self_contained_with_a_strict_policy() -> None:
    html = render_html(fixture_report(), HISTORY)
    assert "default-src 'none'" in html and "script-src 'sha256-" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing loaded from anywhere
    assert html.count("<script>") == 1


def test_hostile_text_is_escaped() -> None:
    html = render_html(hostile_report(), HISTORY)
    assert "<script>alert" not in html and "<img" not in html and "<!channel>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\x1b" not in html and "\u202e" not in html


def test_timeline_links_runs_that_have_pages() -> None:
    html = render_html(fixture_report(), HISTORY)
    assert 'href="20260110T080000000-aaaaaa.html"' in html  # baseline
    assert 'href="20260111T080000000-bbbbbb.html"' not in html  # unchanged runs keep no page
    assert 'class="changed current"' in html


def test_failed_run_shows_the_error_and_no_filters() -> None:
    html = render_html(failed_report())
    assert 'id="error"' in html and "HTTP 502" in html
    assert "<script>" not in html and "script-src 'none'" in html


def test_unsafe_run_ids_are_not_links() -> None:
    history = [{**HISTORY[0], "run_id": "../../etc/passwd"}, {**HISTORY[1], "run_id": "javascript:alert(1)"}]
    html = render_html(fixture_report(), history)
    assert "passwd.html" not in html and 'href="javascript' not in html


def test_index_escapes_target_names() -> None:
    html = render_index({"<b>x</b>": HISTORY, "demo": []})
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "No runs yet" not in html


def test_terminal_strips_control_characters() -> None:
    text = render_terminal(hostile_report())
    assert "\x1b" not in text and "\u202e" not in text
    assert "<script>alert(1)</script>" in text  # plain text: shown as it is, harmlessly
    assert text.splitlines()[0] == "demo: 4 breaking, 2 dangerous, 2 safe changes"


def test_render_dispatches_every_format() -> None:
    report = replace(fixture_report(), live=None)
    for fmt in (*FORMATS, "md", "xml", "terminal"):
        assert render(report, fmt, HISTORY)
    try:
        render(report, "pdf")
    except ValueError as exc:
        assert "pdf" in str(exc)
    else:
        raise AssertionError("unknown format accepted")


def test_public_names_are_exported() -> None:
    for name in report_pkg.__all__:
        assert hasattr(report_pkg, name), name
    public = {n for n in dir(report_pkg) if n.startswith("render")}
    assert public <= set(report_pkg.__all__)


def test_a_quiet_run_points_to_the_last_change() -> None:
    changed = {
        "run_id": "20260111T000000000-dddddd",
        "finished_at": "2026-01-11T00:00:00+00:00",
        "outcome": "changed",
        "summary": {"breaking": 2, "dangerous": 0, "safe": 1, "total": 3},
    }
    quiet = replace(fixture_report(), outcome="unchanged", changes=(), acknowledged={})
    html = render_html(quiet, [*HISTORY, changed])
    assert 'id="last-change"' in html and 'href="20260111T000000000-dddddd.html"' in html
    assert "2 breaking, 1 safe" in html
    assert 'id="last-change"' not in render_html(fixture_report(), [*HISTORY, changed])
