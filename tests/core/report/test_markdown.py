from __future__ import annotations

import re
from dataclasses import replace

from markdown_it import MarkdownIt

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.report import render_markdown
from monitor.core.report.markdown import MAX_CHARS, code, md
from tests.core.report.fixtures import HISTORY, failed_report, fixture_report, hostile_report
from tests.core.report.golden import assert_golden


def _html(markdown: str) -> str:
    # html=True: like GitHub, raw HTML in the source would pass through; escaping must prevent it.
    html: str = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    return html


def test_golden_changed_run() -> None:
    assert_golden("report.md", render_markdown(fixture_report(), history=HISTORY))


def test_golden_failed_run() -> None:
    assert_golden("report_failed.md", render_markdown(failed_report()))


def test_breaking_changes_come_first_and_acknowledgement_is_shown() -> None:
    text = render_markdown(fixture_report())
    assert (
        text.index("Broken operations")
        < text.index("Breaking changes")
        < text.index("Dangerous changes")
        < text.index("Safe changes")
    )
    assert "acknowledged: Nobody uses LegacyThing" in text
    assert "rule deprecated-removal \\(was breaking\\)" in text
    broken = text[text.index("Broken operations") : text.index("Breaking changes")]
    assert "`GetUser`" in broken and "`ListUsers`" in broken
    assert "Field 'email' was removed from object type 'User'" in broken  # the cause, beside each


def test_hostile_text_renders_as_text() -> None:
    html = _html(render_markdown(hostile_report()))
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="http://evil"' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[link](http://evil)" in html
    assert "\x1b" not in html and "\u202e" not in html
    assert "@here" not in html  # broken by a zero-width space: no mention


def test_escaping_helpers() -> None:
    assert md("# title") == "\\# title"
    assert md("1. item") == "1\\. item"
    assert md("a-b") == "a-b"
    assert md("x | y") == "x \\| y"
    assert code("a`b") == "``a`b``"
    assert code("`a") == "`` `a ``"
    assert code("a|b") == "`a\\|b`"


def test_cells_stay_in_their_table_column() -> None:
    html = _html(render_markdown(hostile_report()))
    for table in html.split("<table>")[1:]:
        columns = len(re.findall(r"<th[ >]", table.split("</thead>")[0]))
        for row in table.split("</table>")[0].split("<tr>")[2:]:
            assert row.count("<td") == columns, row


def test_huge_report_fits_a_comment() -> None:
    changes = tuple(
        Change(
            type=ChangeType.FIELD_REMOVED,
            criticality=Criticality.BREAKING,
            path=f"Type{i}.field{i}",
            coordinate=f"Type{i}.field{i}",
            message="x" * 5000,
            reason="y" * 5000,
        )
        for i in range(3000)
    )
    text = render_markdown(replace(fixture_report(), changes=changes))
    assert len(text) <= MAX_CHARS + 200
    assert "and 2950 more breaking changes in 2950 groups" in text


def test_unchanged_run_is_short() -> None:
    report = replace(fixture_report(), outcome="unchanged", changes=(), contracts=None, live=None, notes=())
    text = render_markdown(report)
    assert "schema unchanged" in text
    assert "Breaking" not in text
